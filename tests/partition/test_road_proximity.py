"""A dense grid in a notch of a sparse one that holds the empty land around it (issue 12,
item 5: no grid wraps around a neighbour), and the road-proximity share of the quality report.
Small hand-made grids of 100 m road blocks; values worked out on paper."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _block_grid import block_graph

from geogrid.partition._geometry import union_groups, wraps_around
from geogrid.partition._repair import Repair
from geogrid.partition._wrap_moves import free_wraps
from geogrid.partition.balance import split
from geogrid.partition.bands import Band
from geogrid.partition.engine import partition_plan
from geogrid.partition.quality import road_proximity

BAND = Band(300, 500, 400)


def _wraps(geoms: np.ndarray, labels: list[int]) -> list[tuple[int, int]]:
    grids = union_groups(geoms, np.asarray(labels, dtype=np.int64), max(labels) + 1)
    return wraps_around(grids, np.zeros(len(grids), dtype=object))


# 5 x 3 blocks; a dense grid (400 households in block 6) sits in a notch of a sparse one that
# holds all the empty land around it (its 400 households in block 9):
#   10 11 12 13 14
#    5 [6] 7  8 (9)
#    0  1  2  3  4
NOTCH = {6: 400, 9: 400}


def test_the_sparse_grid_wraps_the_dense_one_before() -> None:
    _, geoms = block_graph(5, 3, NOTCH)
    labels = [0 if u == 6 else 1 for u in range(15)]
    assert _wraps(geoms, labels) == [(1, 0)]


def test_the_straight_cut_re_division_frees_the_notch() -> None:
    # the pair re-divided by a straight cut through its units (``_wrap_moves``): between
    # columns 3 and 4, a 4 x 3 block with block 6 and a 1 x 3 bar with block 9, both convex,
    # 300 m of road between them (was 400 m around block 6); households do not move
    graph, geoms = block_graph(5, 3, NOTCH)
    repair = Repair(graph, np.asarray([0 if u == 6 else 1 for u in range(15)]), BAND)
    assert free_wraps(repair, graph.block) == 1
    assert repair.labels == [0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]
    assert repair.pw == [400, 400]
    assert _wraps(geoms, repair.labels) == []


def test_split_leaves_no_grid_wrapping_in_the_notch_case() -> None:
    # the whole split (METIS alone finds a split without a wrap here; the move's own behaviour
    # is asserted above)
    graph, geoms = block_graph(5, 3, NOTCH)
    labels = split(graph, 2, BAND).tolist()
    assert sorted(np.bincount(labels, weights=graph.weight).tolist()) == [400, 400]
    assert _wraps(geoms, labels) == []


def test_road_proximity_counts_internal_boundary_near_roads_and_rivers_apart() -> None:
    # a 300 x 100 parent in three 100 x 100 grids: 200 m of internal boundary (x = 100 and
    # x = 200). A road runs 2 m beside x = 100 along its whole length, a river 3 m beside
    # x = 200; a second road runs 4 m outside the parent's outline (y = -4): the outline
    # beside it is not counted, only the first metre of x = 200 (y 0-1, within 5 m).
    # Roads: (100 + 1) / 200; rivers: 100 / 200.
    parent = shapely.box(0, 0, 300, 100)
    grids = np.asarray([shapely.box(x, 0, x + 100, 100) for x in (0, 100, 200)], dtype=object)
    roads = np.asarray(
        [shapely.LineString([(102, -20), (102, 120)]), shapely.LineString([(-20, -4), (320, -4)])],
        dtype=object,
    )
    river = np.asarray([shapely.LineString([(197, -20), (197, 120)])], dtype=object)
    out = road_proximity([grids], [parent], roads, river)
    assert out["internal_boundary_m"] == pytest.approx(200.0)
    assert out["road_proximity_share"] == pytest.approx(0.505, abs=1e-4)
    assert out["river_proximity_share"] == pytest.approx(0.5, abs=1e-4)


def test_road_proximity_counts_a_road_part_way_along_a_boundary() -> None:
    # two grids of a 200 x 100 parent: the internal line x = 100 is 100 m; a road 4 m beside
    # it from y = -20 up to y = 30 and then straight away east (y = 30 for x >= 104): the line
    # lies within 5 m up to y = 33 (3 m above the corner: 4² + 3² = 5²). 33 / 100
    parent = shapely.box(0, 0, 200, 100)
    grids = np.asarray([shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)])
    road = np.asarray([shapely.LineString([(104, -20), (104, 30), (300, 30)])], dtype=object)
    out = road_proximity([grids], [parent], road, np.empty(0, dtype=object))
    assert out["road_proximity_share"] == pytest.approx(0.33, abs=0.005)
    assert out["river_proximity_share"] == 0.0


def test_the_engine_reports_the_share_of_boundary_beside_a_road() -> None:
    # a 200 x 100 m community cut in two by a road at x = 100, 4 buildings of 100 households
    # on each side: two basic grids (band 300-500) meeting on the road, 100 m of internal
    # boundary, all of it on the road; the outline's 600 m are left out
    crs = "EPSG:32651"  # near the zone's central meridian, where a metre is a metre
    x0, y0 = 500_000.0, 4_000_000.0
    parents = gpd.GeoDataFrame(
        {"code": ["370212001001"]}, geometry=[shapely.box(x0, y0, x0 + 200, y0 + 100)], crs=crs
    )
    homes = [
        shapely.box(x0 + x, y0 + y, x0 + x + 10, y0 + y + 10)
        for x in (20, 60, 130, 170)
        for y in (20, 70)
    ]
    buildings = gpd.GeoDataFrame({"households": [100] * 8}, geometry=homes, crs=crs)
    road = shapely.LineString([(x0 + 100, y0 - 50), (x0 + 100, y0 + 150)])
    roads = gpd.GeoDataFrame({"road_class": ["secondary"]}, geometry=[road], crs=crs)
    report = partition_plan(parents, buildings, roads=roads).report["basic"]
    assert report["count"] == 2
    assert report["internal_boundary_m"] == pytest.approx(100.0, abs=0.1)
    assert report["road_proximity_share"] == pytest.approx(1.0)
    assert report["river_proximity_share"] is None or report["river_proximity_share"] == 0.0
