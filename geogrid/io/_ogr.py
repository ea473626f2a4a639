"""Read any vector source GDAL knows (detected by GDAL, not by the file's suffix) into frames.

Geometries come from GDAL as WKB and are parsed feature by feature, so that a geometry GEOS
refuses (a ring that does not end where it starts) is repaired and reported with its row instead
of failing the whole file; Z and M coordinates are dropped with a note.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.raw
import shapely

from geogrid.errors import InputError
from geogrid.io._zipnames import gdal_names, open_zip


@dataclass(frozen=True)
class Repair:
    """A repair made while reading: which row (0-based position), what was done."""

    row: int
    check: str
    message: str


@dataclass
class RawLayer:
    """One layer as GDAL gave it, with the repairs and notes of reading."""

    name: str
    frame: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    encoding: str | None = None


def unreadable(path: Path, exc: BaseException) -> InputError:
    """GDAL and Arrow report a corrupt file through many exception types: one InputError."""
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    # GDAL prefixes SQLite errors with the failing statement; the cause is what matters.
    reason = reason.rsplit("failed: ", 1)[-1][:160]
    if "not recognized as" in reason or "not recognised as" in reason:
        return InputError(
            "GDAL does not recognise this as a vector format it can read "
            "(GeoJSON, GeoPackage, Shapefile, KML, File Geodatabase, GML, MapInfo, FlatGeobuf, "
            "CSV, ...)",
            file=str(path),
        )
    return InputError(
        f"cannot read the file, it may be truncated or corrupt ({reason})", file=str(path)
    )


def gdal_target(path: Path) -> str:
    """What GDAL opens for ``path``: the file, a File Geodatabase inside a zip, or the one
    folder of a zip that holds its shapefiles (Windows zips a folder with the folder in it;
    GDAL lists only the shapefiles at a zip's root)."""
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with open_zip(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise unreadable(path, exc) from exc
    gdbs = sorted({name.split(".gdb/")[0] + ".gdb" for name in names if ".gdb/" in name})
    if len(gdbs) > 1:
        raise InputError(
            f"the zip holds {len(gdbs)} File Geodatabases ({', '.join(gdbs)}); zip one",
            file=str(path),
        )
    if gdbs:
        return f"/vsizip/{path.resolve()}/{gdbs[0]}"
    folders = {name.rpartition("/")[0] for name in names if name.lower().endswith(".shp")}
    if len(folders) == 1 and (folder := folders.pop()):
        return f"/vsizip/{path.resolve()}/{folder}"
    return f"/vsizip/{path.resolve()}"


@contextmanager
def quiet(path: Path) -> Iterator[None]:
    """GDAL opening ``path`` without warnings (M coordinates and open rings are noted and
    repaired when a layer is read; a geometry type GDAL does not know is refused by name), a
    zip's member names read as their maker meant them (``_zipnames``)."""
    with gdal_names(path), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def list_layers(path: Path, target: str | None = None) -> list[tuple[str, str | None]]:
    """Every layer of a source (``target``, else ``path``) and its geometry type (None for a
    table without geometry, or with one GDAL does not know), without warnings."""
    try:
        with quiet(path):
            listing = pyogrio.list_layers(target or gdal_target(path))
    except Exception as exc:
        raise unreadable(path, exc) from exc
    return [(str(name), None if kind is None else str(kind)) for name, kind in listing]


def feature_count(path: Path, layer: str) -> int:
    """How many features a layer of ``path`` holds."""
    with quiet(path):
        return int(pyogrio.read_info(gdal_target(path), layer=layer)["features"])


def spatial_layers(path: Path, target: str) -> list[str]:
    """The names of the layers of a source that have geometry."""
    return [name for name, geom_type in list_layers(path, target) if geom_type is not None]


def choose_layers(path: Path, target: str, wanted: str | None) -> list[str]:
    """Every spatial layer, or only ``wanted``; a clear error when it is not there."""
    names = spatial_layers(path, target)
    if wanted is not None:
        if wanted not in names and wanted in dict(list_layers(path, target)):
            raise InputError(
                f"layer {wanted!r} has no geometry GDAL can read (a table without one, or a "
                "type GDAL does not know, such as a GeoPackage layer of LinearRings); write its "
                "features as LineString or Polygon and read it again",
                file=str(path),
            )
        if wanted not in names:
            raise InputError(
                f"no layer {wanted!r}; the file has: {', '.join(names) or 'no spatial layers'}",
                file=str(path),
            )
        return [wanted]
    if not names:
        raise InputError("the file has no layers with geometry", file=str(path))
    return names


def read_layer(
    path: Path, target: str, *, layer: str | None = None, encoding: str | None = None
) -> RawLayer:
    """One layer through GDAL, geometries parsed and repaired feature by feature."""
    kwargs: dict[str, Any] = {"layer": layer} if layer is not None else {}
    if encoding is not None:
        kwargs["encoding"] = encoding
    with gdal_names(path), warnings.catch_warnings(record=True) as caught:
        # GDAL warns about each open ring; they are repaired and reported below, by feature.
        # pyogrio drops M coordinates with a warning; it becomes a note below.
        warnings.simplefilter("always")
        try:
            meta, _fids, wkb, field_data = pyogrio.raw.read(target, **kwargs)
        except UnicodeDecodeError:
            raise
        except Exception as exc:
            if isinstance(exc.__cause__, UnicodeDecodeError) or "decode" in str(exc).lower():
                raise UnicodeDecodeError("gdal", b"", 0, 1, str(exc)) from exc
            raise unreadable(path, exc) from exc
    columns = {str(name): values for name, values in zip(meta["fields"], field_data, strict=True)}
    geoms, repairs = _parse(wkb)
    frame = gpd.GeoDataFrame(pd.DataFrame(columns), geometry=geoms, crs=meta.get("crs"))
    name = layer if layer is not None else spatial_layers(path, target)[0]
    raw = RawLayer(name, frame, repairs=repairs, encoding=meta.get("encoding"))
    measured = [str(w.message) for w in caught if "Measured (M)" in str(w.message)]
    if measured:
        kind = measured[0].split("Original type ", 1)[-1].split(" is converted")[0]
        count = int((~shapely.is_missing(np.asarray(geoms, dtype=object))).sum())
        raw.notes.append(
            f"dropped the M (measure) coordinate of {count} feature(s) (the layer is {kind})"
        )
    drop_z_and_m(raw)
    return raw


def _parse(wkb: Any) -> tuple[gpd.GeoSeries, list[Repair]]:
    if wkb is None:
        return gpd.GeoSeries([], dtype="geometry"), []
    values = np.asarray(wkb, dtype=object)
    with np.errstate(invalid="ignore"):  # NaN coordinates: an error of validation, by feature
        geoms = shapely.from_wkb(values, on_invalid="ignore")
    repairs: list[Repair] = []
    for row in np.flatnonzero(shapely.is_missing(geoms) & (values != None)):  # noqa: E711
        try:
            shapely.from_wkb(values[row])
            continue
        except shapely.errors.GEOSException as exc:
            reason = str(exc).split(": ", 1)[-1]
        fixed = shapely.from_wkb(values[row], on_invalid="fix")
        if fixed is None:
            raise InputError(f"unreadable geometry ({reason})", feature=f"row {row + 1}")
        check = "unclosed_ring" if "closed" in reason else "geometry_repaired"
        what = (
            "a ring did not end where it started; closed it"
            if check == "unclosed_ring"
            else (f"{reason}; repaired")
        )
        repairs.append(Repair(int(row), check, what))
        geoms[row] = fixed
    return gpd.GeoSeries(geoms), repairs


def drop_z_and_m(raw: RawLayer) -> None:
    """Drop Z (height) and M (measure) coordinates, each with a note counting the features."""
    geoms = np.asarray(raw.frame.geometry.to_numpy(), dtype=object)
    has_z = int(shapely.has_z(geoms).sum())
    has_m = int(shapely.has_m(geoms).sum())
    if not (has_z or has_m):
        return
    flat = shapely.force_2d(geoms)
    raw.frame = raw.frame.set_geometry(
        gpd.GeoSeries(flat, index=raw.frame.index, crs=raw.frame.crs)
    )
    if has_z:
        raw.notes.append(f"dropped the Z (height) coordinate of {has_z} 3D feature(s)")
    if has_m:
        raw.notes.append(f"dropped the M (measure) coordinate of {has_m} feature(s)")
