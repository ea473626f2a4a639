"""Read vector files into GeoDataFrames: GeoJSON, GeoPackage, Shapefile (also zipped),
GeoParquet and CSV (a WKT column or lon/lat columns).

Every failure is an :class:`~geogrid.errors.InputError` naming the file; nothing here knows the
schema or the store. Coordinates are returned as the file has them (the CRS may be missing).
"""

from __future__ import annotations

import codecs
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import shapely

from geogrid.errors import InputError
from geogrid.io import _ogr
from geogrid.io._codes import DBF_FIELDS_ATTR, DbfField, dbf_fields
from geogrid.io._ogr import RawLayer, Repair
from geogrid.io._zipnames import open_zip
from geogrid.text_tables import DELIMITER_NAMES, csv_table, decode_bytes, plausible_gbk

FALLBACK_ENCODINGS: Final = ("utf-8", "gb18030")
# Read by geogrid itself (CSV with WKT or lon/lat, GeoParquet through Arrow) or with care for
# the encoding (Shapefile); everything else goes to GDAL, which detects the format.
_SUFFIX_FORMAT: Final = {
    ".shp": "shp",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
    ".csv": "csv",
    ".txt": "csv",
}
_WKT_COLUMNS: Final = ("wkt", "geometry", "geom", "the_geom", "shape")
_LON_COLUMNS: Final = ("lon", "lng", "longitude", "long", "x", "经度", "东经")
_LAT_COLUMNS: Final = ("lat", "latitude", "y", "纬度", "北纬")


@dataclass
class SourceLayer:
    """One layer as read from a file, before mapping and CRS normalisation."""

    name: str
    frame: gpd.GeoDataFrame
    file: str
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    repairs: list[Repair] = field(default_factory=list)
    """Repairs made while reading, by row position (named by feature id after mapping)."""
    alias: str | None = None
    """Another name that may tell the layer kind: the file's, when the layer's does not."""


_EXPORT_SUFFIX: Final = {
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


def file_format(path: Path) -> str:
    """The format key of a path by its suffix (what export writes), or a clear error."""
    fmt = _EXPORT_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(_EXPORT_SUFFIX))
        raise InputError(
            f"unknown file type {path.suffix!r}; expected one of {known}", file=str(path)
        )
    return fmt


def read_route(path: Path) -> str:
    """How a path is read: csv, parquet, shp (also a zip holding one) or gdal (GDAL detects)."""
    fmt = _SUFFIX_FORMAT.get(path.suffix.lower())
    if fmt is not None:
        return fmt
    if path.suffix.lower() == ".zip" and path.is_file() and _zip_has_shapefile(path):
        return "shp"
    return "gdal"


