"""Read vector files into GeoDataFrames: GeoJSON, GeoPackage, Shapefile (also zipped),
GeoParquet and CSV (a WKT column or lon/lat columns).

Every failure is an :class:`~geogrid.errors.InputError` naming the file; nothing here knows the
schema or the store. Coordinates are returned as the file has them (the CRS may be missing).
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geogrid.errors import InputError

FALLBACK_ENCODINGS: Final = ("utf-8", "gb18030")
_SUFFIX_FORMAT: Final = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".zip": "shp",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".csv": "csv",
    ".txt": "csv",
}
_WKT_COLUMNS: Final = ("wkt", "geometry", "geom", "the_geom", "shape")
_LON_COLUMNS: Final = ("lon", "lng", "longitude", "long", "x")
_LAT_COLUMNS: Final = ("lat", "latitude", "y")


@dataclass
class SourceLayer:
    """One layer as read from a file, before mapping and CRS normalisation."""

    name: str
    frame: gpd.GeoDataFrame
    file: str
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None


def file_format(path: Path) -> str:
    """The format key of a path by its suffix, or a clear error listing the known ones."""
    fmt = _SUFFIX_FORMAT.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(_SUFFIX_FORMAT))
        raise InputError(
            f"unknown file type {path.suffix!r}; expected one of {known}", file=str(path)
        )
    return fmt


def read_layers(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    wkt_column: str | None = None,
    lonlat_columns: tuple[str, str] | None = None,
) -> list[SourceLayer]:
    """Read every layer of ``path`` (or only ``layer`` of a GeoPackage).

    Parameters
    ----------
    path
        The file; the format is chosen by its suffix.
    layer
        For a GeoPackage: read only this layer.
    encoding
        Text encoding of Shapefile attributes or CSV; by default UTF-8, then GB18030.
    wkt_column, lonlat_columns
        For CSV: where the geometry is; by default looked up by common names.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    fmt = file_format(path)
    if fmt == "gpkg":
        layers = _read_gpkg(path, layer)
    elif fmt == "csv":
        layers = [_read_csv(path, encoding, wkt_column, lonlat_columns)]
    elif fmt == "parquet":
        layers = [SourceLayer(path.stem, _read_parquet(path), str(path))]
    elif fmt == "shp":
        layers = [_read_shapefile(path, encoding)]
    else:
        layers = [SourceLayer(path.stem, _read_ogr(path, path), str(path))]
    for source in layers:
        _drop_z(source)
    return layers


def _read_ogr(path: Path, target: Path | str, **kwargs: object) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(target, **kwargs)
    except UnicodeDecodeError:
        raise
    except Exception as exc:
        raise _unreadable(path, exc) from exc


def _unreadable(path: Path, exc: BaseException) -> InputError:
    """GDAL and Arrow report a corrupt file through many exception types: one InputError."""
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    # GDAL prefixes SQLite errors with the failing statement; the cause is what matters.
    reason = reason.rsplit("failed: ", 1)[-1][:160]
    return InputError(
        f"cannot read the file, it may be truncated or corrupt ({reason})", file=str(path)
    )


def _read_gpkg(path: Path, layer: str | None) -> list[SourceLayer]:
    try:
        listing = pyogrio.list_layers(path)
    except Exception as exc:
        raise _unreadable(path, exc) from exc
    spatial = [str(name) for name, geom_type in listing if geom_type is not None]
    if layer is not None:
        if layer not in spatial:
            raise InputError(
                f"no layer {layer!r}; the GeoPackage has: {', '.join(spatial) or 'no spatial layers'}",
                file=str(path),
            )
        spatial = [layer]
    if not spatial:
        raise InputError("the GeoPackage has no spatial layers", file=str(path))
    return [SourceLayer(name, _read_ogr(path, path, layer=name), str(path)) for name in spatial]


