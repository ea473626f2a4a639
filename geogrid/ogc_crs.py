"""The coordinate reference systems the OGC services offer (Part 2), as URIs, and transforms.

Storage is EPSG:4326 with lon/lat order, i.e. CRS84. EPSG:4326 and EPSG:4490 (CGCS2000) are
served in their authority axis order (lat, lon); EPSG:3857 in metres (x, y). CGCS2000 and
WGS 84 agree to a few centimetres; pyproj applies the null transformation between them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as ProjError
from shapely.geometry.base import BaseGeometry

from geogrid.crs import OFFSET_SYSTEMS, offset_crs, offset_transform
from geogrid.densify import SEGMENT_DEG
from geogrid.errors import InputError

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
SUPPORTED_CRS: tuple[str, ...] = (CRS84, f"{_EPSG}4326", f"{_EPSG}4490", f"{_EPSG}3857")
_ALIASES = {
    "CRS84": CRS84,
    "OGC:CRS84": CRS84,
    "EPSG:4326": f"{_EPSG}4326",
    "EPSG:4490": f"{_EPSG}4490",
    "EPSG:3857": f"{_EPSG}3857",
}

Transform = Callable[[NDArray[np.float64]], NDArray[np.float64]]
Move = Callable[[NDArray[np.object_]], NDArray[np.object_]]
_ANY_EPSG = re.compile(r"(?:EPSG:|http://www\.opengis\.net/def/crs/EPSG/0/)(\d{4,6})", re.I)


def parse_crs_uri(value: str | None, *, field: str = "crs") -> str:
    """The canonical URI of ``value`` (a URI, ``[EPSG:4326]`` or ``EPSG:4326``); CRS84 if None.

    Raises InputError naming ``field`` and the supported list for anything else.
    """
    if value is None or value == "":
        return CRS84
    cleaned = value.strip().strip("[]")
    uri = _ALIASES.get(cleaned.upper(), cleaned)
    uri = uri.replace("https://", "http://")
    if uri not in SUPPORTED_CRS:
        raise InputError(
            f"unsupported CRS {value!r}; use one of {', '.join(SUPPORTED_CRS)}", field=field
        )
    return uri


def crs_label(uri: str) -> str:
    """``OGC:CRS84`` or ``EPSG:n``: the short label of a supported URI (for file metadata)."""
    return "OGC:CRS84" if uri == CRS84 else "EPSG:" + uri.rsplit("/", 1)[1]


@lru_cache(maxsize=16)
def _transformer(source: str, target: str, xy: bool = False) -> Transformer:
    return Transformer.from_crs(CRS(crs_label(source)), CRS(crs_label(target)), always_xy=xy)


def _coords_fn(source: str, target: str, *, xy: bool = False) -> Transform:
    transformer = _transformer(source, target, xy)

    def apply(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        a, b = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([a, b])

    return apply


def from_storage(
    uri: str, *, xy: bool = False
) -> Callable[
    [
        NDArray[np.object_],
    ],
    NDArray[np.object_],
]:
    """A vectorised function taking stored (CRS84) geometries to ``uri``'s units, in its axis
    order (OGC responses) or, with ``xy``, in x/y = lon/lat order (files: GeoPackage,
    Shapefile, GeoParquet, FlatGeobuf all store x first)."""
    if uri == CRS84 or (xy and uri.endswith(("/4326", "/4490"))):
        return lambda geoms: geoms
    fn = _coords_fn(CRS84, uri, xy=xy)
    return lambda geoms: shapely.transform(geoms, fn)


def to_storage(geometry: BaseGeometry, uri: str) -> BaseGeometry:
    """``geometry`` given in ``uri`` brought to storage (CRS84 lon/lat)."""
    if uri == CRS84:
        return geometry
    return shapely.transform(geometry, _coords_fn(uri, CRS84))


def bbox_to_storage(bbox: tuple[float, ...], uri: str) -> tuple[float, float, float, float]:
    """A bbox (minx, miny, maxx, maxy in ``uri``'s axis order) as lon/lat bounds in CRS84."""
    # A 3D bbox (6 numbers) drops its heights.
    x0, y0, x1, y1 = (bbox[0], bbox[1], bbox[3], bbox[4]) if len(bbox) == 6 else bbox[:4]
    corners = shapely.box(x0, y0, x1, y1)
    lon_lat = to_storage(corners.segmentize(max(abs(x1 - x0), 1e-9) / 8), uri)
    minx, miny, maxx, maxy = lon_lat.bounds
    return float(minx), float(miny), float(maxx), float(maxy)


def bbox_from_storage(bounds: tuple[float, float, float, float], uri: str) -> list[float]:
    """Lon/lat bounds expressed in ``uri`` (its axis order), for extents."""
    if uri == CRS84:
        return [float(v) for v in bounds]
    box = from_storage(uri)(np.array([shapely.box(*bounds)], dtype=object))[0]
    return [float(v) for v in box.bounds]


@dataclass(frozen=True)
class ExportCRS:
    """The CRS an export writes: a short ``label`` (``OGC:CRS84``, ``EPSG:4549``, ``gcj02``),
    the ``crs`` files record (for GCJ-02 / BD-09 one named after the offset, never WGS 84) and
    ``move``, taking stored CRS84 geometries to its x/y (east, north) coordinates."""

    label: str
    crs: CRS
    move: Move

    @property
    def offset(self) -> bool:
        """True for GCJ-02 / BD-09: no authority code, a file must carry the CRS's name."""
        return self.label in OFFSET_SYSTEMS

    @property
    def wgs84_lonlat(self) -> bool:
        """True when readers that assume WGS 84 lon/lat (CSV, RFC 7946) read it right."""
        return self.label in ("OGC:CRS84", "EPSG:4326")


@lru_cache(maxsize=32)
def _epsg_target(code: int) -> tuple[CRS, Transformer]:
    try:
        crs = CRS.from_epsg(code)
    except ProjError:
        raise InputError(f"unknown CRS EPSG:{code}", field="crs") from None
    return crs, Transformer.from_crs(CRS("OGC:CRS84"), crs, always_xy=True)


def _moved(transform: Transform) -> Move:
    return lambda geoms: shapely.transform(geoms, transform)


def export_crs(value: str | None) -> ExportCRS:
    """What an export of ``value`` writes: the four OGC CRSs (URIs or labels, CRS84 if None),
    any EPSG code (``EPSG:4549`` or its OGC URI) or ``gcj02`` / ``bd09`` (AMap / Baidu).

    Raises InputError (field ``crs``) for anything else.
    """
    text = (value or "").strip().strip("[]")
    key = text.lower().replace("-", "").replace("_", "")
    if key in OFFSET_SYSTEMS:
        return ExportCRS(key, offset_crs(key), _moved(offset_transform(key)))
    uri = _ALIASES.get(text.upper(), text).replace("https://", "http://") if text else CRS84
    if uri in SUPPORTED_CRS:
        return ExportCRS(crs_label(uri), CRS(crs_label(uri)), from_storage(uri, xy=True))
    match = _ANY_EPSG.fullmatch(uri)
    if match is None:
        raise InputError(
            f"unsupported CRS {value!r}; use an EPSG code (EPSG:4490), its OGC URI, "
            "or gcj02 / bd09",
            field="crs",
        )
    crs, transformer = _epsg_target(int(match.group(1)))

    def apply(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    if crs.is_geographic:
        return ExportCRS(f"EPSG:{match.group(1)}", crs, _moved(apply))
    # a projected file: edges cut first, or neighbours' shared edges part (geogrid.densify)
    return ExportCRS(
        f"EPSG:{match.group(1)}",
        crs,
        lambda geoms: shapely.transform(shapely.segmentize(geoms, SEGMENT_DEG), apply),
    )
