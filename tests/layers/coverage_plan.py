"""A plan built for the coverage tests: one community, basic grids in a row, two micro grids
each, near Qingdao (EPSG:4326)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

COMMUNITY = "370212001001"
X0, Y0, STEP = 120.40, 36.10, 0.002


def basic(n: int) -> str:
    return f"{COMMUNITY}{n:03d}"


def micro(n: int, m: int) -> str:
    return f"{basic(n)}{m:03d}"


def strip(rows: list[tuple[str, str, float, float, int]]) -> gpd.GeoDataFrame:
    """Grids as (code, level, x from, x to (in steps), households), one step high."""
    return gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "level": [r[1] for r in rows],
            "parent_code": [r[0][:-3] for r in rows],
            "households": [r[4] for r in rows],
        },
        geometry=[
            shapely.box(X0 + a * STEP, Y0, X0 + b * STEP, Y0 + STEP) for _, _, a, b, _ in rows
        ],
        crs="EPSG:4326",
    )


HOUSEHOLDS = {1: 400, 2: 300, 3: 350, 4: 500}


def old_plan() -> gpd.GeoDataFrame:
    rows = [(basic(n), "basic", n - 1, n, h) for n, h in HOUSEHOLDS.items()]
    rows += [
        (micro(n, m), "micro", n - 1 + (m - 1) / 2, n - 1 + m / 2, h // 2)
        for n, h in HOUSEHOLDS.items()
        for m in (1, 2)
    ]
    return strip(rows)


def assignments() -> pd.DataFrame:
    rows = [
        ("W1", "grid_worker", basic(1)),
        ("W2", "grid_worker", basic(2)),
        ("W2", "grid_worker", basic(3)),
        ("W3", "part_time_worker", basic(2)),
        ("CP1", "community_police", COMMUNITY),
        ("TP1", "traffic_police", basic(1)),
        ("TP1", "traffic_police", basic(2)),
        ("W5", "grid_worker", basic(6)),  # a grid of the redrawn plan only
    ]
    rows += [
        ("BH1", "building_head", micro(n, m))
        for n, m in ((1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1))
    ]
    return pd.DataFrame(rows, columns=["staff_id", "role", "grid_code"])


INCIDENTS = pd.Series({basic(1): 100, basic(2): 90, basic(3): 600, basic(4): 20})
