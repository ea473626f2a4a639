"""Which parent each building belongs to, and the household account of a plan.

Nothing is lost: a building whose interior point lies in no parent goes to the parent its
footprint overlaps most, else to the nearest parent within ``reach_m``; only what is left is
listed as unassigned, each building with its reason. A building in a hole of a parent (inside
its outer boundary, its footprint on none of its land: a military zone, an enclave left out of
the community) is not "near" that parent but enclosed by it: it is listed, not placed. Placed
by nearest it was a point on the hole's edge, a cell without a footprint there, and micro
grids drawn as slivers along the hole claimed households they did not hold.
:func:`household_account` then checks that households in = households in grids + households
listed, and the engine refuses a plan where they differ (:class:`geogrid.errors.InvariantBroken`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
ObjArray = NDArray[np.object_]
REACH_M: Final = 50.0  # default: a building this close to a parent joins it
INSET_M: Final = 0.5  # a building placed from outside sits this far inside its parent
# why a building is in no grid (the keys of ``unassigned_by_reason``)
BEYOND_REACH: Final = "outside_every_parent"
NO_GEOMETRY: Final = "no_geometry"
NOT_SELECTED: Final = "parent_not_divided"
DUPLICATE: Final = "duplicate_footprint"
IN_HOLE: Final = "in_a_hole_of_a_parent"


@dataclass
class Placement:
    """Per building (rows of the input): parent index (-1 none), how it got there, and the
    point and footprint the engine uses (moved inside the parent where it was placed from
    outside)."""

    owner: IntArray
    how: ObjArray  # "inside", "overlap", "nearest", "hole" (unassigned) or "" (unassigned)
    points: ObjArray
    footprints: ObjArray
    distance_m: NDArray[np.float64]  # to the nearest parent, for those left out
    nearest: IntArray  # index of the nearest parent (-1 none)
    duplicate_of: IntArray  # the first building with the very same footprint (-1 none)
    notes: list[str] = field(default_factory=list)


def place_buildings(
    points: ObjArray, footprints: ObjArray, parents: ObjArray, owner: IntArray, *, reach_m: float
) -> Placement:
    """Place every building whose interior point lies in no parent (metric CRS). A building
    with the very footprint of an earlier one (delivered twice, under another id) is placed
    nowhere: counted once, it is listed as a duplicate. Earlier in the buildings' canonical
    order (``inputs.prepare``: by position, then id), so the rows' order does not decide it."""
    n = len(points)
    duplicate_of = duplicate_footprints(footprints)
    owner = np.where(duplicate_of >= 0, -1, owner)
    how = np.where(owner >= 0, "inside", "").astype(object)
    points, footprints = points.copy(), footprints.copy()
    distance = np.zeros(n)
    nearest = np.full(n, -1, dtype=np.int64)
    out = np.flatnonzero((owner < 0) & ~_missing(footprints) & (duplicate_of < 0))
    if len(out) and len(parents):
        tree = shapely.STRtree(parents)
        bi, pi = tree.query(footprints[out], predicate="intersects")
        if len(bi):
            area = shapely.area(shapely.intersection(footprints[out][bi], parents[pi]))
            order = np.lexsort((pi, -area, bi))
            bi, pi, area = bi[order], pi[order], area[order]
            first = np.r_[True, bi[1:] != bi[:-1]] & (area > 0)
            for b, p in zip(out[bi[first]].tolist(), pi[first].tolist(), strict=True):
                inside = _polygonal(shapely.intersection(footprints[b], parents[p]))
                owner[b], how[b] = p, "overlap"
                footprints[b] = inside
                points[b] = shapely.point_on_surface(inside)
        rest = out[owner[out] < 0]
        hole, enclosing = _in_holes(points[rest], parents)
        nearest[rest[hole]], how[rest[hole]] = enclosing, "hole"
        rest = rest[~hole]
        if len(rest):
            bi, pi = tree.query_nearest(footprints[rest], all_matches=False)
            d = shapely.distance(footprints[rest][bi], parents[pi])
            distance[rest[bi]], nearest[rest[bi]] = d, pi
            for b, p in zip(rest[bi].tolist(), pi.tolist(), strict=True):
                if distance[b] <= reach_m:
                    owner[b], how[b] = p, "nearest"
                    points[b] = _inside_point(points[b], parents[p])
                    footprints[b] = points[b]  # its own ground lies outside every parent
    return Placement(owner, how, points, footprints, distance, nearest, duplicate_of)


