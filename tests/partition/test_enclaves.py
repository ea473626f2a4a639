"""A dense block wrapped by a sparse grid (issue 12, item 5: no grid wraps around a
neighbour): the enclave is freed at its price, a village of the same shape is not, and a
division drawn outside the split (``_local.mend``, the exact search) is freed as well. Values
worked out on paper."""

from __future__ import annotations

import numpy as np
from _block_grid import block_graph

from geogrid.partition._graph import Graph
from geogrid.partition._repair import Repair
from geogrid.partition._wrap_moves import free_wraps
from geogrid.partition.balance import unwrap
from geogrid.partition.bands import Band

BAND = Band(300, 500, 400)
THROUGH_BLOCK = 1.0  # cost per metre of a cut between the pieces of one block
ROAD = 0.05  # along a local road
WRAPPED = [0, 1, 0, 0, 0, 0]  # grid 0 holds a U around node 1 (grid 1)


def _enclave(side: float) -> Graph:
    """3 x 2 squares of ``side`` m, node ``r * 3 + c`` (row 0 at the bottom): a dense block of
    400 households at the bottom middle (node 1), three blocks of 120 above it (3, 4, 5), and
    two pieces of empty land (0 and 2) in the blocks of 3 and 5, so a cut between 0 and 3 or 2
    and 5 goes through a block (1 a metre); every other cut runs along a road (0.05)."""
    graph, _ = block_graph(3, 2, {1: 400, 3: 120, 4: 120, 5: 120}, side=side)
    inside = {(0, 3), (3, 0), (2, 5), (5, 2)}
    src = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    per_m = [
        THROUGH_BLOCK if (u, v) in inside else ROAD
        for u, v in zip(src.tolist(), graph.indices.tolist(), strict=True)
    ]
    block = np.asarray([0, 1, 2, 0, 3, 2], dtype=np.int64)
    return Graph(
        graph.indptr, graph.indices, np.asarray(per_m) * side, graph.weight, block, graph.places
    )


def test_an_enclave_takes_the_empty_land_beside_it() -> None:
    # Side 100 m. The U (360 households, 5 ha in a 6 ha hull) around the dense block (400)
    # costs 15 of cut along roads, a concavity of 1 ha / √6 ha = 40.8, 2 x 100 x (1 - 5/6)
    # = 33.3 of convexity lost (RATIO_W x √(1 ha of the smaller part)) and one wrap. Giving
    # the block both pieces of empty land makes two 300 x 100 m bars (360 / 400) at a cut of
    # 100 + 5 + 100 = 205 through the blocks of 3 and 5, and frees it. At one √(1 ha) = 100 a
    # wrap (89.2 + 100 < 205) the U stays; as an enclave (under 200 m across) a wrap costs
    # two (89.2 + 200 = 289.2 > 205), so the block is freed.
    repair = Repair(_enclave(100.0), np.asarray(WRAPPED, dtype=np.int64), BAND)
    assert free_wraps(repair) == 1
    assert repair.labels == [1, 1, 1, 0, 0, 0]
    assert repair.pw == [360, 400]


def test_a_village_of_the_same_shape_stays_wrapped() -> None:
    # Three times larger (side 300 m): the cut 615 against 45 + 122.5 + 100 = 267.5 and one
    # wrap at √(9 ha) = 300 (over 200 m: no enclave), 567.5 < 615: the fields are not cut.
    repair = Repair(_enclave(300.0), np.asarray(WRAPPED, dtype=np.int64), BAND)
    assert free_wraps(repair) == 0
    assert repair.labels == WRAPPED


def test_a_division_drawn_outside_the_split_is_freed() -> None:
    # the same U, as mend or the exact search might leave it: the split's last moves free it
    labels = unwrap(_enclave(100.0), np.asarray(WRAPPED, dtype=np.int64), BAND)
    assert labels.tolist() == [1, 1, 1, 0, 0, 0]
