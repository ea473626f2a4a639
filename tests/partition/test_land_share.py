"""Empty land shared out after the households are placed (issue 12, item 5: no grid wraps
around a neighbour), and the road-proximity share of the quality report. Small hand-made
grids of 100 m road blocks; values worked out on paper."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _block_grid import block_graph

from geogrid.partition._geometry import union_groups, wraps_around
from geogrid.partition._land_share import nearest_grid, share_empty_land
from geogrid.partition._repair import Repair
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


def test_empty_blocks_go_to_the_nearest_populated_block() -> None:
    # from block 6: 5, 7, 1, 11 at 100 m, 0, 2, 10, 12 at 200 m (two steps of 100 m);
    # from block 9: 4, 8, 14 at 100 m, 3, 13 at 200 m; 3 is 300 m from 6, 2 is 300 m from 9
    graph, _ = block_graph(5, 3, NOTCH)
    repair = Repair(graph, np.asarray([0 if u == 6 else 1 for u in range(15)]), BAND)
    assert nearest_grid(repair) == [0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1]


def test_sharing_the_empty_land_frees_the_notch() -> None:
    graph, geoms = block_graph(5, 3, NOTCH)
    repair = Repair(graph, np.asarray([0 if u == 6 else 1 for u in range(15)]), BAND)
    assert share_empty_land(repair)
    # a 3 x 3 square and a 2 x 3 bar, both convex, 300 m of road between them (was 400 m)
    assert repair.labels == [0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1]
    assert repair.pw == [400, 400]  # households do not move: band state as it was
    assert _wraps(geoms, repair.labels) == []


def test_split_leaves_no_grid_wrapping_in_the_notch_case() -> None:
    # the whole split with the move in it (METIS alone finds this split too: the move's own
    # behaviour is asserted by the tests above)
    graph, geoms = block_graph(5, 3, NOTCH)
    labels = split(graph, 2, BAND).tolist()
    assert sorted(np.bincount(labels, weights=graph.weight).tolist()) == [400, 400]
    assert _wraps(geoms, labels) == []


def test_empty_land_linking_a_grid_stays_with_it() -> None:
    # 3 x 3 blocks: grid 1 holds 200 households in each of blocks 0 and 8, joined only by
    # the empty ring around block 4 (grid 0, 400 households). Blocks 1, 3, 5, 7 are nearest
    # to block 4, but grid 1 must stay one piece: at least one side of the ring stays in it.
    graph, _ = block_graph(3, 3, {0: 200, 4: 400, 8: 200})
    repair = Repair(graph, np.asarray([0 if u == 4 else 1 for u in range(9)]), BAND)
    share_empty_land(repair)
    ring = [u for u in range(9) if repair.labels[u] == 1]
    assert repair.pw == [400, 400]
    assert {0, 8} <= set(ring)
    assert repair.connected_without(1, set())


def test_land_is_not_shared_where_that_lengthens_the_cut() -> None:
    # 4 x 1 blocks, households in 0 (grid 0) and 3 (grid 1); grid 0 also holds the empty 1
    # and 2: block 2 is nearer block 3, and moving it only shifts the line by one block
    # (cut 100 m either way, both bars convex): no gain, nothing moves
    graph, _ = block_graph(4, 1, {0: 400, 3: 400})
    repair = Repair(graph, np.asarray([0, 0, 0, 1]), BAND)
    assert not share_empty_land(repair)
    assert repair.labels == [0, 0, 0, 1]


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
