"""Roads that stop just short of what they should meet (hand-digitised lines): near-misses.

An end of a road that points at a community (or street) boundary or another road and stops
within ``tolerance_m`` of it (its last segment, drawn on, would reach it) is listed with the gap
and the place, so that the user can snap the network before partitioning (grids follow the
roads that cut a parent through); an end within 2 m of a line is listed whichever way it
points (a junction drawn a little apart). Not listed: a dead end that merely lies near a road it does
not point at (a cul-de-sac beside a parallel road is real), and an end that runs a little past a
line its road has just crossed (an overshoot, as careful digitisers draw on purpose).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geogrid.crs import metric_crs
from geogrid.io._checks import feature_label
from geogrid.partition.network import SNAP_M

if TYPE_CHECKING:
    from geogrid.validation import Context, LayerFindings

DANGLE_M: Final = 25.0
_TOUCH_M: Final = 0.05  # closer than this counts as meeting (rounding of coordinates)
_JUNCTION_M: Final = 2.0  # this close, an end misses a line whichever way it points


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
    ends, owner, reach = _ends(roads, tolerance_m)
    if not len(ends):
        return
    boundaries, names = _boundaries(context, crs)
    targets = np.concatenate([roads, boundaries])
    target_names = np.concatenate([[f"road {label}" for label in labels], names])
    hit_end, hit = shapely.STRtree(targets).query(ends, predicate="dwithin", distance=tolerance_m)
    mine = hit < len(roads)
    keep = ~(mine & (hit == owner[hit_end]))
    hit_end, hit = hit_end[keep], hit[keep]
    # an end whose road meets a line within a junction's reach of it is connected (a T drawn
    # exactly, or an overshoot run a little past what it crossed): never a near-miss
    meets = _meets_near_end(ends[hit_end], roads[owner[hit_end]], targets[hit])
    connected = np.zeros(len(ends), dtype=bool)
    connected[hit_end[meets]] = True
    hit_end, hit = hit_end[~connected[hit_end]], hit[~connected[hit_end]]
    gap = shapely.distance(ends[hit_end], targets[hit])
    points_at = shapely.intersects(reach[hit_end], targets[hit])
    keep = points_at | (gap <= _JUNCTION_M)
    hit_end, hit = hit_end[keep], hit[keep]
    ahead = shapely.distance(ends[hit_end], shapely.intersection(reach[hit_end], targets[hit]))
    # a junction gap is measured straight; a line pointed at, along the road's own heading
    distance = np.where(gap[keep] <= _JUNCTION_M, gap[keep], ahead)
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
            f"({lonlat[k].x:.5f}, {lonlat[k].y:.5f}); {_what_to_do(best[k])}",
            feature=labels[owner[k]],
            field="geometry",
        )


def _meets_near_end(ends: np.ndarray, roads: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Whether each road meets its target within ``_JUNCTION_M`` of the end."""
    if not len(ends):
        return np.zeros(0, dtype=bool)
    near_end = shapely.intersection(roads, shapely.buffer(ends, _JUNCTION_M))
    return np.asarray(shapely.dwithin(near_end, targets, _TOUCH_M), dtype=bool)


def _ends(roads: np.ndarray, reach_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two end points of every open part of every road, the road each belongs to, and the
    segment ``reach_m`` long that draws each end's last segment on past it."""
    parts, owner = shapely.get_parts(roads, return_index=True)
    open_ = ~(shapely.is_closed(parts) | shapely.is_empty(parts))
    parts, owner = parts[open_], owner[open_]
    ends = np.concatenate([shapely.get_point(parts, 0), shapely.get_point(parts, -1)])
    before = np.concatenate([shapely.get_point(parts, 1), shapely.get_point(parts, -2)])
    tip, back = shapely.get_coordinates(ends), shapely.get_coordinates(before)
    heading = tip - back
    length = np.hypot(heading[:, 0], heading[:, 1])
    heading = heading / np.where(length > 0, length, 1.0)[:, None]
    reach = np.asarray(
        shapely.linestrings(np.stack([tip, tip + heading * reach_m], axis=1)), dtype=object
    )
    return ends, np.concatenate([owner, owner]), reach


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


def _what_to_do(gap_m: float) -> str:
    """The partition closes gaps up to its snapping distance itself; farther ones stay open."""
    if gap_m <= SNAP_M:
        return f"geogrid partition extends it there (up to {SNAP_M:g} m); snap it for other tools"
    return "snap it there, or grids cannot follow it"
