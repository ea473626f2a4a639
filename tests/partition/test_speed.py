"""The speed work of issue 12 keeps results: each faster path against the value written out.

Settlements, the coordinate dedupe of the linework and the cached sums of ``Repair`` are
checked on hand-built inputs (metres), small enough to work out on paper.
"""

from __future__ import annotations

import numpy as np
import shapely

from geogrid.partition._geometry import _hull_holds_half
from geogrid.partition._graph import Graph, _group_hulls
from geogrid.partition._linework import near_outline, unique_xy
from geogrid.partition._repair import Repair
from geogrid.partition.bands import Band
from geogrid.partition.settlements import settlements


def test_settlements_join_footprints_whose_edges_are_near_though_their_corners_are_far() -> None:
    # two 200 m long bars 30 m apart side by side, their first corners 200 m apart (one bar
    # runs east from x=0, the other west from x=200): within 60 m only edge to edge; a third
    # bar 100 m further north is alone; an empty footprint is alone too
    east = shapely.Polygon([(0, 0), (200, 0), (200, 10), (0, 10)])
    west = shapely.Polygon([(200, 40), (0, 40), (0, 50), (200, 50)])
    far = shapely.box(0, 150, 200, 160)
    feet = np.asarray([far, east, shapely.Polygon(), west], dtype=object)
    # numbered by first footprint: far 0, east and west 1, the empty one 2
    assert settlements(feet, gap_m=60.0).tolist() == [0, 1, 2, 1]
    assert settlements(feet, gap_m=29.0).tolist() == [0, 1, 2, 3]
    assert settlements(feet, gap_m=100.0).tolist() == [0, 0, 1, 0]


def test_unique_xy_sorts_by_x_then_y_and_counts() -> None:
    xy = np.array([[2.0, 1.0], [1.0, 5.0], [2.0, 1.0], [1.0, -3.0], [-0.0, 0.0], [0.0, 0.0]])
    rows, count, inverse = unique_xy(xy)
    assert rows.tolist() == [[0.0, 0.0], [1.0, -3.0], [1.0, 5.0], [2.0, 1.0]]
    assert count.tolist() == [2, 1, 1, 2]
    assert inverse.tolist() == [3, 2, 3, 1, 0, 0]


def test_near_outline_measures_to_every_ring_of_the_parent() -> None:
    # a 100 m square with a 20 m square hole in the middle (40..60): lines 4 cm and 6 cm inside
    # the outer ring, 3 cm from the hole, and one 10 m from both
    parent = shapely.Polygon(
        [(0, 0), (100, 0), (100, 100), (0, 100)], [[(40, 40), (60, 40), (60, 60), (40, 60)]]
    )
    lines = np.asarray(
        [
            shapely.LineString([(10, 0.04), (90, 0.04)]),
            shapely.LineString([(10, 0.06), (90, 0.06)]),
            shapely.LineString([(50, 39.97), (50, 20)]),
            shapely.LineString([(10, 10), (30, 10)]),
        ],
        dtype=object,
    )
    outline = shapely.boundary(parent)
    assert near_outline(lines, outline, 0.05).tolist() == [True, False, True, False]
    assert near_outline(lines, outline, 10.0).tolist() == [True, True, True, True]
    assert near_outline(lines, outline, 9.9).tolist() == [True, True, True, False]


def _path(n: int, weight: list[int]) -> Graph:
    """Units 0..n-1 in a row, edge u-(u+1) costing u+1."""
    src = np.r_[np.arange(n - 1), np.arange(1, n)]
    dst = np.r_[np.arange(1, n), np.arange(n - 1)]
    cost = np.r_[np.arange(1, n), np.arange(1, n)].astype(float)
    order = np.lexsort((dst, src))
    indptr = np.r_[0, np.cumsum(np.bincount(src, minlength=n))]
    return Graph(indptr, dst[order], cost[order], np.asarray(weight, dtype=np.int64))


def test_repair_sums_follow_moves() -> None:
    graph = _path(5, [1, 1, 1, 1, 1])
    repair = Repair(graph, np.array([0, 0, 1, 1, 1]), Band(lo=1, hi=9, target=2))
    assert repair.sums(1) == (1.0, {1: 2.0})  # edge 0-1 (cost 1) inside, 1-2 (cost 2) out
    assert repair.sums(2) == (3.0, {0: 2.0})
    repair.move(2, 0)  # unit 2 joins part 0: its own and its neighbours' sums change
    assert repair.sums(1) == (3.0, {})
    assert repair.sums(2) == (2.0, {1: 3.0})
    assert repair.sums(3) == (4.0, {0: 3.0})
    assert repair.sums(4) == (4.0, {})


