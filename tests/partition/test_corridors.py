"""A corridor from a grid enclosed by another out through the gap between the buildings:
hand-made cells whose answers are worked out on paper, and the engine on a tower in a block.

The cells are a 30 m square in nine 10 m squares, cell ``3 * row + col`` at
``(10 col, 10 row)``; the middle one (4) is enclosed by the eight around it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geogrid.partition._corridors import CORRIDOR_M, Enclosed, carve_corridors
from geogrid.partition.engine import partition_plan
from geogrid.plans.units import plan_units

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_real_data_faults import UTM, X0, Y0, _buildings, _community, _houses, _tower_in_a_block

RING = [0, 1, 2, 3, 5, 6, 7, 8]


def _cells() -> np.ndarray:
    return np.asarray(
        [shapely.box(10 * c, 10 * r, 10 * c + 10, 10 * r + 10) for r in range(3) for c in range(3)],
        dtype=object,
    )


def _houses_in_cells() -> np.ndarray:
    """A 4 m house in the middle of each cell: 3 m from every cell edge."""
    return np.asarray(
        [
            shapely.box(10 * c + 3, 10 * r + 3, 10 * c + 7, 10 * r + 7)
            for r in range(3)
            for c in range(3)
        ],
        dtype=object,
    )


def _labels(middle: int, rest: int) -> np.ndarray:
    out = np.full(9, rest, dtype=np.int64)
    out[4] = middle
    return out


def _same(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return float(shapely.area(shapely.symmetric_difference(a, b))) < 1e-9


def _holds(out: np.ndarray, grid: np.ndarray) -> None:
    """Cells still tile the square, each one polygon, no grid with a hole."""
    assert shapely.coverage_is_valid(out)
    assert all(shapely.get_type_id(c) == 3 for c in out)
    assert _same(shapely.union_all(out), shapely.box(0, 0, 30, 30))
    for g in np.unique(grid).tolist():
        union = shapely.coverage_union_all(out[grid == g])
        assert shapely.get_type_id(union) == 3
        assert shapely.get_num_interior_rings(union) == 0


def test_the_middle_grid_reaches_out_by_a_strip_along_the_shortest_cell_edge() -> None:
    # every edge from the middle cell's corners to the outline is 10 m; the first in the
    # order of where it lies runs from (10, 10) to (0, 10), between cells 0 and 3: a strip
    # 1 m wide along it, half from each, joins the middle cell
    basic, micro = _labels(1, 0), np.arange(9, dtype=np.int64)  # each cell its micro grid
    out, left = carve_corridors(_cells(), basic, micro, _houses_in_cells())
    assert left == []
    half = CORRIDOR_M / 2
    assert _same(out[0], shapely.box(0, 0, 10, 10 - half))
    assert _same(out[3], shapely.box(0, 10 + half, 10, 20))
    strip = shapely.box(0, 10 - half, 10, 10 + half)
    assert _same(out[4], shapely.union(shapely.box(10, 10, 20, 20), strip))
    assert shapely.area(out[4]) == 100 + 10 * CORRIDOR_M
    for f in (1, 2, 5, 6, 7, 8):
        assert _same(out[f], _cells()[f])
    _holds(out, basic)
    # the grid around lost the strip's 10 m², no building moved or was touched
    assert shapely.area(shapely.coverage_union_all(out[RING])) == 800 - 10 * CORRIDOR_M
    houses = _houses_in_cells()
    assert all(shapely.contains(out[f], houses[f]) for f in range(9))


def test_the_grids_numbers_do_not_change_the_corridor() -> None:
    # a stored plan's grids are numbered otherwise when its cells are rebuilt (its micro
    # grids across all parents)
    a, _ = carve_corridors(_cells(), _labels(1, 0), np.arange(9), _houses_in_cells())
    micro = 5000 - 7 * np.arange(9)
    b, _ = carve_corridors(_cells(), _labels(0, 1), micro, _houses_in_cells())
    assert all(_same(x, y) for x, y in zip(a, b, strict=True))


def test_a_house_near_the_shortest_edge_sends_the_strip_along_the_next() -> None:
    # a house 0.8 m below the edge (0, 10) - (10, 10): a strip there would pass it at 0.3 m,
    # under the 0.5 m kept clear; the next edge in order is (10, 20) - (0, 20), between 3 and 6
    houses = np.append(_houses_in_cells(), shapely.box(4, 8.6, 6, 9.2))
    out, left = carve_corridors(_cells(), _labels(1, 0), np.arange(9), houses)
    assert left == []
    half = CORRIDOR_M / 2
    assert _same(out[0], _cells()[0])
    assert _same(out[3], shapely.box(0, 10, 10, 20 - half))
    assert _same(out[6], shapely.box(0, 20 + half, 10, 30))
    assert _same(
        out[4], shapely.box(10, 10, 20, 20).union(shapely.box(0, 20 - half, 10, 20 + half))
    )
    _holds(out, _labels(1, 0))


def test_the_strip_runs_between_two_micro_grids_rather_than_through_one() -> None:
    # the left column (0, 3, 6) is one micro grid: a strip along (0, 10) - (10, 10) would cut
    # it in two, so it runs from (10, 10) down to (10, 0), between micro grids of 0 and 1
    micro = np.asarray([0, 1, 1, 0, 4, 2, 0, 3, 2], dtype=np.int64)
    out, left = carve_corridors(_cells(), _labels(1, 0), micro, _houses_in_cells())
    assert left == []
    half = CORRIDOR_M / 2
    assert _same(out[0], shapely.box(0, 0, 10 - half, 10))
    assert _same(out[1], shapely.box(10 + half, 0, 20, 10))
    assert _same(
        out[4], shapely.box(10, 10, 20, 20).union(shapely.box(10 - half, 0, 10 + half, 10))
    )
    _holds(out, micro)


def test_a_micro_grid_enclosed_within_its_basic_grid_gets_its_corridor() -> None:
    # one basic grid; the middle cell a micro grid of its own inside the micro grid around it
    basic, micro = np.zeros(9, dtype=np.int64), _labels(1, 0)
    out, left = carve_corridors(_cells(), basic, micro, _houses_in_cells())
    assert left == []
    half = CORRIDOR_M / 2
    assert _same(
        out[4], shapely.box(10, 10, 20, 20).union(shapely.box(0, 10 - half, 10, 10 + half))
    )
    _holds(out, micro)


def test_the_parents_own_hole_is_left_as_it_is() -> None:
    # no middle cell: the ring's hole holds no cell of the parent
    cells = _cells()[RING]
    out, left = carve_corridors(
        cells, np.zeros(8, dtype=np.int64), np.arange(8), _houses_in_cells()[RING]
    )
    assert left == []
    assert all(_same(x, y) for x, y in zip(out, cells, strict=True))


def test_no_way_out_clear_of_the_buildings_is_said_and_nothing_changes() -> None:
    # a shed on each of the eight edges from the middle cell's corners to the outline
    sheds = [(10, 5), (20, 5), (5, 10), (25, 10), (5, 20), (25, 20), (10, 25), (20, 25)]
    houses = np.append(_houses_in_cells(), [shapely.Point(x, y).buffer(0.2) for x, y in sheds])
    out, left = carve_corridors(_cells(), _labels(3, 7), np.arange(9), houses)
    assert left == [Enclosed("basic", 7, (3,))]  # in the caller's numbers
    assert all(_same(x, y) for x, y in zip(out, _cells(), strict=True))


def _roads(ring: shapely.Geometry) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"road_id": ["R1"], "road_class": ["secondary"]}, geometry=[ring.exterior], crs=UTM
    )


def _no_holes(plan_grids: gpd.GeoDataFrame) -> bool:
    return int(shapely.get_num_interior_rings(plan_grids.geometry.to_numpy()).sum()) == 0


def test_a_tower_of_a_micro_band_enclosed_by_one_micro_grid_gets_its_corridor() -> None:
    # one basic grid of 402 households: 96 houses of 3 outside a road ring, 8 of 2 inside it
    # around a building of 50 (over the micro band's 30): the 8 houses (16) can only be one
    # micro grid, ringing the building's; it reaches the road through the gap instead of
    # sharing that grid (which had 66 households and 9 buildings before)
    rows = []
    for name, hh, geom in _houses(11, 11, 3):
        r, c = map(int, name[1:].split("-"))
        if (r, c) != (5, 5):
            rows.append((name, 2 if 4 <= r <= 6 and 4 <= c <= 6 else hh, geom))
    rows.append(("T", 50, shapely.box(X0 + 290, Y0 + 290, X0 + 302, Y0 + 302)))
    ring = shapely.box(X0 + 215, Y0 + 215, X0 + 377, Y0 + 377)
    plan = partition_plan(_community(), _buildings(rows), roads=_roads(ring))
    micro = plan.grids["micro"]
    tower = micro[micro.households == 50]
    assert tower.buildings.tolist() == [1]
    assert _no_holes(micro) and _no_holes(plan.grids["basic"])
    report = plan.report["micro"]
    assert report["over_band_building_shared"] == 0
    assert report["enclaves_joined_out_of_band"] == []
    # the tower's grid: its cell (50 m square) and a strip of 1 m from it to the road
    assert 2500 < float(tower.area.iloc[0]) < 2500 + 100 * CORRIDOR_M
    assert shapely.intersects(tower.geometry.iloc[0], ring.exterior)


def test_a_stored_plans_units_have_the_corridor_of_its_grids() -> None:
    # the units a draft editor moves are rebuilt for a stored plan (``plans.units``) from
    # grids numbered otherwise: the same corridors are cut, so each micro grid is exactly the
    # union of its units, the tower's strip with the tower's unit
    buildings, roads = _tower_in_a_block()
    community = _community()
    plan = partition_plan(community, buildings, roads=roads)
    units = plan_units(
        community, buildings, plan.grids["micro"], basic=plan.grids["basic"], barriers=[roads]
    )
    micro = plan.grids["micro"].to_crs(units.crs)
    assert (micro.households == 600).sum() == 1
    for code, geom in zip(micro["code"], micro.geometry, strict=True):
        cells = units.geometry.to_numpy()[units["micro_code"].to_numpy() == code]
        again = shapely.coverage_union_all(cells) if len(cells) > 1 else cells[0]
        assert shapely.equals_exact(shapely.normalize(geom), shapely.normalize(again), 1e-9)
