"""Balanced, connected k-way division of a weighted unit graph.

pymetis gives the first split (contiguous, household weights, cheap cuts along barriers); then a
deterministic repair (``_repair``) makes every part one connected piece, moves boundary units
until every part lies in its band, moves units that shorten the cut without leaving the band,
moves whole road-block pieces so boundaries run along roads (``_block_moves``), exchanges
block pieces between neighbouring parts where that makes them more convex (``_shape_moves``),
re-divides each pair of parts where one wraps around the other by a straight cut through their
units, whole blocks or not (``_wrap_moves``), where that frees it, and last re-cuts
neighbouring parts together by a balanced minimum cut (``_recut``): pairs whose boundary
wanders through blocks, wrapping pairs with a third neighbour, and a part under 0.5 convexity
with a neighbour. The moves are one ordered list, ``REFINEMENT``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import pymetis
from numpy.typing import NDArray

from geogrid.partition._block_moves import snap_blocks
from geogrid.partition._graph import Graph
from geogrid.partition._recut import recut
from geogrid.partition._repair import Repair
from geogrid.partition._shape_moves import reshape
from geogrid.partition._wrap_moves import free_wraps
from geogrid.partition.bands import Band

__all__ = ["Graph", "split", "unwrap", "violations"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
UFACTOR_SHARE = 0.5
NCUTS = 4  # METIS tries this many initial cuts and keeps the cheapest: one can miss a road


def split(graph: Graph, k: int, band: Band, *, seed: int = 0) -> IntArray:
    """Labels 0..k'-1 (k' <= k) of a connected graph: connected parts, in band where possible."""
    k = min(k, int((graph.weight > 0).sum()))  # empty units cannot make a part on their own
    if k <= 1 or graph.n <= 1:
        return np.zeros(graph.n, dtype=np.int64)
    if graph.n <= k:
        return np.arange(graph.n, dtype=np.int64)
    labels = _metis(graph, k, seed, ufactor=_ufactor(graph, k, band))
    repair = Repair(graph, labels, band)
    for _, move in REFINEMENT:
        move(repair, graph)
    repair.connect()
    return _compact_labels(np.asarray(repair.labels, dtype=np.int64))


def unwrap(graph: Graph, labels: IntArray, band: Band) -> IntArray:
    """The re-division moves of the refinement (``REDIVISIONS``: wrapping pairs re-divided,
    neighbours re-cut) on a division drawn elsewhere: the regrown parts of ``_local.mend`` and
    an exact division are drawn by their cut alone, and a dense block left inside a sparse part
    stays wrapped (synthetic Laoshan 1x: 12 wraps, 10 with these moves). Labels 0..k'-1 of
    ``graph``'s nodes, in and out; every part keeps its band state and stays connected."""
    if graph.n <= 1 or int(labels.max()) == 0:
        return labels
    repair = Repair(graph, _compact_labels(labels), band)
    for name, move in REFINEMENT:
        if name in REDIVISIONS:
            move(repair, graph)
    repair.connect()
    return _compact_labels(np.asarray(repair.labels, dtype=np.int64))


def _band(repair: Repair, graph: Graph) -> None:
    repair.connect()
    repair.balance()
    if repair.dissolve_light():
        repair.balance()


def _units(repair: Repair, graph: Graph) -> None:
    repair.refine()


def _blocks(repair: Repair, graph: Graph) -> None:
    if graph.block is not None:
        snap_blocks(repair, graph.block.tolist())
        repair.refine()  # the single units again, around the blocks moved


def _shapes(repair: Repair, graph: Graph) -> None:
    if graph.block is not None:
        reshape(repair, graph.block.tolist())


def _wraps(repair: Repair, graph: Graph) -> None:
    free_wraps(repair, graph.block)


def _recut(repair: Repair, graph: Graph) -> None:
    recut(repair)


Move = Callable[[Repair, Graph], None]
# the refinement after METIS, in order; each move keeps every part connected and its band state
# no worse, and each but the first is judged by the objective of ``_refine``. What each adds
# (measured by leaving it out): benchmarks/README.md, "What each move of the refinement does"
REFINEMENT: Final[tuple[tuple[str, Move], ...]] = (
    ("band", _band),  # connected parts, in band where possible (``_repair``)
    ("units", _units),  # single units that shorten the cut (``_refine``)
    ("blocks", _blocks),  # whole road-block pieces, boundaries along roads (``_block_moves``)
    ("shapes", _shapes),  # arms of block pieces exchanged for convexity (``_shape_moves``)
    ("wraps", _wraps),  # wrapping pairs re-divided by straight cuts (``_wrap_moves``)
    ("recut", _recut),  # pairs and triples re-cut by a balanced minimum cut (``_recut``)
)
REDIVISIONS: Final = ("wraps", "recut")  # also run on divisions mend or the exact search drew


def violations(graph: Graph, labels: IntArray, band: Band) -> int:
    """How many parts of ``labels`` lie outside ``band``."""
    pw = np.bincount(labels, weights=graph.weight)
    return int(((pw < band.lo) | (pw > band.hi)).sum())


def _metis(graph: Graph, k: int, seed: int, *, ufactor: int = 1) -> IntArray:
    scale = 1000.0 / max(float(graph.cost.max()), 1e-9)
    eweights = np.maximum(np.round(graph.cost * scale), 1).astype(np.int64)
    vweights = graph.weight * 64 + 1  # empty units weigh a little: no part is left empty
    # recursive bisection: k-way METIS leaves parts empty on small graphs with heavy vertices
    options = pymetis.Options(seed=seed, ufactor=ufactor, niter=10, ncuts=NCUTS)
    _, parts = pymetis.part_graph(
        k,
        pymetis.CSRAdjacency(graph.indptr, graph.indices),
        vweights=vweights,
        eweights=eweights,
        recursive=True,
        options=options,
    )
    return np.asarray(parts, dtype=np.int64)


def _ufactor(graph: Graph, k: int, band: Band) -> int:
    """Imbalance METIS may use (per mille): part of the room the band leaves around the mean."""
    mean = float(graph.weight.sum()) / k
    if mean <= 0:
        return 1
    room = min(band.hi / mean - 1.0, 1.0 - band.lo / mean)
    return int(min(max(room * UFACTOR_SHARE * 1000, 1), 300))


def _compact_labels(labels: IntArray) -> IntArray:
    _, inv = np.unique(labels, return_inverse=True)
    return inv.astype(np.int64)
