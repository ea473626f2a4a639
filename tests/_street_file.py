"""A tiny street's input file for ``geogrid partition FILE``, built in the test's folder: two
communities side by side (lon/lat), 8 buildings of 20 households in each."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

STREET = "370212001"
WEST, EAST = f"{STREET}001", f"{STREET}002"
HOUSEHOLDS = 20


def communities(west: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """The two communities; ``west`` replaces the western one's square."""
    squares = [shapely.box(120.500, 36.200, 120.505, 36.205), shapely.box(120.505, 36.200,
               120.510, 36.205)]  # fmt: skip
    return gpd.GeoDataFrame(
        {"code": [WEST, EAST], "name": ["甲", "乙"], "street_code": [STREET] * 2},
        geometry=[west if west is not None else squares[0], squares[1]],
        crs="EPSG:4326",
    )


def buildings(households: list[object] | None = None) -> gpd.GeoDataFrame:
    """16 buildings, 8 in each community (ids b00..b15, west first)."""
    geoms = []
    for col in range(8):
        for row in range(2):
            x, y = 120.5008 + col * 0.0012, 36.2015 + row * 0.0015
            geoms.append(shapely.box(x, y, x + 0.0002, y + 0.0002))
    values = households if households is not None else [HOUSEHOLDS] * len(geoms)
    return gpd.GeoDataFrame(
        {"building_id": [f"b{i:02d}" for i in range(len(geoms))], "households": values},
        geometry=geoms,
        crs="EPSG:4326",
    )


def write(tmp_path: Path, **layers: gpd.GeoDataFrame) -> Path:
    """The file ``in.gpkg`` with these layers (communities and buildings by default)."""
    path = tmp_path / "in.gpkg"
    frames = {"communities": communities(), "buildings": buildings()} | layers
    for name, frame in frames.items():
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return path
