"""Buildings whose data look wrong, listed beside the household account (issue 12: nothing
passes silently), never changed or dropped: the engine cannot tell a typo from a dormitory, nor
a copy shifted by a few metres from a tower on its podium, but a planner can in a minute.

- **overlapping footprints**: two footprints sharing at least ``LISTED_OVERLAP_SHARE`` of the
  smaller one's area (sources merged, one copy shifted and given a new id: each counted once more). The
  very same footprint twice is not among them: it counts once already (``intake``).
- **enclosing footprints**: a footprint holding at least ``ENCLOSES`` others (half of each or
  more lies in it, each under half its size): a land-use zone, a compound's wall or a parcel
  of a cadastral layer among the buildings, not a building. Kept whole it would bind every
  building inside into one unit (a whole community in one grid of 1,416 households), so the
  engine does not keep it whole (:func:`enclosing_footprints`); its households count at its
  interior point. Its pairs are left out of the overlapping ones.
- **road land**: a footprint without households that a barrier line runs along inside
  (runs of at least ``ROAD_LAND_LINE_M`` of line, ``ROAD_LAND_SHARE`` of its area within
  ``ROAD_LAND_M`` of them): the land of a road or river (道路用地, 水域) in a cadastral
  layer, not a building. Kept whole it ran the grid boundaries along its kerbs, 5 m and more off
  the centre line (14% of the internal boundary within 5 m of a road), or, drawn as one
  polygon for the whole network, bound a community into one grid; the engine does not keep it
  whole (:func:`road_land_footprints`).
- **dense**: more households than the floor area allows at ``MIN_M2_PER_HOUSEHOLD`` each,
  floors as given (``levels``) or, where not, ``ASSUMED_LEVELS`` (a 9,999 typed on a house).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import shapely
from numpy.typing import NDArray

OVERLAP_SHARE: Final = 0.5
# listed as overlapping from this share of the smaller footprint: a copy shifted by a third of
# its width shares 46% and was not listed, while digitising slips between neighbours share a
# few per cent (the listing changes no plan; OVERLAP_SHARE still tells enclosures)
LISTED_OVERLAP_SHARE: Final = 0.2
MIN_M2_PER_HOUSEHOLD: Final = 4.0  # floor per household below which a count cannot be true
ASSUMED_LEVELS: Final = 40  # floors taken where none are given: only the absurd is listed
LISTED: Final = 5  # examples named per kind (all are counted)
ROAD_LAND_M: Final = 15.0  # half the width of the widest road land taken for one
ROAD_LAND_SHARE: Final = 0.9  # of its area within ROAD_LAND_M of the lines it holds
ROAD_LAND_LINE_M: Final = 40.0  # one run of line inside it: lanes drawn across a house are not
# footprints inside another that make it an enclosure, not a building: a podium carries up to
# four towers (three on one was split across grids at 3)
ENCLOSES: Final = 5
# pairs (i < j) of footprints that intersect and the area they share (m²): footprint_pairs
Pairs = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]


def suspect_buildings(
    footprints: NDArray[np.object_],
    *,
    households: NDArray[np.int64],
    levels: NDArray[np.float64] | None,
    ids: NDArray[np.object_],
    duplicate_of: NDArray[np.int64],
    enclosing: NDArray[np.bool_] | None = None,
    road_land: NDArray[np.bool_] | None = None,
    pairs: Pairs | None = None,
) -> dict[str, Any]:
    """Counts and the first few of each kind, by building id.

    ``footprints``: polygons in a metric CRS (metres), one per input building; ``levels``: floors
    per building (NaN or <= 0 where unknown), or None; ``duplicate_of``: the first building with
    the very same footprint, -1 for none (those pairs are counted elsewhere); ``enclosing``:
    :func:`enclosing_footprints` and ``pairs``: :func:`footprint_pairs`, when known."""
    if pairs is None:
        pairs = footprint_pairs(footprints, duplicate_of)
    if enclosing is None:
        enclosing = enclosing_footprints(footprints, duplicate_of, pairs=pairs)
    encl = np.flatnonzero(enclosing)
    return {
        "overlapping_footprints": _overlapping(footprints, households, ids, pairs, enclosing),
        "enclosing_footprints": {
            "buildings": len(encl),
            "households": int(households[encl].sum()),
            "first": [str(ids[k]) for k in encl[:LISTED].tolist()],
        },
        "road_land": _named(road_land, households, ids),
        "dense": _dense(footprints, households, levels, ids),
    }


def _named(
    flags: NDArray[np.bool_] | None, households: NDArray[np.int64], ids: NDArray[np.object_]
) -> dict[str, Any]:
    at = np.zeros(0, dtype=np.int64) if flags is None else np.flatnonzero(flags)
    return {
        "buildings": len(at),
        "households": int(households[at].sum()),
        "first": [str(ids[k]) for k in at[:LISTED].tolist()],
    }


def road_land_footprints(
    footprints: NDArray[np.object_], households: NDArray[np.int64], lines: NDArray[np.object_]
) -> NDArray[np.bool_]:
    """Whether each footprint (metric) is road or river land: no households, one run of at
    least ``ROAD_LAND_LINE_M`` of the barrier ``lines`` inside it (merged where two lines
    meet end to end; several short lanes across a 25 x 30 m shop are no run) and
    ``ROAD_LAND_SHARE`` of its area within ``ROAD_LAND_M`` of such runs (a school block that
    lanes cross here and there is not)."""
    out = np.zeros(len(footprints), dtype=bool)
    polygon = np.isin(shapely.get_type_id(footprints), (3, 6))
    cand = np.flatnonzero(polygon & (households == 0))
    if len(cand) == 0 or len(lines) == 0:
        return out
    fi, li = shapely.STRtree(lines).query(footprints[cand], predicate="intersects")
    for f in np.unique(fi).tolist():
        g = footprints[cand[f]]
        inside = shapely.intersection(shapely.union_all(lines[li[fi == f]]), g)
        runs = shapely.get_parts(shapely.line_merge(inside)) if inside.length else np.empty(0)
        long = runs[shapely.length(runs) >= ROAD_LAND_LINE_M] if len(runs) else runs
        if len(long) == 0:
            continue  # no line runs along it: lanes drawn across a shop or a yard
        near = shapely.area(
            shapely.intersection(g, shapely.buffer(shapely.union_all(long), ROAD_LAND_M))
        )
        out[cand[f]] = near >= ROAD_LAND_SHARE * float(shapely.area(g))
    return out


def footprint_pairs(footprints: NDArray[np.object_], duplicate_of: NDArray[np.int64]) -> Pairs:
    """Pairs (i < j) of usable footprints that intersect, not the very same footprint
    twice, and the area they share."""
    usable = np.asarray([g is not None for g in footprints], dtype=bool)
    usable[usable] = ~shapely.is_empty(footprints[usable])
    usable &= shapely.get_type_id(footprints) != 0  # a point stands for no ground
    idx = np.flatnonzero(usable & (duplicate_of < 0))
    geoms = footprints[idx]
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.area(shapely.intersection(geoms[a], geoms[b]))
    return idx[a], idx[b], np.asarray(shared, dtype=float)


def enclosing_footprints(
    footprints: NDArray[np.object_], duplicate_of: NDArray[np.int64], *, pairs: Pairs | None = None
) -> NDArray[np.bool_]:
    """Whether each footprint holds at least ``ENCLOSES`` others: at least ``OVERLAP_SHARE``
    of each lies in it and each is under ``OVERLAP_SHARE`` of its area (a zone, a compound's
    wall, a parcel around the houses on it; a podium under four towers is still a building)."""
    out = np.zeros(len(footprints), dtype=bool)
    if len(footprints) == 0:
        return out
    a, b, shared = footprint_pairs(footprints, duplicate_of) if pairs is None else pairs
    area = np.asarray(
        [0.0 if g is None else float(shapely.area(g)) for g in footprints], dtype=float
    )
    held = np.zeros(len(footprints), dtype=np.int64)
    for outer, inner in ((a, b), (b, a)):
        inside = (shared >= OVERLAP_SHARE * np.maximum(area[inner], 1e-9)) & (
            area[inner] < OVERLAP_SHARE * area[outer]
        )
        np.add.at(held, outer[inside], 1)
    out[held >= ENCLOSES] = True
    return out


def _overlapping(
    footprints: NDArray[np.object_],
    households: NDArray[np.int64],
    ids: NDArray[np.object_],
    pairs: Pairs,
    enclosing: NDArray[np.bool_],
) -> dict[str, Any]:
    a, b, shared = pairs
    smaller = np.minimum(shapely.area(footprints[a]), shapely.area(footprints[b]))
    hit = shared >= LISTED_OVERLAP_SHARE * np.maximum(smaller, 1e-9)
    hit &= ~enclosing[a] & ~enclosing[b]
    found = [(int(i), int(j)) for i, j in zip(a[hit], b[hit], strict=True)]
    involved = sorted({k for pair in found for k in pair})
    return {
        "pairs": len(found),
        "households": int(households[involved].sum()) if involved else 0,
        "first": [[str(ids[i]), str(ids[j])] for i, j in found[:LISTED]],
    }


def _dense(
    footprints: NDArray[np.object_],
    households: NDArray[np.int64],
    levels: NDArray[np.float64] | None,
    ids: NDArray[np.object_],
) -> dict[str, Any]:
    area = np.asarray(
        [0.0 if g is None else float(shapely.area(g)) for g in footprints], dtype=float
    )
    floors = np.full(len(area), float(ASSUMED_LEVELS))
    if levels is not None:
        known = np.isfinite(levels) & (levels > 0)
        floors[known] = levels[known]
    floor_m2 = area * floors
    dense = np.flatnonzero((households > 0) & (households * MIN_M2_PER_HOUSEHOLD > floor_m2))
    return {
        "buildings": len(dense),
        "households": int(households[dense].sum()),
        "first": [
            {
                "building_id": str(ids[k]),
                "households": int(households[k]),
                "floor_m2": round(float(floor_m2[k]), 1),
            }
            for k in dense[:LISTED].tolist()
        ],
    }