def _in_holes(points: ObjArray, parents: ObjArray) -> tuple[NDArray[np.bool_], IntArray]:
    """Which ``points`` (of buildings on no parent's land) lie inside a parent's outer
    boundary, and that parent (the first by index: parents are sorted by code)."""
    hole = np.zeros(len(points), dtype=bool)
    with_holes = np.flatnonzero(shapely.get_num_interior_rings(parents) > 0)
    multi = np.flatnonzero(shapely.get_type_id(parents) == 6)  # a hole may be in any part
    with_holes = np.union1d(with_holes, multi)
    if len(points) == 0 or len(with_holes) == 0:
        return hole, np.zeros(0, dtype=np.int64)
    filled = np.asarray([_filled(parents[i]) for i in with_holes.tolist()], dtype=object)
    pi, fi = shapely.STRtree(filled).query(points, predicate="intersects")
    order = np.lexsort((fi, pi))
    pi, fi = pi[order], fi[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.zeros(0, dtype=bool)
    hole[pi[first]] = True
    return hole, with_holes[fi[first]].astype(np.int64)


def _filled(parent: shapely.Geometry) -> shapely.Geometry:
    """The parent with its holes filled: the land within its outer rings."""
    shells = shapely.polygons(shapely.get_exterior_ring(shapely.get_parts(parent)))
    return shapely.union_all(shells)


def duplicate_footprints(footprints: ObjArray) -> IntArray:
    """For each footprint, the index of the first one with the same shape (vertices in any
    order or direction), or -1."""
    out = np.full(len(footprints), -1, dtype=np.int64)
    ok = np.flatnonzero(~_missing(footprints))
    if len(ok) < 2:
        return out
    key, _ = pd.factorize(shapely.to_wkb(shapely.normalize(footprints[ok])))
    _, at = np.unique(key, return_index=True)  # the first of each shape, in the given order
    first = at[key]
    dup = first != np.arange(len(ok))
    out[ok[dup]] = ok[first[dup]]
    return out


def _missing(geoms: ObjArray) -> NDArray[np.bool_]:
    return np.asarray([g is None for g in geoms], dtype=bool) | shapely.is_empty(geoms)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    parts = shapely.get_parts(geom)
    parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(parts) if len(parts) else geom


def _inside_point(point: shapely.Geometry, parent: shapely.Geometry) -> shapely.Geometry:
    """The point of ``parent`` (inset by INSET_M where it is wide enough) nearest ``point``."""
    inset = shapely.buffer(parent, -INSET_M)
    target = parent if shapely.is_empty(inset) else inset
    return shapely.get_point(shapely.shortest_line(point, target), 1)


def unassigned_rows(
    placement: Placement,
    *,
    households: IntArray,
    ids: ObjArray,
    codes: ObjArray,
    selected: NDArray[np.bool_],
    reach_m: float,
) -> list[dict[str, Any]]:
    """One row per building in no grid: its id, households and why."""
    rows = []
    for b in np.flatnonzero(placement.owner < 0).tolist():
        p = int(placement.nearest[b])
        twin = int(placement.duplicate_of[b])
        if twin >= 0:
            text = f"the same footprint as building {ids[twin]}: its households counted once"
            rows.append(_row(ids[b], households[b], DUPLICATE, text, -1, codes, 0.0))
            continue
        if placement.how[b] == "hole":
            text = (
                f"in a hole of {codes[p]}: inside its outer boundary, not on its land "
                "(an enclave such as a military zone); no grid holds this ground"
            )
            rows.append(_row(ids[b], households[b], IN_HOLE, text, p, codes, 0.0))
            continue
        if p < 0:
            reason, text = NO_GEOMETRY, "no usable footprint"
        else:
            d = float(placement.distance_m[b])
            reason = BEYOND_REACH
            text = f"outside every parent, {d:.1f} m from the nearest ({codes[p]}), beyond {reach_m:g} m"
        rows.append(_row(ids[b], households[b], reason, text, p, codes, placement.distance_m[b]))
    for b in np.flatnonzero(placement.owner >= 0).tolist():
        p = int(placement.owner[b])
        if not selected[p]:
            text = f"its parent {codes[p]} was not divided (left out by the selection)"
            rows.append(_row(ids[b], households[b], NOT_SELECTED, text, p, codes, 0.0))
    return rows


def _row(
    building: Any, hh: int, reason: str, text: str, parent: int, codes: ObjArray, d: float
) -> dict[str, Any]:
    return {
        "building": building.item() if hasattr(building, "item") else building,
        "households": int(hh),
        "reason": reason,
        "detail": text,
        "nearest_parent": str(codes[parent]) if parent >= 0 else None,
        "distance_m": round(float(d), 2),
    }


def household_account(
    *,
    households_in: int,
    buildings_in: int,
    in_grids: dict[str, int],
    unassigned: list[dict[str, Any]],
    placement: Placement,
    households: IntArray,
) -> dict[str, Any]:
    """The household account of a plan: what came in, what is in grids, what is listed."""
    by_reason: dict[str, dict[str, int]] = {}
    for row in unassigned:
        slot = by_reason.setdefault(row["reason"], {"buildings": 0, "households": 0})
        slot["buildings"] += 1
        slot["households"] += row["households"]
    listed = sum(row["households"] for row in unassigned)
    placed = {
        how: {
            "buildings": int((placement.how == how).sum()),
            "households": int(households[placement.how == how].sum()),
        }
        for how in ("overlap", "nearest")
    }
    return {
        "households_in": households_in,
        "buildings_in": buildings_in,
        "in_grids": in_grids,
        "unassigned_households": listed,
        "unassigned_buildings": len(unassigned),
        "unassigned_by_reason": by_reason,
        "placed_from_outside": placed,
        "balanced": all(v + listed == households_in for v in in_grids.values()),
        "unassigned": unassigned,
    }
