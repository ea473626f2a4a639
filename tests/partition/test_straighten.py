"""Grid boundaries through blocks drawn straight between the buildings (issue 12, item 5):
hand-made cells whose answers are worked out on paper, and a community without roads."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

from geogrid.partition._geometry import convexity
from geogrid.partition._straighten import straighten
from geogrid.partition.engine import partition_plan
from geogrid.plans.units import plan_units

# a zigzag from (50, 0) to (50, 100) between x 45 and 55, through (50, 50)
ZIGZAG = [(50, 0), (45, 10), (55, 20), (45, 30), (55, 40), (50, 50)]
ZIGZAG += [(45, 60), (55, 70), (45, 80), (55, 90), (50, 100)]
LOW, HIGH = ZIGZAG[:6], ZIGZAG[5:]  # below and above y 50


def _cells() -> tuple[np.ndarray, np.ndarray]:
    """A 100 m square in four cells: left and right of the zigzag, below and above y 50;
    cells 0-1 (bottom, top) are grid 0, cells 2-3 grid 1."""
    cells = [
        Polygon([(0, 0), *LOW, (0, 50)]),
        Polygon([(0, 50), *HIGH, (0, 100)]),
        Polygon([*LOW, (100, 50), (100, 0)]),
        Polygon([*HIGH, (100, 100), (100, 50)]),
    ]
    return np.asarray(cells, dtype=object), np.asarray([0, 0, 1, 1], dtype=np.int64)


def _houses(*boxes: tuple[float, float, float, float]) -> np.ndarray:
    return np.asarray([shapely.box(*b) for b in boxes], dtype=object)


ROWS = _houses((15, 20, 25, 30), (15, 70, 25, 80), (75, 20, 85, 30), (75, 70, 85, 80))


def _same(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return float(shapely.area(shapely.symmetric_difference(a, b))) < 1e-6


def test_a_zigzag_between_two_rows_of_houses_becomes_a_straight_line() -> None:
    cells, grid = _cells()
    out = straighten(cells, grid, buildings=ROWS, lines=np.empty(0, dtype=object))
    # every cell a 50 x 50 square: the line x = 50 passes the houses 25 m clear on each side
    for cell, box in zip(
        out,
        [(0, 0, 50, 50), (0, 50, 50, 100), (50, 0, 100, 50), (50, 50, 100, 100)],
        strict=True,
    ):
        assert _same(cell, shapely.box(*box))
    assert _same(shapely.union_all(out), shapely.box(0, 0, 100, 100))


def test_a_house_in_the_way_stays_whole_on_its_side() -> None:
    # a house of grid 1 at x 48-53, y 28-32, in the zigzag's bulge to x 45 at y 30 (the
    # boundary runs at x 45-47 there): the line x = 50 would cut it, so the run from (50, 0)
    # to (50, 50) keeps a kink around it and the house stays whole in grid 1
    blocker = _houses((48, 28, 53, 32))
    cells, grid = _cells()
    houses = np.concatenate([ROWS, blocker])
    out = straighten(cells, grid, buildings=houses, lines=np.empty(0, dtype=object))
    right = shapely.union_all(out[2:])
    assert shapely.contains(right, blocker[0])
    left = shapely.union_all(out[:2])
    assert not shapely.intersects(shapely.buffer(left, -1e-6), blocker[0])
    # the boundary is shorter than the zigzag, longer than the straight 100 m
    right_line = shapely.boundary(shapely.union_all(out[2:]))
    shared = shapely.length(shapely.intersection(shapely.boundary(left), right_line))
    assert 100.0 < shared < shapely.length(LineString(ZIGZAG))
    assert _same(shapely.union_all(out), shapely.box(0, 0, 100, 100))


def test_a_stretch_along_a_road_stays_on_it() -> None:
    # a lane along the zigzag's leg (45, 10) - (55, 20): its ends stay, and the runs on either
    # side become straight: (50, 0) - (45, 10) and (55, 20) - (50, 100), 11.18 + 14.14 +
    # 80.16 = 105.48 m of boundary in all
    cells, grid = _cells()
    lane = np.asarray([LineString([(45, 10), (55, 20)])], dtype=object)
    out = straighten(cells, grid, buildings=ROWS, lines=lane)
    left, right = shapely.union_all(out[:2]), shapely.union_all(out[2:])
    shared = shapely.intersection(shapely.boundary(left), shapely.boundary(right))
    assert abs(float(shapely.length(shared)) - 105.48) < 0.01
    on_lane = shapely.intersection(shared, shapely.buffer(lane[0], 0.01))
    assert abs(float(shapely.length(on_lane)) - 14.14) < 0.05  # plus the buffer's ends


def _square_community() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A 300 m square community without roads, 10 x 10 houses (12 x 10 m) on a 30 m grid moved
    up to 3 m at random, 8-15 households each (1,139 in all)."""
    rng = np.random.default_rng(1)
    houses = []
    for i in range(10):
        for j in range(10):
            x, y = 15 + 30 * i + rng.normal(0, 3), 15 + 30 * j + rng.normal(0, 3)
            houses.append(shapely.box(x - 6, y - 5, x + 6, y + 5))
    households = rng.integers(8, 16, 100)
    crs = "EPSG:4549"
    x0, y0 = 500_000.0, 4_000_000.0
    community = gpd.GeoDataFrame(
        {"code": ["370212001001"], "area_type": ["urban"]},
        geometry=[shapely.box(x0, y0, x0 + 300, y0 + 300)],
        crs=crs,
    )
    buildings = gpd.GeoDataFrame(
        {"building_id": [f"B{k}" for k in range(100)], "households": households},
        geometry=shapely.transform(
            np.asarray(houses, dtype=object), lambda c: c + np.asarray([x0, y0])
        ),
        crs=crs,
    )
    return community, buildings


