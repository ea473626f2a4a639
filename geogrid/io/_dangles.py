"""Roads that stop just short of what they should meet (hand-digitised lines): near-misses.

An end of a road that lies within ``tolerance_m`` of a community (or street) boundary or of
another road, but does not touch it, is listed with the gap and the place, so that the user can
snap the network before partitioning (grids follow the roads that cut a parent through). An end
that runs a little past a line its road has just crossed (an overshoot, as careful digitisers
draw on purpose) meets that line and is not listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geogrid.crs import metric_crs
from geogrid.io._checks import feature_label

if TYPE_CHECKING:
    from geogrid.validation import Context, LayerFindings

DANGLE_M: Final = 25.0
_TOUCH_M: Final = 0.05  # closer than this counts as meeting (rounding of coordinates)


def check_dangles(
    frame: gpd.GeoDataFrame,
    findings: LayerFindings,
    *,
    context: Context,
    tolerance_m: float = DANGLE_M,
) -> None:
    """A warning per road end that misses a boundary or another road by a few metres."""
    crs = metric_crs(frame)
    roads = np.asarray(frame.geometry.to_crs(crs).to_numpy(), dtype=object)
    labels = feature_label(frame, findings.layer).to_numpy()
    ends, owner = _ends(roads)
    if not len(ends):
        return
    boundaries, names = _boundaries(context, crs)
    targets = np.concatenate([roads, boundaries])
    target_names = np.concatenate([[f"road {label}" for label in labels], names])
    hit_end, hit = shapely.STRtree(targets).query(ends, predicate="dwithin", distance=tolerance_m)
    mine = hit < len(roads)
    keep = ~(mine & (hit == owner[hit_end]))
    hit_end, hit = hit_end[keep], hit[keep]
    crossed = _crossed_near_end(ends[hit_end], roads[owner[hit_end]], targets[hit], tolerance_m)
    hit_end, hit = hit_end[~crossed], hit[~crossed]
    distance = shapely.distance(ends[hit_end], targets[hit])
    best = np.full(len(ends), np.inf)
    np.minimum.at(best, hit_end, distance)
    near = np.isfinite(best) & (best > _TOUCH_M)
    lonlat = gpd.GeoSeries(ends, crs=crs).to_crs(frame.crs).to_numpy()
    for k in np.flatnonzero(near):
        choice = hit[(hit_end == k) & (distance == best[k])][0]
        findings.add(
            "warning",
            "dangle",
            f"the road ends {best[k]:.1f} m short of {target_names[choice]} near "
            f"({lonlat[k].x:.5f}, {lonlat[k].y:.5f}); snap it there, or grids cannot follow it",
            feature=labels[owner[k]],
            field="geometry",
        )


def _crossed_near_end(
    ends: np.ndarray, roads: np.ndarray, targets: np.ndarray, reach_m: float
) -> np.ndarray:
    """Whether each road meets its target within ``reach_m`` of the end: an overshoot, not a miss."""
    if not len(ends):
        return np.zeros(0, dtype=bool)
    near_end = shapely.intersection(roads, shapely.buffer(ends, reach_m))
    return np.asarray(shapely.dwithin(near_end, targets, _TOUCH_M), dtype=bool)


def _ends(roads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two end points of every open part of every road, and the road each belongs to."""
    parts, owner = shapely.get_parts(roads, return_index=True)
    open_ = ~(shapely.is_closed(parts) | shapely.is_empty(parts))
    parts, owner = parts[open_], owner[open_]
    starts = shapely.get_point(parts, 0)
    stops = shapely.get_point(parts, -1)
    return np.concatenate([starts, stops]), np.concatenate([owner, owner])


def _boundaries(context: Context, crs: CRS) -> tuple[np.ndarray, list[str]]:
    """The boundaries of the innermost parents known (communities, else streets)."""
    for layer, singular in (("communities", "community"), ("streets", "street")):
        frame = getattr(context, layer)
        if frame is None or not len(frame):
            continue
        projected = np.asarray(frame.geometry.to_crs(crs).to_numpy(), dtype=object)
        names = [f"the boundary of {singular} {code}" for code in frame["code"]]
        return np.asarray(shapely.boundary(projected), dtype=object), names
    return np.empty(0, dtype=object), []