def test_repair_balance_moves_the_cheapest_unit_into_the_band() -> None:
    # part 0 holds units 0-1 (2 households), part 1 units 2-4 (6): band 3-5; moving unit 2
    # (2 households) to part 0 brings both into band (4 and 4), unit 1 the other way would
    # leave both further out (1 and 7)
    graph = _path(5, [1, 1, 2, 2, 2])
    repair = Repair(graph, np.array([0, 0, 1, 1, 1]), Band(lo=3, hi=5, target=4))
    repair.balance()
    assert repair.labels == [0, 0, 0, 1, 1]
    assert repair.pw == [4, 4]


def test_repair_penalty_and_pieces_by_hand() -> None:
    # band 3-5: 1 household is 2 below, 4 in band, 8 three above; a band of 5-3 (lo above hi)
    # counts both sides, as max(0, lo - x) + max(0, x - hi) did
    graph = _path(5, [1, 1, 2, 2, 2])
    repair = Repair(graph, np.array([0, 1, 0, 1, 1]), Band(lo=3, hi=5, target=4))
    assert [repair.pen(x) for x in (1, 3, 4, 5, 8)] == [2, 0, 0, 0, 3]
    assert Repair(graph, np.zeros(5, dtype=np.int64), Band(5, 3, 4)).pen(4) == 2
    # part 0 (units 0 and 2, 3 households) is in two pieces; 1 + 2 -> 3 and 4 -> 5 keep the
    # band, 4 households more in part 0 (7) would leave it
    assert repair._pieces(0) == [[0], [2]]
    assert repair.band_kept(0, 0, 1) and not repair.band_kept(4, 1, 0)
    # the lighter piece of part 0 (unit 0) joins part 1; then part 1's lighter piece (units
    # 0-1, 2 households against 3-4's 4) joins part 0
    repair.connect()
    assert repair.labels == [0, 0, 0, 1, 1]
    assert not repair.connected_without(0, {1}) and repair.connected_without(0, {2})
    assert not repair.connected_without(1, {3, 4})


def test_hull_holds_half_answers_as_the_overlay_does_on_each_shortcut() -> None:
    # a 10 x 10 hull and squares of 100 m²: inside it (covered: in), half inside (the overlay:
    # 50 / 100 is exactly the share, in), 40 % inside (the overlay: out), its box meeting the
    # hull's box on a 2 m strip (20 m² at most: out without an overlay), far away (out); and a
    # 6 x 6 square inside the box of a triangle hull, 2 m² of it inside the triangle (out)
    square = shapely.box(0, 0, 10, 10)
    triangle = shapely.Polygon([(0, 0), (10, 0), (0, 10)])
    geoms = np.asarray(
        [
            shapely.box(0, 0, 10, 10),
            shapely.box(5, 0, 15, 10),
            shapely.box(6, 0, 16, 10),
            shapely.box(8, 0, 18, 10),
            shapely.box(50, 50, 60, 60),
            shapely.box(4, 4, 10, 10),
        ],
        dtype=object,
    )
    hulls = np.asarray([square] * 5 + [triangle], dtype=object)
    assert _hull_holds_half(hulls, geoms).tolist() == [True, True, False, False, False, False]


def test_group_hulls_keep_a_lone_node_hull_and_build_the_others() -> None:
    # groups: 0 = two unit squares 2 m apart (hull 3 x 1), 1 = one triangle alone (kept as
    # it is), 2 = a node without points (None), 3 = a lone point repeated (a point hull)
    a, b = shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1)
    tri = shapely.Polygon([(5, 5), (6, 5), (5, 6)])
    hulls = np.asarray([a, tri, shapely.Polygon(), b, shapely.Point(9, 9)], dtype=object)
    out = _group_hulls(hulls, np.array([0, 1, 2, 0, 3]), 4)
    assert out[0].normalize().wkt == "POLYGON ((0 0, 0 1, 3 1, 3 0, 0 0))"
    assert out[1] is tri
    assert out[2] is None
    assert out[3].wkt == "POINT (9 9)"
