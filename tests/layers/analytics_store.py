"""A published plan with planted incidents for the store and CLI tests of the analytics: 8 x 8
basic grids (about 450 m) near the Laoshan coast, 4 micro grids each, 100 households per basic
grid; incidents cluster in the 3 x 3 basic grids of the south-west corner."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection

from geogrid.store import publish_plan, save_plan
from geogrid.store.incident_bulk import import_incidents

ORIGIN = (120.45, 36.10)
SIZE = 0.005
SIDE = 8
COMMUNITY = "370212001001"


def basic_code(i: int, j: int) -> str:
    return f"{COMMUNITY}{i * SIDE + j + 1:03d}"


def grids() -> dict[str, gpd.GeoDataFrame]:
    basic, micro = [], []
    half = SIZE / 2
    for i in range(SIDE):
        for j in range(SIDE):
            code = basic_code(i, j)
            x0, y0 = ORIGIN[0] + i * SIZE, ORIGIN[1] + j * SIZE
            basic.append(
                {
                    "code": code,
                    "parent_code": COMMUNITY,
                    "households": 100,
                    "geometry": shapely.box(x0, y0, x0 + SIZE, y0 + SIZE),
                }
            )
            for m, (dx, dy) in enumerate(((0, 0), (half, 0), (0, half), (half, half)), 1):
                micro.append(
                    {
                        "code": f"{code}{m:03d}",
                        "parent_code": code,
                        "households": 25,
                        "geometry": shapely.box(x0 + dx, y0 + dy, x0 + dx + half, y0 + dy + half),
                    }
                )
    return {
        "basic": gpd.GeoDataFrame(basic, crs="EPSG:4326"),
        "micro": gpd.GeoDataFrame(micro, crs="EPSG:4326"),
    }


def incidents(seed: int = 0) -> pd.DataFrame:
    """3 incidents per basic grid a month over a year, 30 a month in the planted corner."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(SIDE):
        for j in range(SIDE):
            per_month = 30 if i < 3 and j < 3 else 3
            for month in range(1, 13):
                for k in range(rng.poisson(per_month)):
                    lon = ORIGIN[0] + (i + rng.uniform(0.05, 0.95)) * SIZE
                    lat = ORIGIN[1] + (j + rng.uniform(0.05, 0.95)) * SIZE
                    rows.append(
                        {
                            "id": f"I-{i}-{j}-{month}-{k}",
                            "lon": lon,
                            "lat": lat,
                            "category": "01",
                            "reported_at": f"2025-{month:02d}-{(k % 27) + 1:02d}T09:00:00+08:00",
                        }
                    )
    return pd.DataFrame(rows)


def planted(conn: Connection) -> int:
    """Save and publish the plan, import the incidents; returns the plan id."""
    plan_id = save_plan(conn, grids(), report={}, author="test")
    publish_plan(conn, plan_id)
    import_incidents(conn, incidents(), source_file="planted.csv", plan_id=plan_id)
    return plan_id


HOT = {basic_code(i, j) for i in range(3) for j in range(3)}
