"""Block exchanges judged by convexity (issue 12, item 5: no grid wraps around a
neighbour): small hand-made grids of road blocks, values worked out on paper."""

from __future__ import annotations

import numpy as np
import pytest
from _block_grid import SIDE, block_graph

from geogrid.partition._graph import Graph
from geogrid.partition._refine import concavity
from geogrid.partition._repair import Repair
from geogrid.partition._shape_moves import reshape
from geogrid.partition.balance import split
from geogrid.partition.bands import Band


def _blocks(cols: int, rows: int, households: int) -> Graph:
    return block_graph(cols, rows, households)[0]


BAND = Band(300, 500, 400)


def test_concavity_of_an_l_of_three_blocks() -> None:
    # area 3 s², hull 3.5 s² (the missing corner's half): (3.5 - 3) s² / (√3.5 s) = 0.2673 s
    assert concavity(3 * SIDE**2, 3.5 * SIDE**2) == pytest.approx(26.73, abs=0.01)
    assert concavity(3 * SIDE**2, 3 * SIDE**2) == pytest.approx(0.0)


def test_an_l_and_its_complement_become_two_bars() -> None:
    # 3 x 2 blocks of 130 households: only 3 + 3 lies in 300-500. An L {0, 1, 3} and its
    # complement {2, 4, 5} cut 300 m of road, as the two rows do: the cut cannot tell them
    # apart, one block moved breaks the band, a swap of blocks 3 and 2 makes two bars.
    graph = _blocks(3, 2, 130)
    repair = Repair(graph, np.asarray([0, 0, 1, 0, 1, 1], dtype=np.int64), BAND)
    reshape(repair, graph.block.tolist())  # type: ignore[union-attr]
    rows = sorted(sorted(u for u in range(6) if repair.labels[u] == g) for g in (0, 1))
    assert rows == [[0, 1, 2], [3, 4, 5]]
    assert repair.pw == [390, 390]


def test_split_of_six_blocks_gives_two_rows() -> None:
    labels = split(_blocks(3, 2, 130), 2, BAND)
    assert sorted(map(sorted, [np.flatnonzero(labels == g).tolist() for g in (0, 1)])) == [
        [0, 1, 2],
        [3, 4, 5],
    ]


def test_split_of_a_two_by_four_gives_two_by_two_squares_not_ls() -> None:
    # 4 x 2 blocks of 100 households, two grids of 400: the 2 x 2 squares {0, 1, 4, 5} and
    # {2, 3, 6, 7} (cut 200 m, convex); rows would cut 400 m, an L and its complement 300 m
    labels = split(_blocks(4, 2, 100), 2, BAND)
    parts = sorted(sorted(np.flatnonzero(labels == g).tolist()) for g in (0, 1))
    assert parts == [[0, 1, 4, 5], [2, 3, 6, 7]]


def test_a_u_around_its_neighbour_gives_it_the_empty_corners() -> None:
    # 3 x 2 blocks: top row 0 (empty), 1 (300 households), 2 (empty); bottom row 110 each.
    # Part 0 is the U {0, 2, 3, 4, 5} (330) around block 1 (300): moving the empty corners
    # keeps both in band and cuts the same 300 m of road; the U's concavity goes from
    # (6 - 5) s² / √6 s = 40.8 m to 0, the neighbour's stays 0: two rows.
    graph = _blocks(3, 2, 110)
    graph.weight[:3] = [0, 300, 0]
    repair = Repair(graph, np.asarray([0, 1, 0, 0, 0, 0], dtype=np.int64), BAND)
    reshape(repair, graph.block.tolist())  # type: ignore[union-attr]
    assert repair.labels == [1, 1, 1, 0, 0, 0]
    assert repair.pw == [330, 300]
