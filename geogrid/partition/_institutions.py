"""Institutions with grids of their own: schools, hospitals, ... when the caller asks for it.

An institution is a set of touching units holding buildings of one dedicated use, together with
every unit of the compound such a building stands in. Each becomes one basic grid, exempt from
the household band and listed in the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geogrid.partition.balance import Graph

IntArray = NDArray[np.int64]
INSTITUTION_USES = ("school", "hospital", "office", "commercial", "industrial")


@dataclass
class Institution:
    """The graph nodes of one institution, its use and how many of its buildings it holds."""

    use: str
    nodes: IntArray
    buildings: int


def institution_nodes(
    uses: NDArray[np.object_] | None,
    node_of_building: IntArray,
    graph: Graph,
    compound: IntArray,
    dedicated_uses: Sequence[str],
) -> list[Institution]:
    """The institutions among the buildings (none unless ``dedicated_uses`` names some)."""
    if uses is None or not dedicated_uses or len(uses) == 0:
        return []
    wanted = sorted(set(dedicated_uses))
    use = np.asarray([str(u) for u in uses], dtype=object)
    code = np.full(graph.n, -1, dtype=np.int64)
    for k, name in enumerate(wanted):
        hit = node_of_building[use == name]
        code[hit] = np.where(code[hit] < 0, k, np.minimum(code[hit], k))
    for c in np.unique(compound[(code >= 0) & (compound >= 0)]).tolist():
        members = compound == c
        code[members] = int(code[members & (code >= 0)].min())
    src = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    same = (code[src] >= 0) & (code[src] == code[graph.indices])
    m = csr_matrix(
        (np.ones(int(same.sum())), (src[same], graph.indices[same])), shape=(graph.n, graph.n)
    )
    _, cluster = connected_components(m, directed=False)
    dedicated_building = np.isin(use, wanted)
    out = []
    for c in np.unique(cluster[code >= 0]).tolist():
        nodes = np.flatnonzero((cluster == c) & (code >= 0)).astype(np.int64)
        count = int(np.isin(node_of_building[dedicated_building], nodes).sum())
        if count == 0:
            continue  # a piece of an institution's compound cut off from it: not an institution
        out.append(Institution(wanted[int(code[nodes[0]])], nodes, count))
    out.sort(key=lambda inst: int(inst.nodes.min()))
    return out


def dedicated_grids(
    grid_of_node: IntArray, institutions: list[Institution]
) -> list[tuple[int, str, int]]:
    """(grid index, use, buildings) of each institution's grid."""
    return [(int(grid_of_node[inst.nodes[0]]), inst.use, inst.buildings) for inst in institutions]