def _zip_has_shapefile(path: Path) -> bool:
    try:
        with open_zip(path) as archive:
            return any(name.lower().endswith(".shp") for name in archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise _unreadable(path, exc) from exc


def read_layers(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    wkt_column: str | None = None,
    lonlat_columns: tuple[str, str] | None = None,
) -> list[SourceLayer]:
    """Read every layer of ``path`` (or only ``layer`` of a multi-layer source).

    Parameters
    ----------
    path
        The file (or a File Geodatabase folder); CSV, GeoParquet and Shapefile are known by
        their suffix, every other format is detected by GDAL (GeoJSON, GeoPackage, KML, File
        Geodatabase also zipped, GML, MapInfo, FlatGeobuf, ...).
    layer
        For a source with several layers: read only this one.
    encoding
        Text encoding of the attributes; by default UTF-8, then GB18030.
    wkt_column, lonlat_columns
        For CSV: where the geometry is; by default looked up by common names.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", file=str(path))
    if path.is_file() and path.stat().st_size == 0:
        raise InputError("the file is empty (0 bytes); nothing to import", file=str(path))
    fmt = read_route(path)
    if fmt == "csv":
        layers = [_read_csv(path, encoding, wkt_column, lonlat_columns)]
        raw = RawLayer(layers[0].name, layers[0].frame, layers[0].notes)
        _ogr.drop_z_and_m(raw)
        layers[0].frame = raw.frame
    elif fmt == "parquet":
        raw = RawLayer(path.stem, _read_parquet(path))
        _ogr.drop_z_and_m(raw)
        layers = [_from_raw(path, raw)]
    elif (
        fmt == "shp"
        and path.suffix.lower() == ".zip"
        and len(zipped := zipped_shapefiles(path)) > 1
    ):
        members: dict[str, str] = {}
        for member in zipped:
            if (other := members.setdefault(Path(member).stem, member)) != member:
                raise InputError(
                    f"the zip holds two shapefiles named {Path(member).stem!r}: {other}, {member}; "
                    "zip one of them",
                    file=str(path),
                )
        picked = _pick(path, list(members), layer)
        layers = [_read_shapefile(path, encoding, members[name]) for name in picked]
    elif fmt == "shp":
        layers = [_read_shapefile(path, encoding)]
    elif shapefiles := folder_shapefiles(path):
        # GDAL would read a folder of shapefiles as Latin-1 when there is no .cpg: each is read
        # as one shapefile is, with its encoding found the same way
        by_name = {shp.stem: shp for shp in shapefiles}
        picked = _pick(path, list(by_name), layer)
        layers = [_read_shapefile(by_name[name], encoding) for name in picked]
        if len(layers) == 1 and layer is None:
            layers[0].alias = _stem(path)
    else:
        target = _ogr.gdal_target(path)
        names = _ogr.choose_layers(path, target, layer)
        if len(names) == 1 and layer is None:
            # one layer: named by GDAL (a GeoPackage's table) or else by the file ("src" in KML)
            [one] = [_decoded(path, target, None, encoding, name=names[0])]
            one.alias = _stem(path)
            return [one]
        layers = [_decoded(path, target, name, encoding, name=name) for name in names]
    return layers


def folder_shapefiles(path: Path) -> list[Path]:
    """The shapefiles of a folder (not a File Geodatabase), which GDAL reads as its layers."""
    if not path.is_dir() or path.suffix.lower() == ".gdb":
        return []
    return sorted(p for p in path.iterdir() if p.suffix.lower() == ".shp" and p.is_file())


def _pick(path: Path, names: list[str], wanted: str | None) -> list[str]:
    """Every layer, or only ``wanted``; a clear error when it is not there."""
    if wanted is None:
        return names
    if wanted not in names:
        raise InputError(f"no layer {wanted!r}; the file has: {', '.join(names)}", file=str(path))
    return [wanted]


def layer_names(path: str | Path) -> list[str]:
    """The names that pick a layer of ``path``: the spatial layers of a multi-layer source, or
    the one layer's name and the file's. Empty when there is no file to list (reading it says
    why); an unreadable file raises as reading it would."""
    path = Path(path)
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return []
    if read_route(path) == "shp" and path.suffix.lower() == ".zip":
        members = [Path(member).stem for member in zipped_shapefiles(path)]
        return [*members, _stem(path)] if len(members) == 1 else members
    if read_route(path) != "gdal":
        return [_stem(path)]
    names = _ogr.spatial_layers(path, _ogr.gdal_target(path))
    return [*names, _stem(path)] if len(names) == 1 else names


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".zip", ".gdb"):
        name = name.removesuffix(suffix).removesuffix(suffix.upper())
    return Path(name).stem if "." in name else name


def _from_raw(path: Path, raw: RawLayer, *, name: str | None = None) -> SourceLayer:
    return SourceLayer(name or raw.name, raw.frame, str(path), raw.notes, raw.encoding, raw.repairs)


def _decoded(
    path: Path, target: str, layer: str | None, encoding: str | None, *, name: str
) -> SourceLayer:
    """A layer read with ``encoding``, or with the fallbacks when none is given."""
    candidates = (encoding,) if encoding else (None, "gb18030")
    for candidate in candidates:
        try:
            raw = _ogr.read_layer(path, target, layer=layer, encoding=candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        if encoding is None and candidate == "gb18030" and not _reads_as_gbk(raw):
            break
        if candidate is not None and candidate.lower().replace("-", "") != "utf8":
            raw.notes.append(f"attributes decoded as {candidate}")
        return _from_raw(path, raw, name=name)
    raise _undecodable(path, tuple(c or "utf-8" for c in candidates))


_unreadable = _ogr.unreadable


def _read_parquet(path: Path) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except Exception as exc:
        raise _unreadable(path, exc) from exc


def _read_shapefile(path: Path, encoding: str | None, member: str | None = None) -> SourceLayer:
    """One shapefile (``path``, a zip holding one, or ``member`` of a zip), its text decoded
    with ``encoding``, else with what its .cpg declares, else UTF-8, then GB18030.

    The bytes are read once, as Latin-1 (every byte one character, nothing lost), and decoded
    here: a field name cut mid-character at the DBF's 10-byte limit loses the broken tail
    with a note instead of failing the file in every encoding."""
    target: Path | str = path
    if path.suffix.lower() == ".zip":
        member, cpg_text = _zipped_shapefile(path, member)
        target = f"/vsizip/{path.resolve()}/{member}"
    else:
        _check_shp_length(path)
        cpg = path.with_suffix(".cpg")
        cpg_text = cpg.read_text(errors="ignore") if cpg.exists() else ""
    declared = cpg_text.strip().lower() or None
    candidates = (encoding,) if encoding else tuple(dict.fromkeys((declared, *FALLBACK_ENCODINGS)))
    read = _ogr.read_layer(path, str(target), encoding="ISO-8859-1")
    name = Path(member).stem if member else path.stem
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            raw = _recoded(read, candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        if encoding is None and candidate == "gb18030" and not _reads_as_gbk(raw):
            break
        if _codec(candidate) != _codec("utf-8"):
            raw.notes.append(f"attributes decoded as {candidate}")
        raw.encoding = candidate
        raw.frame.attrs[DBF_FIELDS_ATTR] = _by_column(raw.frame, dbf_fields(path, member))
        return _from_raw(path, raw, name=name)
    raise _undecodable(path, candidates)


def _by_column(frame: gpd.GeoDataFrame, fields: dict[str, DbfField]) -> dict[str, DbfField]:
    """The DBF's field definitions (widths and types: see ``_codes``) by the frame's column
    names, decoded as the file's text is (GDAL keeps the DBF's order of fields)."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if len(columns) != len(fields):
        return fields
    return dict(zip(columns, fields.values(), strict=True))


