"""Write layers out: GeoJSON, GeoPackage, Shapefile (``.shp`` or zipped), GeoParquet, CSV (WKT).

Field names are the schema's (see :mod:`geogrid.schema`), so ``geogrid import`` reads the files
back without a mapping; Shapefiles use the short names of
:data:`geogrid.io.mapping.SHAPEFILE_NAMES`.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from geogrid.crs import OFFSET_SYSTEMS, parse_source_crs, wgs84_to_offset
from geogrid.errors import InputError
from geogrid.io.mapping import SHAPEFILE_NAMES

EXPORT_FORMATS: Final = ("geojson", "gpkg", "shp", "parquet", "csv")


def to_export_crs(frame: gpd.GeoDataFrame, crs: str | None) -> tuple[gpd.GeoDataFrame, str]:
    """Reproject a stored (EPSG:4326) frame: an EPSG code, or ``gcj02`` / ``bd09`` offsets.

    Offset coordinates keep the EPSG:4326 label (no EPSG code exists for them); the returned
    label says what the coordinates really are.
    """
    target = parse_source_crs(crs) if crs else None
    if target is None:
        return frame, "EPSG:4326"
    if isinstance(target, str) and target in OFFSET_SYSTEMS:
        moved = wgs84_to_offset(frame.geometry, target)
        return frame.set_geometry(moved), target
    out = frame.to_crs(target)
    epsg = out.crs.to_epsg() if out.crs is not None else None
    return out, f"EPSG:{epsg}" if epsg else str(crs)


def write_layers(layers: dict[str, gpd.GeoDataFrame], path: str | Path, *, fmt: str) -> Path:
    """Write ``layers`` (name -> frame) to ``path``; only GeoPackage holds more than one."""
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
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "gpkg":
        path.unlink(missing_ok=True)
        for name, frame in layers.items():
            _clean(frame).to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        return path
    frame = _clean(next(iter(layers.values())))
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    elif fmt == "csv":
        _write_csv(frame, path)
    elif fmt == "shp":
        _write_shapefile(frame, path)
    else:
        path.unlink(missing_ok=True)
        frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


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


def _write_shapefile(frame: gpd.GeoDataFrame, path: Path) -> None:
    short = frame.rename(columns=SHAPEFILE_NAMES)
    too_long = [c for c in short.columns if c != short.geometry.name and len(c) > 10]
    if too_long:
        short = short.rename(columns={c: c[:10] for c in too_long})
    if path.suffix.lower() != ".zip":
        _remove_shapefile(path)
        pyogrio.write_dataframe(short, path, driver="ESRI Shapefile", encoding="UTF-8")
        return
    with tempfile.TemporaryDirectory() as folder:
        inner = Path(folder) / f"{path.stem}.shp"
        pyogrio.write_dataframe(short, inner, driver="ESRI Shapefile", encoding="UTF-8")
        path.unlink(missing_ok=True)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(Path(folder).iterdir()):
                archive.write(member, member.name)


def _remove_shapefile(path: Path) -> None:
    for suffix in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        path.with_suffix(suffix).unlink(missing_ok=True)
