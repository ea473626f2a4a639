"""Which basic and micro grid each incident falls in, and whether it lies where it should (pure).

A point on a shared edge belongs to the grid with the smallest code, so attribution is
deterministic. A point outside every grid is kept and flagged; one far outside the district is an
error; one outside but inside if read as GCJ-02 is flagged as a likely undeclared GCJ-02 point.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geogrid.crs import gcj02_to_wgs84

FAR_OUTSIDE_M = 5000.0
_M_PER_DEG = 111_320.0

Codes = NDArray[np.object_]


@dataclass
class Attribution:
    """Grid codes per point (None outside), flags, and distance outside the area in metres."""

    basic: Codes
    micro: Codes
    flags: NDArray[np.object_]
    outside_m: NDArray[np.float64]


def _locate(
    x: NDArray[np.float64], y: NDArray[np.float64], grids: gpd.GeoDataFrame | None
) -> Codes:
    codes = np.full(len(x), None, dtype=object)
    if grids is None or grids.empty or not len(x):
        return codes
    ordered = grids.sort_values("code")
    tree = shapely.STRtree(np.asarray(ordered.geometry.values))
    points = shapely.points(x, y)
    hit, grid = tree.query(points, predicate="intersects")
    if len(hit):
        first = np.lexsort((grid, hit))
        hit, grid = hit[first], grid[first]
        keep = np.concatenate([[True], hit[1:] != hit[:-1]])
        codes[hit[keep]] = ordered["code"].astype(str).to_numpy()[grid[keep]]
    return codes


def attribute(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    basic: gpd.GeoDataFrame | None,
    micro: gpd.GeoDataFrame | None = None,
    *,
    area: BaseGeometry | None = None,
    declared: NDArray[np.object_] | None = None,
) -> Attribution:
    """Attribute WGS 84 points to grids (EPSG:4326 frames with a ``code`` column).

    ``area`` is the district (default: the union of the basic grids); ``declared`` is the CRS
    label each point came in, used to spot GCJ-02 points declared as WGS 84.
    """
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    basic_codes = _locate(x, y, basic)
    micro_codes = _locate(x, y, micro)
    flags = np.full(len(x), "", dtype=object)
    outside_m = np.zeros(len(x))
    lost = np.flatnonzero(basic_codes == None)  # noqa: E711 - elementwise on an object array
    if basic is None or basic.empty or not len(lost):
        return Attribution(basic_codes, micro_codes, flags, outside_m)
    if area is None:
        area = shapely.union_all(np.asarray(basic.geometry.values))
    shapely.prepare(area)
    px, py = x[lost], y[lost]
    outside_m[lost] = _distance_m(area, px, py)
    flags[lost] = np.where(outside_m[lost] > 0, "outside_grids,outside_district", "outside_grids")
    wgs = declared is None or np.ones(len(lost), dtype=bool)
    if declared is not None:
        wgs = np.isin(declared[lost], ["EPSG:4326", "EPSG:4490"])
    gx, gy = gcj02_to_wgs84(px, py)
    suspect = wgs & (outside_m[lost] > 0) & shapely.contains_xy(area, gx, gy)
    flags[lost[suspect]] = flags[lost[suspect]] + ",suspected_gcj02"
    return Attribution(basic_codes, micro_codes, flags, outside_m)


def _distance_m(
    area: BaseGeometry, x: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.float64]:
    # A local equirectangular scale is accurate to well under 1 % over a district.
    lat0 = float(shapely.centroid(area).y)
    scale = np.cos(np.radians(lat0))
    scaled = shapely.transform(area, lambda xy: np.column_stack([xy[:, 0] * scale, xy[:, 1]]))
    points = shapely.points(x * scale, y)
    return np.asarray(shapely.distance(scaled, points), dtype=float) * _M_PER_DEG
