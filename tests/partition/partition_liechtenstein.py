"""The Liechtenstein OSM 2013 snapshot as partition input (real data, ODbL, for tests only).

The 11 municipalities are the parents (codes made up: 438 = ISO 3166 numeric of Liechtenstein,
then the OSM relation's id); households are estimated from footprints with ``geogrid.households``
(two levels where OSM gives none).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geogrid.households import fill_households
from geogrid.settings import HouseholdSettings

DATA = Path(__file__).resolve().parents[1] / "data" / "liechtenstein"  # see its NOTICE.md
ASSUMED_LEVELS = 2


def liechtenstein(data: Path = DATA) -> dict[str, gpd.GeoDataFrame]:
    """Layers ``communities``, ``buildings`` (with ``households``), ``roads``, ``waterways``."""
    admin = gpd.read_file(data / "li_admin_boundaries.geojson")
    towns = admin[admin["admin_level"].astype(str) == "8"].copy()
    towns = towns[towns["name"] != "Fläsch"]  # a Swiss neighbour in the snapshot
    towns["code"] = [f"438000000{int(i):03d}" for i in towns["id"]]
    towns["area_type"] = "urban_community"
    buildings = gpd.read_file(data / "li_buildings.geojson")
    buildings["building_id"] = buildings["id"].astype(str)
    buildings, _ = fill_households(
        buildings[["building_id", "geometry"]],
        settings=HouseholdSettings(default_levels=ASSUMED_LEVELS),
    )
    buildings["households"] = buildings["households"].astype(int)
    return {
        "communities": towns[["code", "name", "area_type", "geometry"]].reset_index(drop=True),
        "buildings": buildings,
        "roads": gpd.read_file(data / "li_roads_driving.geojson"),
        "waterways": gpd.read_file(data / "li_waterways.geojson"),
    }
