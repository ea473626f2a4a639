"""A grid ringing a hole of its parent (another community inside it, say) is re-cut with a
neighbour so that no grid is under 0.5 convexity where the parent is above it (issue 12: a
held-back check). Values worked out on paper."""

from __future__ import annotations

import numpy as np
from _block_grid import block_graph

from geogrid.partition._recut import recut
from geogrid.partition._repair import Repair
from geogrid.partition._wrap_moves import Geo, members
from geogrid.partition.bands import Band

BAND = Band(300, 500, 400)
COLS, ROWS = 12, 7  # 100 m blocks; the hole: columns 1-5 of rows 1-5
HOLE = {r * COLS + c for r in range(1, 6) for c in range(1, 6)}
RING = {r * COLS + c for r in range(7) for c in range(7)} - HOLE  # columns 0-6 around it


def _parent_with_a_hole() -> tuple[Repair, list[int]]:
    """59 blocks (84 less the hole's 25): the ring of 24 blocks of 15 households (360) as
    one grid, the 35 blocks east of it (columns 7-11) of 12 (420) as the other."""
    graph, _ = block_graph(COLS, ROWS, {u: 15 if u in RING else 12 for u in range(COLS * ROWS)})
    kept = np.asarray(sorted(set(range(COLS * ROWS)) - HOLE), dtype=np.int64)
    sub = graph.subgraph(kept)
    labels = np.asarray([0 if int(u) in RING else 1 for u in kept], dtype=np.int64)
    return Repair(sub, labels, BAND), kept.tolist()


def _convexity(repair: Repair, geo: Geo, p: int) -> float:
    nodes = members(repair, p)
    return float(geo.area[nodes].sum()) / float(geo.hull(nodes.tolist()).area)


def test_a_ring_around_the_parents_hole_is_re_cut() -> None:
    repair, _ = _parent_with_a_hole()
    geo = Geo(repair)
    # before: the ring is 24 blocks in a 7 x 7 hull, 24 / 49 = 0.49; the parent 59 / 84 = 0.70
    assert round(_convexity(repair, geo, 0), 3) == 0.49
    assert repair.pw == [360, 420]
    assert recut(repair) >= 1
    # after: both grids at 0.5 or above, in band, each one piece, households kept (780)
    assert min(_convexity(repair, geo, p) for p in (0, 1)) >= 0.5
    assert sum(repair.pw) == 780 and all(300 <= w <= 500 for w in repair.pw)
    assert all(repair.connected_without(p, set()) for p in (0, 1))