def test_a_community_without_roads_gets_straight_grid_boundaries() -> None:
    # three basic grids whose boundaries ran along the Voronoi cells' zigzag (convexity 0.94
    # on average); straight lines between the rows of houses make them nearly convex
    community, buildings = _square_community()
    households = buildings["households"].to_numpy()
    plan = partition_plan(community, buildings)
    basic = plan.grids["basic"]
    assert int(households.sum()) == 1139 == int(basic["households"].sum())
    assert len(basic) == 3
    assert float(convexity(basic.geometry.to_numpy()).mean()) > 0.97
    # every house inside exactly one grid; the grids tile the square
    inside = shapely.contains(basic.geometry.to_numpy()[:, None], buildings.geometry.to_numpy())
    assert (inside.sum(axis=0) == 1).all()
    assert plan.report["basic"]["gap_area_m2"] == 0.0
    assert plan.report["basic"]["overlap_area_m2"] == 0.0


def test_a_stored_plans_units_are_straightened_as_its_grids() -> None:
    # the units a draft editor moves are rebuilt for a stored plan (``plans.units``): each
    # micro grid must be exactly the union of its units, vertex for vertex, or an edit would
    # redraw a grid's zigzag next to its neighbour's straight line
    community, buildings = _square_community()
    plan = partition_plan(community, buildings)
    units = plan_units(
        community, buildings, plan.grids["micro"], basic=plan.grids["basic"], barriers=[]
    )
    micro = plan.grids["micro"].to_crs(units.crs)
    for code, geom in zip(micro["code"], micro.geometry, strict=True):
        cells = units.geometry.to_numpy()[units["micro_code"].to_numpy() == code]
        again = shapely.coverage_union_all(cells)
        assert shapely.equals_exact(shapely.normalize(geom), shapely.normalize(again), 1e-9)


def test_the_reports_barrier_share_measures_the_boundaries_as_drawn() -> None:
    # the square community with a lane down its middle (x 150): some boundary follows the
    # lane, the rest runs through the blocks and is straightened; the report's share on
    # barriers is the length on the lane over the inner boundary of the polygons written
    community, buildings = _square_community()
    x0, y0 = community.total_bounds[:2]
    lane = LineString([(x0 + 150, y0), (x0 + 150, y0 + 300)])
    buildings = buildings[~buildings.intersects(lane.buffer(3))]
    roads = gpd.GeoDataFrame(
        {"road_id": ["R1"], "road_class": ["local"]}, geometry=[lane], crs=community.crs
    )
    plan = partition_plan(community, buildings, roads=roads)
    grids = plan.grids["basic"].to_crs(community.crs).geometry.to_numpy()
    inner = (float(shapely.length(grids).sum()) - 1200.0) / 2
    on_lane = shapely.length(
        shapely.intersection(shapely.union_all(shapely.boundary(grids)), lane.buffer(0.01))
    )
    assert 100.0 < float(on_lane) < inner - 100.0  # both kinds of boundary are there
    share = plan.report["basic"]["barrier_boundary_share"]
    assert abs(share - float(on_lane) / inner) < 1e-3
    assert share == plan.report["basic"]["barrier_boundary_share_by_class"]["local"]
