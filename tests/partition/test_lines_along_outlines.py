"""A road digitised apart from the community edge drawn along it runs a metre or two inside
the edge: it must not cut a strip of empty land as long as the edge for one grid to take as a
thin arm (found on a messy real-style street: 6 of 39 basic grids had arms 0.6-0.7 m wide and
up to 193 m long). Hand-built in UTM 51N metres."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geogrid.partition.engine import partition_plan
from geogrid.partition.network import barrier_network

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0


def _community() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["370212001001"], "area_type": ["urban"]},
        geometry=[shapely.box(X0, Y0, X0 + 600, Y0 + 600)],
        crs=UTM,
    )


def _roads() -> gpd.GeoDataFrame:
    along = shapely.LineString([(X0, Y0 + 599.5), (X0 + 600, Y0 + 599.5)])  # 0.5 m inside the edge
    across = shapely.LineString([(X0 + 300, Y0), (X0 + 300, Y0 + 599.5)])  # meets it: a tee
    return gpd.GeoDataFrame(
        {"road_class": ["residential", "residential"]}, geometry=[along, across], crs=UTM
    )


def test_the_run_along_the_edge_is_taken_as_the_edge_a_road_across_it_kept() -> None:
    net = barrier_network([_roads(), None, None], _community().boundary.to_numpy(), UTM)
    assert net.fixes["along_outlines_removed_m"] == pytest.approx(600.0, abs=0.5)
    assert len(net.lines) == 1
    # the road that met it, extended the half metre to the edge: the block still parts there
    assert shapely.length(net.lines[0]) == pytest.approx(600.0, abs=0.1)


def test_no_grid_takes_the_strip_between_the_road_and_the_edge() -> None:
    houses = [
        shapely.box(X0 + 40 + 50 * c, Y0 + 40 + 50 * r, X0 + 52 + 50 * c, Y0 + 52 + 50 * r)
        for r in range(11)
        for c in range(11)
    ]  # 121 houses of 6 households: 726, two grids either side of the road across
    buildings = gpd.GeoDataFrame({"households": [6] * len(houses)}, geometry=houses, crs=UTM)
    plan = partition_plan(_community(), buildings, roads=_roads())
    basic = plan.grids["basic"].to_crs(UTM)
    assert len(basic) == 2
    convexity = basic.area / basic.convex_hull.area
    assert np.all(convexity > 0.99)  # two rectangles; the strip on one made it 0.5


JITTERED = Path(__file__).parent.parent / "data" / "cases" / "jittered_edges" / "street.gpkg"


def _thin_arms(grids: gpd.GeoDataFrame, *, half_width_m: float = 1.5) -> list[float]:
    """Length (m) of each grid's longest part narrower than twice ``half_width_m`` (an
    opening takes it away) that is longer than 50 m."""
    metric = grids.to_crs(grids.estimate_utm_crs())
    out = []
    for geom in metric.geometry:
        opened = geom.buffer(-half_width_m, join_style=2).buffer(half_width_m, join_style=2)
        parts = shapely.get_parts(geom.difference(opened))
        out += [p.length / 2 for p in parts if p.length / 2 > 50]
    return out


def test_a_community_edge_digitised_apart_from_its_roads_gives_no_arms() -> None:
    layers = {n: gpd.read_file(JITTERED, layer=n) for n in ("communities", "roads", "buildings")}
    plan = partition_plan(layers["communities"], layers["buildings"], roads=layers["roads"])
    assert int(plan.grids["basic"]["households"].sum()) == int(layers["buildings"].households.sum())
    assert _thin_arms(plan.grids["basic"]) == []  # before: 3 grids, arms of 61, 84 and 193 m
    assert plan.report["network"]["along_outlines_removed_m"] > 1_000
