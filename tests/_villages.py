"""One village parent with a row of houses and two natural villages (自然村), hand-built in UTM
51N metres (about 123°E, 36.1°N once in lon/lat), for the engine's and the store's tests.

The parent (community 370212100201, area type village: basic band 200-400 households) is
800 x 400 m; 40 houses of 15 households stand 10 m apart in one row across it (600 households,
one settlement when clustered by distance: too many for one grid). The natural villages split
the row: west (houses 0-15, 240 households) and east (houses 16-39, 360), each fits the band.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0
PARENT = "370212100201"
WEST_HOUSEHOLDS, EAST_HOUSEHOLDS = 240, 360


def village_parent(crs: str = UTM) -> gpd.GeoDataFrame:
    """The village community, with the fields the communities layer stores."""
    box = shapely.box(X0, Y0, X0 + 800, Y0 + 400)
    frame = gpd.GeoDataFrame(
        {"code": [PARENT], "name": ["王家村"], "area_type": ["village"]}, geometry=[box], crs=UTM
    )
    return frame.to_crs(crs)


def row_of_houses(crs: str = UTM) -> gpd.GeoDataFrame:
    """40 houses of 15 households, 10 m apart in one row: one cluster of 600 households."""
    xs = [X0 + 10 + 20 * i for i in range(40)]
    geoms = [shapely.box(x - 5, Y0 + 195, x + 5, Y0 + 205) for x in xs]
    frame = gpd.GeoDataFrame(
        {"building_id": [f"H{i}" for i in range(40)], "households": [15] * 40},
        geometry=geoms,
        crs=UTM,
    )
    return frame.to_crs(crs)


def natural_villages(crs: str = UTM) -> gpd.GeoDataFrame:
    """West (houses 0-15, x <= 310 m) and east (houses 16-39), covering the parent."""
    west = shapely.box(X0, Y0, X0 + 320, Y0 + 400)
    east = shapely.box(X0 + 320, Y0, X0 + 800, Y0 + 400)
    frame = gpd.GeoDataFrame(
        {"village_id": ["NV-W", "NV-E"], "name": ["王家庄", "李家屯"]},
        geometry=[west, east],
        crs=UTM,
    )
    return frame.to_crs(crs)
