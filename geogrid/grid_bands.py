"""Every basic and micro grid of a plan against the household band of its area type (pure).

What the planners' editor colours the map by and lists as "out of band" (or exempt, apart): one
row per grid with its households, band, exemption, lock, bounding box and a label point
(EPSG:4326, like the grids given).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import shapely

from geogrid.partition.bands import band_for
from geogrid.partition.exemptions import drawn_grid_exemption

LEVELS = ("basic", "micro")


def grid_bands(
    grids: gpd.GeoDataFrame, *, area_types: dict[str, str | None], locked: set[str]
) -> list[dict[str, Any]]:
    """Rows ``{code, level, parent_code, name, households, lo, hi, within, exempt, locked, bbox,
    point}``; ``exempt`` is the reason a grid outside its band cannot be brought within it
    (``single_over_band_building``), else None.

    ``grids``: a plan's grids (columns level, code, parent_code, name, households, buildings,
    geometry in EPSG:4326); ``area_types``: community code -> area type (the band is urban when
    unknown).
    ``bbox`` is [west, south, east, north]; ``point`` a point inside the grid for its label.
    """
    rows = grids[grids["level"].isin(LEVELS)]
    community = {
        str(r.code): str(r.parent_code) for r in rows[rows["level"] == "basic"].itertuples()
    }
    points = shapely.point_on_surface(rows.geometry.to_numpy())
    bounds = shapely.bounds(rows.geometry.to_numpy())
    out = []
    for r, point, box in zip(rows.itertuples(), points, bounds, strict=True):
        code, level = str(r.code), str(r.level)
        parent = str(r.parent_code)
        owner = parent if level == "basic" else community.get(parent, "")
        band = band_for(area_types.get(owner), level)
        households = int(r.households)
        buildings = int(getattr(r, "buildings", 0) or 0)
        out.append(
            {
                "code": code,
                "level": level,
                "parent_code": parent,
                "name": None if r.name is None else str(r.name),
                "households": households,
                "lo": band.lo,
                "hi": band.hi,
                "within": band.holds(households),
                "exempt": drawn_grid_exemption(households, buildings, band),
                "locked": code in locked,
                "bbox": [round(float(v), 6) for v in box],
                "point": [round(point.x, 6), round(point.y, 6)],
            }
        )
    return out


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
