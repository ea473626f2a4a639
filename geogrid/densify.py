"""Reprojection that keeps the edges neighbours share shared.

A straight edge in one CRS is a curve in another, and pyproj moves only the vertices: an edge
becomes the chord between its moved ends. Where a neighbour has a vertex partway along that
edge (a T-junction: one community's long side against two others), the vertex lands on the
curve while the edge stays a chord, and a sliver opens or closes between them, growing with
the square of the edge's length. A perfect coverage in CGCS2000 / 3-degree Gauss-Krüger
(EPSG:4549) whose 1.8 km edge meets a neighbour's corner halfway was refused by the import
as "overlaps by 20.8 m²" after going to WGS 84; lon/lat coverages going to UTM for the
engine gained gaps of several m² the same way.

Cutting edges into pieces of at most ``SEGMENT_M`` before reprojecting keeps every chord
within micrometres of its curve (the sagitta falls with the square of the piece), so shared
edges stay shared to well under a square metre. Between two geographic CRSs (CGCS2000 and
WGS 84 lon/lat) nothing bends and nothing is cut.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

SEGMENT_M: Final = 20.0  # longest piece of an edge (m) before reprojecting
SEGMENT_DEG: Final = 0.0002  # the same in lon/lat (about 20 m of latitude)


def densified_to_crs(frame: gpd.GeoDataFrame, crs: CRS | str) -> gpd.GeoDataFrame:
    """``frame`` in ``crs``, its edges cut into pieces of at most ``SEGMENT_M`` (in its own
    CRS's units: ``SEGMENT_DEG`` in lon/lat) first when either CRS is projected."""
    if frame.crs is None:
        return frame.to_crs(crs)  # raises geopandas' own error
    source, target = CRS.from_user_input(frame.crs), CRS.from_user_input(crs)
    if source.equals(target) or (source.is_geographic and target.is_geographic):
        return frame.to_crs(target)
    return frame.set_geometry(densified(frame.geometry)).to_crs(target)


def densified(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """``geoms`` with edges cut into pieces of at most ``SEGMENT_M`` (``SEGMENT_DEG`` in a
    geographic CRS; the unit of a projected CRS's first axis otherwise)."""
    source = CRS.from_user_input(geoms.crs)
    if source.is_geographic:
        step = SEGMENT_DEG
    else:
        factor = source.axis_info[0].unit_conversion_factor if source.axis_info else 1.0
        step = SEGMENT_M / (factor or 1.0)
    dense = geoms.to_numpy().copy()
    # a line of two equal points has nothing to cut, and GEOS refuses to segmentize it; a NaN
    # coordinate is the geometry checks' to report
    with np.errstate(invalid="ignore"):
        long = shapely.length(dense) > 0
        dense[long] = shapely.segmentize(dense[long], step)
    return gpd.GeoSeries(dense, index=geoms.index, crs=geoms.crs)
