"""Write layers out: GeoJSON, GeoPackage, Shapefile (``.shp`` or zipped), GeoParquet, CSV (WKT).

Field names are the schema's (see :mod:`geogrid.schema`), so ``geogrid import`` reads the files
back without a mapping; Shapefiles use the short names of
:data:`geogrid.io.mapping.SHAPEFILE_NAMES`. Every file is written beside its target under a
temporary name and renamed into place at the end: a failed export leaves the old file as it was.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geogrid.crs import OFFSET_SYSTEMS, STORAGE_CRS, offset_crs, parse_source_crs, wgs84_to_offset
from geogrid.errors import InputError
from geogrid.io.mapping import SHAPEFILE_NAMES

EXPORT_FORMATS: Final = ("geojson", "gpkg", "shp", "parquet", "csv")
EXPORT_SUFFIXES: Final = {
    "geojson": (".geojson", ".json"),
    "gpkg": (".gpkg",),
    "shp": (".shp", ".zip"),
    "parquet": (".parquet", ".geoparquet"),
    "csv": (".csv",),
}
_SHAPEFILE_PARTS: Final = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def export_format(path: Path, fmt: str | None = None) -> str:
    """The format to write ``path`` in: ``fmt``, else the one its suffix names.

    Raises InputError for a suffix geogrid does not write (``x.txt``) or one that names
    another format than ``fmt``: a file's name should not lie about its content.
    """
    suffix = path.suffix.lower()
    named = next((f for f, suffixes in EXPORT_SUFFIXES.items() if suffix in suffixes), None)
    if fmt is not None and fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    if named is None or (fmt is not None and fmt != named):
        wanted = EXPORT_SUFFIXES[fmt] if fmt else [s for v in EXPORT_SUFFIXES.values() for s in v]
        raise InputError(
            f"cannot write {fmt or 'a file'} named {path.name!r}; name it with "
            f"{' or '.join(wanted)}" + ("" if fmt else " (the suffix chooses the format)"),
            file=str(path),
        )
    return named


def to_export_crs(frame: gpd.GeoDataFrame, crs: str | None) -> tuple[gpd.GeoDataFrame, str]:
    """Reproject a stored (EPSG:4326) frame: an EPSG code, or ``gcj02`` / ``bd09`` offsets.

    Offset coordinates are labelled with :func:`geogrid.crs.offset_crs` (never EPSG:4326);
    the returned label says what the coordinates are.
    """
    target = parse_source_crs(crs) if crs else None
    if target is None:
        return frame, STORAGE_CRS
    if isinstance(target, str) and target in OFFSET_SYSTEMS:
        moved = wgs84_to_offset(frame.geometry, target)
        return frame.set_geometry(moved).set_crs(offset_crs(target), allow_override=True), target
    out = frame.to_crs(target)
    epsg = out.crs.to_epsg() if out.crs is not None else None
    return out, f"EPSG:{epsg}" if epsg else str(crs)


def write_layers(layers: dict[str, gpd.GeoDataFrame], path: str | Path, *, fmt: str) -> Path:
    """Write ``layers`` (name -> frame) to ``path``; only GeoPackage holds more than one.

    GeoJSON and CSV cannot say that coordinates are GCJ-02 / BD-09 (and CSV cannot name any
    CRS): such exports are refused rather than written under a false label.
    """
    path = Path(path)
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    if not layers:
        raise InputError("nothing to export: no layer has features")
    if fmt != "gpkg" and len(layers) > 1:
        raise InputError(
            f"{fmt} holds one layer; pass --layer ({', '.join(layers)}) or use --format gpkg",
            file=str(path),
        )
    for frame in layers.values():
        _refuse_unlabelled(frame, fmt, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "shp" and path.suffix.lower() != ".zip":
        _write_shapefile_parts(_clean(next(iter(layers.values()))), path)
        return path
    with _replacing(path) as partial:
        if fmt == "gpkg":
            for name, frame in layers.items():
                _clean(frame).to_file(partial, layer=name, driver="GPKG", engine="pyogrio")
            return path
        frame = _clean(next(iter(layers.values())))
        if fmt == "parquet":
            frame.to_parquet(partial, index=False)
        elif fmt == "csv":
            _write_csv(frame, partial)
        elif fmt == "shp":
            _write_shapefile_zip(frame, partial, stem=path.stem)
        else:
            frame.to_file(partial, driver="GeoJSON", engine="pyogrio")
    return path


def _refuse_unlabelled(frame: gpd.GeoDataFrame, fmt: str, path: Path) -> None:
    """InputError when ``fmt`` cannot record the frame's CRS truthfully."""
    crs = CRS.from_user_input(frame.crs) if frame.crs is not None else None
    if crs is None or crs.equals(STORAGE_CRS):
        return
    if fmt == "csv" or (fmt == "geojson" and crs.to_epsg() is None):
        raise InputError(
            f"{fmt} cannot record that its coordinates are {crs.name}, and readers would take "
            "them as WGS 84; use --format gpkg, shp or parquet (they store the CRS)",
            file=str(path),
        )


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds."""
    partial = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
    partial.unlink(missing_ok=True)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)


def _clean(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Plain column types every driver understands; nullable integers stay nullable."""
    out = frame.reset_index(drop=True)
    for column in out.columns:
        if column == out.geometry.name:
            continue
        if pd.api.types.is_integer_dtype(out[column].dtype) or pd.api.types.is_bool_dtype(
            out[column].dtype
        ):
            continue
        if out[column].dtype == object:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def _write_csv(frame: gpd.GeoDataFrame, path: Path) -> None:
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table["wkt"] = shapely.to_wkt(frame.geometry.to_numpy(), rounding_precision=-1)
    table.to_csv(path, index=False, encoding="utf-8")


def _short_names(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    short = frame.rename(columns=SHAPEFILE_NAMES)
    too_long = [c for c in short.columns if c != short.geometry.name and len(c) > 10]
    return short.rename(columns={c: c[:10] for c in too_long}) if too_long else short


def _write_shapefile_zip(frame: gpd.GeoDataFrame, path: Path, *, stem: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        inner = Path(folder) / f"{stem}.shp"
        pyogrio.write_dataframe(
            _short_names(frame), inner, driver="ESRI Shapefile", encoding="UTF-8"
        )
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(Path(folder).iterdir()):
                archive.write(member, member.name)


def _write_shapefile_parts(frame: gpd.GeoDataFrame, path: Path) -> None:
    """The parts are written in a folder beside ``path`` and renamed over the old ones at the
    end (one rename per part: a crash between them is the only window)."""
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.stem}.partial-") as folder:
        inner = Path(folder) / f"{path.stem}.shp"
        pyogrio.write_dataframe(
            _short_names(frame), inner, driver="ESRI Shapefile", encoding="UTF-8"
        )
        for suffix in _SHAPEFILE_PARTS:
            written = inner.with_suffix(suffix)
            if written.exists():
                os.replace(written, path.with_suffix(suffix))
            else:
                path.with_suffix(suffix).unlink(missing_ok=True)
