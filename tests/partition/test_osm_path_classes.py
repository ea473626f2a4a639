"""OSM's ways for people on foot that are not ``footway`` (found on a real OSM extract, central
Helsinki: 154 ``highway=trail``, 29 ``platform``, 5 ``corridor`` and an ``elevator`` were read
as unknown and so weighed as secondary roads, cheaper to follow than a residential street)."""

from __future__ import annotations

import geopandas as gpd
import shapely

from geogrid.partition.barriers import CLASSES, line_classes, unknown_values
from geogrid.road_classes import canonical_road_class


def test_osm_foot_ways_are_paths_and_a_busway_is_a_local_road() -> None:
    values = ["trail", "platform", "Corridor", "elevator", "busway", "construction", "footway"]
    assert [canonical_road_class(v) for v in values] == [
        "path", "path", "path", "path", "local", None, "path",
    ]  # fmt: skip
    line = shapely.LineString([(0, 0), (10, 0)])
    roads = gpd.GeoDataFrame({"highway": values}, geometry=[line] * len(values), crs=32635)
    # path and local roads are one barrier class to the engine; a road of unknown class (OSM's
    # highway=construction: a road being built, of any class) stays secondary and is listed
    assert [CLASSES[c] for c in line_classes(roads, 0)] == [
        "local", "local", "local", "local", "local", "secondary", "local",
    ]  # fmt: skip
    assert unknown_values(roads, 0) == {"construction": 1}
