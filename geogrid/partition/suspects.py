"""Buildings whose data look wrong, listed beside the household account (issue 12: nothing
passes silently), never changed or dropped: the engine cannot tell a typo from a dormitory, nor
a copy shifted by a few metres from a tower on its podium, but a planner can in a minute.

- **overlapping footprints**: two footprints sharing at least ``OVERLAP_SHARE`` of the smaller
  one's area (sources merged, one copy shifted and given a new id: each counted once more). The
  very same footprint twice is not among them: it counts once already (``intake``).
- **dense**: more households than the floor area allows at ``MIN_M2_PER_HOUSEHOLD`` each,
  floors as given (``levels``) or, where not, ``ASSUMED_LEVELS`` (a 9,999 typed on a house).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import shapely
from numpy.typing import NDArray

OVERLAP_SHARE: Final = 0.5
MIN_M2_PER_HOUSEHOLD: Final = 4.0  # floor per household below which a count cannot be true
ASSUMED_LEVELS: Final = 40  # floors taken where none are given: only the absurd is listed
LISTED: Final = 5  # examples named per kind (all are counted)


def suspect_buildings(
    footprints: NDArray[np.object_],
    *,
    households: NDArray[np.int64],
    levels: NDArray[np.float64] | None,
    ids: NDArray[np.object_],
    duplicate_of: NDArray[np.int64],
) -> dict[str, Any]:
    """Counts and the first few of each kind, by building id.

    ``footprints``: polygons in a metric CRS (metres), one per input building; ``levels``: floors
    per building (NaN or <= 0 where unknown), or None; ``duplicate_of``: the first building with
    the very same footprint, -1 for none (those pairs are counted elsewhere)."""
    return {
        "overlapping_footprints": _overlapping(footprints, households, ids, duplicate_of),
        "dense": _dense(footprints, households, levels, ids),
    }


def _overlapping(
    footprints: NDArray[np.object_],
    households: NDArray[np.int64],
    ids: NDArray[np.object_],
    duplicate_of: NDArray[np.int64],
) -> dict[str, Any]:
    usable = np.asarray([g is not None for g in footprints], dtype=bool)
    usable[usable] = ~shapely.is_empty(footprints[usable])
    idx = np.flatnonzero(usable & (duplicate_of < 0))
    geoms = footprints[idx]
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.area(shapely.intersection(geoms[a], geoms[b]))
    smaller = np.minimum(shapely.area(geoms[a]), shapely.area(geoms[b]))
    hit = shared >= OVERLAP_SHARE * np.maximum(smaller, 1e-9)
    pairs = [(int(idx[i]), int(idx[j])) for i, j in zip(a[hit], b[hit], strict=True)]
    involved = sorted({k for pair in pairs for k in pair})
    return {
        "pairs": len(pairs),
        "households": int(households[involved].sum()) if involved else 0,
        "first": [[str(ids[i]), str(ids[j])] for i, j in pairs[:LISTED]],
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
