"""Micro grids within each basic grid, and both levels drawn with no grid enclosed by another.

``drawn_grids`` is the engine's step from the basic division to the cells as drawn: it divides
each basic grid into micro grids, draws the cells (``drawn.drawn_cells``: straight lines through
blocks, a corridor to each enclosed grid) and, where no corridor can be drawn, joins the
enclosed grid to the grid around it (``_holes.join_enclosed``, as ``fill_holes`` would have:
a hole is worse than a band miss, and the report lists it) and draws again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from geogrid.partition._holes import fill_holes, join_enclosed
from geogrid.partition.balance import Graph
from geogrid.partition.bands import Band
from geogrid.partition.divide import divide
from geogrid.partition.drawn import drawn_cells
from geogrid.partition.exemptions import exemption_reasons
from geogrid.partition.units import Units

if TYPE_CHECKING:
    from geogrid.partition.parent import ParentInput

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Grids:
    """The grids of one level of one parent: grid of each node (building group), and per grid
    whether it is exempt, took an enclave beyond the band, and why it is exempt ("" if not)."""

    of_node: IntArray
    exempt: BoolArray
    over: BoolArray
    why: list[str]


@dataclass(frozen=True)
class Micro:
    """Micro grids (numbered across the parent, each basic grid's together, in order) and the
    notes of the basic grids whose households fit no division into the micro band."""

    grids: Grids
    notes: list[dict[str, Any]]


def micro_grids(
    graph: Graph, basic_of_node: IntArray, edge: BoolArray, band: Band, seed: int
) -> Micro:
    """Each basic grid divided into micro grids; ``edge``: nodes on the parent's outline."""
    micro_of_node = np.full(graph.n, -1, dtype=np.int64)
    exempt: list[bool] = []
    over: list[bool] = []
    notes: list[dict[str, Any]] = []
    src = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    crosses = basic_of_node[src] != basic_of_node[graph.indices]
    rim = edge | (np.bincount(src[crosses], minlength=graph.n) > 0)
    for b in range(int(basic_of_node.max()) + 1):
        nodes = np.flatnonzero(basic_of_node == b)
        sub = graph.subgraph(nodes)
        mdiv = divide(sub, band, seed=seed, what="building")
        labels, flags, joined = fill_holes(
            sub, mdiv.labels, mdiv.exempt, rim[nodes], band, leave_heavy=True
        )
        micro_of_node[nodes] = labels + len(exempt)
        exempt.extend(flags.tolist())
        over.extend(joined.tolist())
        if mdiv.reasons:
            notes.append({"basic_index": b, "reasons": mdiv.reasons})
    flags = np.asarray(exempt, dtype=bool)
    why = micro_reasons(graph, basic_of_node, micro_of_node, flags, band)
    return Micro(Grids(micro_of_node, flags, np.asarray(over, dtype=bool), why), notes)


def micro_reasons(
    graph: Graph, basic_of_node: IntArray, micro_of_node: IntArray, exempt: BoolArray, band: Band
) -> list[str]:
    """Each micro grid's exemption reason, judged within its basic grid."""
    why: list[str] = []
    for b in range(int(basic_of_node.max()) + 1):
        nodes = np.flatnonzero(basic_of_node == b)
        first = int(micro_of_node[nodes].min())
        labels = micro_of_node[nodes] - first
        flags = exempt[first : first + int(labels.max()) + 1]
        why.extend(exemption_reasons(graph.subgraph(nodes), labels, flags, band))
    return why


def drawn_grids(
    item: ParentInput,
    units: Units,
    graph: Graph,
    edge: BoolArray,
    basic: Grids,
    *,
    bands: tuple[Band, Band],
    seed: int,
    basic_why: Callable[[IntArray, BoolArray], list[str]],
    locked: Callable[[IntArray], set[int]],
    lap: Callable[[str], None],
) -> tuple[Units, Grids, Micro]:
    """The units with their cells as drawn, and the basic and micro grids, none enclosed but
    by or around a locked grid.

    ``basic``: the basic division (its ``why`` recomputed by ``basic_why`` from labels and
    exempt flags when a join changes it); ``locked``: the basic grids (of given labels) never
    joined to another (institutions' own: ``fill_holes`` leaves them too); ``lap``: the
    engine's clock, told when the micro division and the drawing are done."""
    micro = micro_grids(graph, basic.of_node, edge, bands[1], seed)
    lap("micro")
    while True:
        basic_of_face, micro_of_face = basic.of_node[units.group], micro.grids.of_node[units.group]
        cells, left = drawn_cells(item, units.geoms, basic_of_face, micro_of_face)
        lap("straighten")
        kept = locked(basic.of_node)
        left = [e for e in left if e.level == "micro" or not kept.intersection([e.outer, *e.inner])]
        if not left:
            return replace(units, geoms=cells), basic, micro
        first = left[0]
        if first.level == "basic":
            basic = _join(graph, basic, first.outer, list(first.inner), bands[0])
            basic = replace(basic, why=basic_why(basic.of_node, basic.exempt))
            micro = micro_grids(graph, basic.of_node, edge, bands[1], seed)
        else:
            grids = _join(graph, micro.grids, first.outer, list(first.inner), bands[1])
            why = micro_reasons(graph, basic.of_node, grids.of_node, grids.exempt, bands[1])
            micro = replace(micro, grids=replace(grids, why=why))
        lap("micro")


def _join(graph: Graph, grids: Grids, outer: int, inner: list[int], band: Band) -> Grids:
    """``inner`` joins ``outer`` (each step removes a grid, so the drawing loop ends)."""
    labels, exempt, over = join_enclosed(
        graph, grids.of_node, grids.exempt, grids.over, outer, inner, band
    )
    return Grids(labels, exempt, over, grids.why)
