"""Small grid plans for incident tests (and the incident benchmark): square basic grids near the
Laoshan coast, each split into four micro grids; codes follow the NBS convention (community code
+ grid number)."""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import shapely
from sqlalchemy import Connection

from geogrid.store import save_plan

ORIGIN = (120.45, 36.10)
SIZE = 0.01  # degrees, about 1 km
COMMUNITY = "370212001001"


def square_grids(
    *,
    n: int = 3,
    size: float = SIZE,
    origin: tuple[float, float] = ORIGIN,
    community: str | Callable[[int], str] = COMMUNITY,
    per_community: int = 99,
) -> dict[str, gpd.GeoDataFrame]:
    """``n`` x ``n`` basic grids with 4 micro grids each, by level.

    Grid ``k`` (column-major from the south-west) belongs to ``community`` (a code, or the code
    of grid ``k``) and is numbered ``k % per_community + 1`` within it.
    """
    basic, micro = [], []
    half = size / 2
    for i in range(n):
        for j in range(n):
            k = i * n + j
            parent = community(k) if callable(community) else community
            code = f"{parent}{k % per_community + 1:02d}"
            x0, y0 = origin[0] + i * size, origin[1] + j * size
            basic.append(
                {
                    "code": code,
                    "parent_code": parent,
                    "geometry": shapely.box(x0, y0, x0 + size, y0 + size),
                }
            )
            for m, (dx, dy) in enumerate(((0, 0), (half, 0), (0, half), (half, half)), 1):
                micro.append(
                    {
                        "code": f"{code}{m:02d}",
                        "parent_code": code,
                        "geometry": shapely.box(x0 + dx, y0 + dy, x0 + dx + half, y0 + dy + half),
                    }
                )
    return {
        "basic": gpd.GeoDataFrame(basic, crs="EPSG:4326"),
        "micro": gpd.GeoDataFrame(micro, crs="EPSG:4326"),
    }


def square_plan(
    conn: Connection,
    *,
    n: int = 3,
    size: float = SIZE,
    origin: tuple[float, float] = ORIGIN,
    community: str = COMMUNITY,
    note: str = "",
) -> int:
    """A draft plan of :func:`square_grids` (codes community + 2 digits)."""
    grids = square_grids(n=n, size=size, origin=origin, community=community)
    return save_plan(conn, grids, report={}, author="test", note=note)


def grid_center(
    i: int, j: int, *, size: float = SIZE, origin: tuple[float, float] = ORIGIN
) -> tuple[float, float]:
    """Centre of the south-west micro grid of basic grid (i, j): lon, lat."""
    return origin[0] + i * size + size / 4, origin[1] + j * size + size / 4
