"""Every basic and micro grid of a plan against the household band of its area type (pure).

What the planners' editor colours the map by and lists as "out of band" (or exempt, apart): one
row per grid with its households, band, exemption, lock, bounding box and a label point
(EPSG:4326, like the grids given).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geogrid.partition.bands import band_for
from geogrid.partition.exemptions import drawn_exemptions
from geogrid.touching import touching_pieces

# grids closer than this (degrees, about a centimetre) touch: stored shared edges may differ
# in the last digits
TOUCH_DEGREES = 1e-7

LEVELS = ("basic", "micro")


def grid_bands(
    grids: gpd.GeoDataFrame,
    *,
    area_types: dict[str, str | None],
    locked: set[str],
    largest: Mapping[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Rows ``{code, level, parent_code, name, households, lo, hi, within, exempt, locked, bbox,
    point}``; ``exempt`` is the reason a grid outside its band cannot be brought within it by
    an edit (:func:`~geogrid.partition.exemptions.drawn_exemptions`: a building over the band,
    a parent too small or indivisible, a detached piece), else None.

    ``grids``: a plan's grids (columns level, code, parent_code, name, households, buildings,
    geometry in EPSG:4326); ``area_types``: community code -> area type (the band is urban when
    unknown); ``largest``: micro grid code -> households of its largest building (the plan's
    units hold them, :func:`geogrid.store.drafts.largest_buildings`); without it only a grid of
    one building is known to hold one over the band.
    ``bbox`` is [west, south, east, north]; ``point`` a point inside the grid for its label.
    """
    rows = grids[grids["level"].isin(LEVELS)].reset_index(drop=True)
    codes = rows["code"].astype(str).to_numpy()
    parents = rows["parent_code"].astype(str).to_numpy()
    levels = rows["level"].astype(str).to_numpy()
    basic = levels == "basic"
    community = dict(zip(codes[basic], parents[basic], strict=True))
    owners = np.where(basic, parents, [community.get(p, "") for p in parents])
    bands = [band_for(area_types.get(o), lv) for o, lv in zip(owners, levels, strict=True)]
    households = rows["households"].fillna(0).astype(int).to_numpy()
    geoms = rows.geometry.to_numpy()
    exempt = drawn_exemptions(
        households,
        _largest(rows, households, largest),
        lo=[b.lo for b in bands],
        hi=[b.hi for b in bands],
        parent=np.char.add(np.char.add(levels.astype(str), ":"), parents.astype(str)),
        pieces=lambda mask: touching_pieces(geoms[mask], parents[mask], distance=TOUCH_DEGREES),
    )
    points = shapely.point_on_surface(geoms)
    bounds = shapely.bounds(geoms)
    out = []
    for i, r in enumerate(rows.itertuples()):
        out.append(
            {
                "code": codes[i],
                "level": levels[i],
                "parent_code": parents[i],
                "name": None if r.name is None else str(r.name),
                "households": int(households[i]),
                "lo": bands[i].lo,
                "hi": bands[i].hi,
                "within": bands[i].holds(int(households[i])),
                "exempt": exempt[i],
                "locked": codes[i] in locked,
                "bbox": [round(float(v), 6) for v in bounds[i]],
                "point": [round(points[i].x, 6), round(points[i].y, 6)],
            }
        )
    return out


def _largest(
    rows: gpd.GeoDataFrame, households: np.ndarray, largest: Mapping[str, int] | None
) -> np.ndarray:
    """Households of each grid's largest building: from ``largest`` (micro grids; a basic
    grid's is its micro grids' largest), else a grid's own where it is one building."""
    if largest is None:
        one = rows["buildings"].fillna(0).to_numpy() == 1 if "buildings" in rows else False
        return np.where(one, households, 0)
    micro = pd.Series(largest, dtype="int64")
    by_basic = micro.groupby(rows.set_index("code")["parent_code"].reindex(micro.index)).max()
    both = pd.concat([micro, by_basic])
    return both.reindex(rows["code"].astype(str)).fillna(0).to_numpy()


def largest_by_points(
    grids: gpd.GeoDataFrame, points: np.ndarray, households: np.ndarray
) -> dict[str, int]:
    """Micro grid code -> the households of its largest building, each building placed by a
    point inside it (lon/lat, n x 2, as ``grids``): for a plan whose units are not stored."""
    micro = grids[grids["level"] == "micro"]
    inside, grid = shapely.STRtree(micro.geometry.to_numpy()).query(
        shapely.points(points), predicate="within"
    )
    codes = micro["code"].astype(str).to_numpy()[grid]
    largest = pd.Series(households[inside]).groupby(codes).max()
    return {str(c): int(h) for c, h in largest.items()}


def band_summary(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The band check of a plan as the engine's report gives it: the headline over *all* grids
    (``within`` of ``grids``, ``within_share``), the grids out of band that an edit could fix
    (``out_of_band``) and beside them the exempt ones counted by reason (``exempt``).

    ``rows`` carry ``within`` and ``exempt`` (as :func:`grid_bands` gives them)."""
    grids = within = misses = 0
    exempt: Counter[str] = Counter()
    for row in rows:
        grids += 1
        if row["within"]:
            within += 1
        elif row["exempt"]:
            exempt[row["exempt"]] += 1
        else:
            misses += 1
    return {
        "grids": grids,
        "within": within,
        "within_share": round(within / grids, 4) if grids else None,
        "out_of_band": misses,
        "exempt": dict(sorted(exempt.items())),
    }
