"""A small city for draft tests: two urban communities of lattice buildings cut by one road."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import LineString, box

WEST = (120.450, 36.100, 120.462, 36.108)  # about 1,080 m x 890 m
EAST = (120.462, 36.100, 120.468, 36.108)
STREET = "370212001"
WEST_CODE, EAST_CODE = "370212001001", "370212001002"
HOUSEHOLDS_PER_BUILDING = 8


def _buildings(
    bounds: tuple[float, float, float, float], cols: int, rows: int, tag: str
) -> list[dict]:
    minx, miny, maxx, maxy = bounds
    dx, dy = (maxx - minx) / cols, (maxy - miny) / rows
    out = []
    for i in range(cols):
        for j in range(rows):
            x, y = minx + (i + 0.5) * dx, miny + (j + 0.5) * dy
            out.append(
                {
                    "building_id": f"{tag}-{i:02d}-{j:02d}",
                    "households": HOUSEHOLDS_PER_BUILDING,
                    "levels": 6,
                    "geometry": box(x - dx / 5, y - dy / 5, x + dx / 5, y + dy / 5),
                }
            )
    return out


def small_city() -> dict[str, gpd.GeoDataFrame]:
    """Layers in EPSG:4326: 240 + 96 buildings, 2,688 households."""
    crs = "EPSG:4326"
    streets = gpd.GeoDataFrame(
        {"code": [STREET], "name": ["test street"], "synthetic": [True]},
        geometry=[box(WEST[0], WEST[1], EAST[2], EAST[3])],
        crs=crs,
    )
    communities = gpd.GeoDataFrame(
        {
            "code": [WEST_CODE, EAST_CODE],
            "name": ["west", "east"],
            "street_code": [STREET, STREET],
            "area_type": ["urban_community", "urban_community"],
            "synthetic": [True, True],
        },
        geometry=[box(*WEST), box(*EAST)],
        crs=crs,
    )
    rows = _buildings(WEST, 20, 12, "w") + _buildings(EAST, 8, 12, "e")
    buildings = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    buildings["synthetic"] = True
    road = LineString([(WEST[0] - 0.001, 36.104), (EAST[2] + 0.001, 36.104)])
    roads = gpd.GeoDataFrame(
        # a secondary road: an arterial would part each community into regions divided
        # apart (2 + 2 grids of 480 in the west), and the draft tests want its 5 grids of 384
        {"road_id": ["r1"], "road_class": ["secondary"], "synthetic": [True]},
        geometry=[road],
        crs=crs,
    )
    return {"streets": streets, "communities": communities, "buildings": buildings, "roads": roads}