def _codec(name: str) -> str:
    return codecs.lookup(name).name


def _recoded(raw: RawLayer, encoding: str) -> RawLayer:
    """``raw`` read as Latin-1, its field names and text decoded with ``encoding``.

    Raises UnicodeDecodeError when a value (or a name, but for a cut last character) is not in
    the encoding, LookupError when there is no such encoding."""
    frame = raw.frame
    geometry = frame.geometry.name
    notes: list[str] = []
    names: dict[str, str] = {}
    for column in frame.columns:
        if column == geometry:
            continue
        names[column] = _field_name(column.encode("latin-1"), encoding, notes, set(names.values()))
    data = {
        names[column]: (
            frame[column].map(lambda v: _text(v, encoding))
            if pd.api.types.is_object_dtype(frame[column])
            or pd.api.types.is_string_dtype(frame[column])
            else frame[column]
        )
        for column in names
    }
    decoded = gpd.GeoDataFrame(data, geometry=frame.geometry, crs=frame.crs, index=frame.index)
    return RawLayer(raw.name, decoded, [*raw.notes, *notes], list(raw.repairs), encoding)


def _text(value: object, encoding: str) -> object:
    return value.encode("latin-1").decode(encoding) if isinstance(value, str) else value


def _field_name(data: bytes, encoding: str, notes: list[str], taken: set[str]) -> str:
    """A field name in ``encoding``; one whose last character the DBF's 10-byte limit cut in
    the middle is read without the broken bytes, with a note (made unique if that repeats a
    name)."""
    try:
        name = data.decode(encoding)
    except UnicodeDecodeError:
        # the complete characters; an invalid byte before the end still raises
        name = codecs.getincrementaldecoder(encoding)().decode(data, final=False)
        if not name:
            raise
        base, number = name, 1
        while name in taken:
            number += 1
            name = f"{base}{number}"
        notes.append(
            f"field name {name!r} was cut mid-character at the DBF's 10-byte limit for names; "
            f"read without the {len(data) - len(base.encode(encoding))} broken byte(s) at its end"
        )
    return name


def _reads_as_gbk(raw: RawLayer) -> bool:
    """A guessed GB18030 that garbles the text (a Big5 file) is no answer: see text_tables."""
    text = "".join(
        value
        for column in raw.frame.columns
        if column != raw.frame.geometry.name
        for value in raw.frame[column]
        if isinstance(value, str)
    )
    return plausible_gbk(text)


def _undecodable(path: Path, tried: tuple[str | None, ...]) -> InputError:
    names = " or ".join(dict.fromkeys(name.removesuffix("-sig") for name in tried if name))
    return InputError(
        f"the text is not in {names}; pass the right encoding with --encoding (e.g. --encoding big5)",
        file=str(path),
    )


def _zipped_shapefile(path: Path, member: str | None = None) -> tuple[str, str]:
    """The one .shp member of a zip (or ``member``), and the text of its .cpg (empty when there
    is none)."""
    try:
        with open_zip(path) as archive:
            names = archive.namelist()
            members = [member] if member else zipped_shapefiles(path)
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


def zipped_shapefiles(path: Path) -> list[str]:
    """The .shp members of a zip."""
    try:
        with open_zip(path) as archive:
            return [name for name in archive.namelist() if name.lower().endswith(".shp")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise _unreadable(path, exc) from exc


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
    if table.attrs.get("delimiter", ",") != ",":
        notes.append(f"columns separated by {DELIMITER_NAMES[table.attrs['delimiter']]}s")
    return SourceLayer(path.stem, frame, str(path), notes, used)


def read_text_table(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame, str]:
    """A CSV as text columns (empty cells None) and the encoding it was decoded with:
    ``encoding``, or UTF-8 (with or without BOM), then GB18030."""
    text, used = decode_bytes(path.read_bytes(), encoding, file=str(path))
    return csv_table(text, file=str(path)), used


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