def _read_parquet(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except Exception as exc:
        raise _unreadable(path, exc) from exc


def _read_shapefile(path: Path, encoding: str | None) -> SourceLayer:
    target: Path | str = path
    if path.suffix.lower() == ".zip":
        member, cpg_text = _zipped_shapefile(path)
        target = f"/vsizip/{path.resolve()}/{member}"
    else:
        _check_shp_length(path)
        cpg = path.with_suffix(".cpg")
        cpg_text = cpg.read_text(errors="ignore") if cpg.exists() else ""
    declared = cpg_text.strip().lower() or None
    candidates = (encoding,) if encoding else tuple(dict.fromkeys((declared, *FALLBACK_ENCODINGS)))
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            frame = _read_ogr(path, target, encoding=candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        notes = [] if candidate == "utf-8" else [f"attributes decoded as {candidate}"]
        return SourceLayer(path.stem, frame, str(path), notes, candidate)
    raise _undecodable(path, candidates)


def _undecodable(path: Path, tried: tuple[str | None, ...]) -> InputError:
    names = " or ".join(dict.fromkeys(name.removesuffix("-sig") for name in tried if name))
    return InputError(
        f"the text is not in {names}; pass the right encoding with --encoding (e.g. --encoding big5)",
        file=str(path),
    )


def _zipped_shapefile(path: Path) -> tuple[str, str]:
    """The one .shp member of a zip, and the text of its .cpg (empty when there is none)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            members = [name for name in names if name.lower().endswith(".shp")]
            if len(members) != 1:
                found = ", ".join(members) or "none"
                raise InputError(
                    f"a zip must hold exactly one .shp file; found {found}", file=str(path)
                )
            cpg = {name.lower(): name for name in names}.get(members[0][:-4].lower() + ".cpg")
            cpg_text = archive.read(cpg).decode(errors="ignore") if cpg else ""
    except (zipfile.BadZipFile, OSError) as exc:
        raise _unreadable(path, exc) from exc
    return members[0], cpg_text


def _check_shp_length(path: Path) -> None:
    """A shapefile header states its length; GDAL silently reads a cut file as empty shapes."""
    with path.open("rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or struct.unpack(">i", header[:4])[0] != 9994:
        raise InputError(
            "not a shapefile (bad header), it may be truncated or corrupt", file=str(path)
        )
    declared = struct.unpack(">i", header[24:28])[0] * 2
    actual = path.stat().st_size
    if actual < declared:
        raise InputError(f"the file is truncated: {actual} of {declared} bytes", file=str(path))


def _read_csv(
    path: Path,
    encoding: str | None,
    wkt_column: str | None,
    lonlat_columns: tuple[str, str] | None,
) -> SourceLayer:
    table, used = read_text_table(path, encoding)
    frame = _csv_geometry(table, path, wkt_column, lonlat_columns)
    notes = [] if used == "utf-8" else [f"text decoded as {used}"]
    return SourceLayer(path.stem, frame, str(path), notes, used)


def read_text_table(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame, str]:
    """A CSV as text columns (empty cells None) and the encoding it was decoded with:
    ``encoding``, or UTF-8 (with or without BOM), then GB18030."""
    raw = path.read_bytes()
    candidates = (encoding,) if encoding else ("utf-8-sig", "gb18030")
    for candidate in candidates:
        try:
            text = raw.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        break
    else:
        raise _undecodable(path, candidates)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:
        raise _unreadable(path, exc) from exc
    return table, "utf-8" if candidate == "utf-8-sig" else candidate


def _find_column(table: pd.DataFrame, wanted: str | None, names: tuple[str, ...]) -> str | None:
    lookup = {str(column).lower(): str(column) for column in table.columns}
    if wanted is not None:
        if wanted.lower() not in lookup:
            return None
        return lookup[wanted.lower()]
    return next((lookup[name] for name in names if name in lookup), None)


def _csv_geometry(
    table: pd.DataFrame,
    path: Path,
    wkt_column: str | None,
    lonlat_columns: tuple[str, str] | None,
) -> gpd.GeoDataFrame:
    wkt = None if lonlat_columns else _find_column(table, wkt_column, _WKT_COLUMNS)
    if wkt is not None:
        geoms = _parse_wkt(table[wkt], path, wkt)
        return gpd.GeoDataFrame(table.drop(columns=[wkt]), geometry=geoms)
    lon_name, lat_name = lonlat_columns or (None, None)
    lon = _find_column(table, lon_name, _LON_COLUMNS)
    lat = _find_column(table, lat_name, _LAT_COLUMNS)
    if lon is None or lat is None:
        raise InputError(
            "no geometry: expected a WKT column (wkt, geometry) or lon/lat columns (lon, lat); "
            f"the file has: {', '.join(map(str, table.columns))}",
            file=str(path),
        )
    x = pd.to_numeric(table[lon], errors="coerce")
    y = pd.to_numeric(table[lat], errors="coerce")
    bad = table.index[(x.isna() | y.isna()).to_numpy()]
    if len(bad):
        raise InputError(
            f"{len(bad)} row(s) have no numeric {lon}/{lat}", file=str(path), feature=_row(bad[0])
        )
    points = shapely.points(x.to_numpy(), y.to_numpy())
    return gpd.GeoDataFrame(table.drop(columns=[lon, lat]), geometry=points)


def _parse_wkt(values: pd.Series, path: Path, column: str) -> gpd.GeoSeries:
    geoms: list[shapely.Geometry | None] = []
    for index, value in values.items():
        if not isinstance(value, str) or not value.strip():
            geoms.append(None)
            continue
        try:
            geoms.append(shapely.from_wkt(value))
        except shapely.errors.GEOSException as exc:
            raise InputError(
                f"malformed WKT ({str(exc)[:120]}); the file may be truncated",
                file=str(path),
                feature=_row(index),
                field=column,
            ) from exc
    return gpd.GeoSeries(geoms, index=values.index)


def _row(index: object) -> str:
    return f"row {int(str(index)) + 2}" if str(index).isdigit() else str(index)


def _drop_z(source: SourceLayer) -> None:
    geoms = source.frame.geometry
    has_z = shapely.has_z(geoms.to_numpy())
    count = int(has_z.sum())
    if count:
        flat = shapely.force_2d(geoms.to_numpy())
        source.frame = source.frame.set_geometry(
            gpd.GeoSeries(flat, index=geoms.index, crs=geoms.crs)
        )
        source.notes.append(f"dropped the Z (height) coordinate of {count} 3D feature(s)")
