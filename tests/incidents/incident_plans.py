"""Small grid plans for incident tests: square basic grids near the Laoshan coast, each split
into four micro grids; codes follow the NBS convention (community code + grid number)."""

from __future__ import annotations

import geopandas as gpd
import shapely
from sqlalchemy import Connection

from geogrid.store import save_plan

ORIGIN = (120.45, 36.10)
SIZE = 0.01  # degrees, about 1 km
COMMUNITY = "370212001001"


def square_plan(
    conn: Connection,
    *,
    n: int = 3,
    size: float = SIZE,
    origin: tuple[float, float] = ORIGIN,
    community: str = COMMUNITY,
    note: str = "",
) -> int:
    """A draft plan of ``n`` x ``n`` basic grids (codes community + 2 digits) with 4 micro each."""
    basic, micro = [], []
    for i in range(n):
        for j in range(n):
            x0, y0 = origin[0] + i * size, origin[1] + j * size
            code = f"{community}{i * n + j + 1:02d}"
            basic.append(
                {
                    "code": code,
                    "parent_code": community,
                    "geometry": shapely.box(x0, y0, x0 + size, y0 + size),
                }
            )
            half = size / 2
            for k, (dx, dy) in enumerate(((0, 0), (half, 0), (0, half), (half, half)), 1):
                micro.append(
                    {
                        "code": f"{code}{k:02d}",
                        "parent_code": code,
                        "geometry": shapely.box(x0 + dx, y0 + dy, x0 + dx + half, y0 + dy + half),
                    }
                )
    grids = {
        "basic": gpd.GeoDataFrame(basic, crs="EPSG:4326"),
        "micro": gpd.GeoDataFrame(micro, crs="EPSG:4326"),
    }
    return save_plan(conn, grids, report={}, author="test", note=note)


def grid_center(
    i: int, j: int, *, size: float = SIZE, origin: tuple[float, float] = ORIGIN
) -> tuple[float, float]:
    """Centre of the south-west micro grid of basic grid (i, j): lon, lat."""
    return origin[0] + i * size + size / 4, origin[1] + j * size + size / 4
