"""Every basic and micro grid of a plan against the household band of its area type (pure).

What the planners' editor colours the map by and lists as "out of band": one row per grid with
its households, band, lock, bounding box and a label point (EPSG:4326, like the grids given).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely

from geogrid.partition.bands import band_for

LEVELS = ("basic", "micro")


def grid_bands(
    grids: gpd.GeoDataFrame, *, area_types: dict[str, str | None], locked: set[str]
) -> list[dict[str, Any]]:
    """Rows ``{code, level, parent_code, name, households, lo, hi, within, locked, bbox, point}``.

    ``grids``: a plan's grids (columns level, code, parent_code, name, households, geometry in
    EPSG:4326); ``area_types``: community code -> area type (the band is urban when unknown).
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
                "locked": code in locked,
                "bbox": [round(float(v), 6) for v in box],
                "point": [round(point.x, 6), round(point.y, 6)],
            }
        )
    return out
