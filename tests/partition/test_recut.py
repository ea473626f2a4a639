"""Neighbouring grids re-cut together by a balanced minimum cut (issue 12: boundaries along
roads, short where they must cross a block): hand-made cells worked out on paper."""

from __future__ import annotations

import numpy as np
from _block_grid import block_graph

from geogrid.partition._recut import recut
from geogrid.partition._repair import Repair
from geogrid.partition.bands import Band

BAND = Band(300, 500, 400)
THROUGH_BLOCK = 1.0  # cost per metre of a cut between buildings of one block


def _staircase() -> Repair:
    # One 200 x 100 m block of 8 x 4 cells of 25 m, 25 households each (800). Grid 0 takes
    # 3, 4, 5 and 6 cells of rows 0-3 (450 households), grid 1 the rest (350): a staircase
    # boundary of 4 x 25 m up and 3 x 25 m across, 175 m through the block.
    graph, _ = block_graph(8, 4, 25, side=25.0, per_m=THROUGH_BLOCK)
    labels = np.asarray([0 if c < 3 + r else 1 for r in range(4) for c in range(8)], dtype=np.int64)
    return Repair(graph, labels, BAND)


def _cut(repair: Repair) -> float:
    return sum(
        c for u, nb in enumerate(repair.nbrs) for v, c in nb if repair.labels[u] < repair.labels[v]
    )


def test_a_staircase_through_a_block_becomes_a_straight_cut() -> None:
    repair = _staircase()
    assert _cut(repair) == 175.0
    assert recut(repair) == 1
    # the block halved by a straight line across it: 4 x 25 m = 100 m, 400 + 400 households
    assert _cut(repair) == 100.0
    assert sorted(repair.pw) == [400, 400]
    cols = {p: sorted({u % 8 for u in repair.members[p]}) for p in (0, 1)}
    assert sorted(cols.values()) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert all(len(repair.members[p]) == 16 for p in (0, 1))


def test_a_straight_cut_is_left_alone() -> None:
    graph, _ = block_graph(8, 4, 25, side=25.0, per_m=THROUGH_BLOCK)
    labels = [0 if c < 4 else 1 for r in range(4) for c in range(8)]
    repair = Repair(graph, np.asarray(labels, dtype=np.int64), BAND)
    assert recut(repair) == 0
    assert repair.labels == labels


def test_a_cheap_boundary_is_not_re_cut() -> None:
    # the same staircase along roads (0.05 a metre: 8.75 in all) costs under MIN_CUT: kept
    graph, _ = block_graph(8, 4, 25, side=25.0)
    labels = [0 if c < 3 + r else 1 for r in range(4) for c in range(8)]
    repair = Repair(graph, np.asarray(labels, dtype=np.int64), BAND)
    assert recut(repair) == 0
    assert repair.labels == labels
