"""Exact search for a connected division of a small unit graph within a band (HiGHS).

The split and its repairs are heuristics: on graphs of a few dozen heavy nodes (large
buildings of 100-400 households, where a band of 300-500 holds one to three of them) they can
leave parts out of band although a division within it exists, or fail to see that none does.

Heavy nodes are listed in every connected set they can form within the band (each set once, by
the ESU enumeration of Wernicke 2006, pruned at the band's upper end), and a set partition
(``scipy.optimize.milp``, HiGHS) picks sets that hold every heavy node exactly once. Light nodes
(a shed of 1-2 households, an empty cell) would multiply the sets without end, so they are
relaxed: two heavy nodes that touch one connected stretch of light nodes may share a set, a
set may count on all the households of the light stretches it touches to reach the band's lower
end, and the sets together on no more than all light households. Every connected division
within the band gives such a choice (its parts' heavy nodes), so when HiGHS proves there is
none, no connected division within the band exists. Without light nodes the choice *is* a
division, at the lowest cut cost. With them, a division is searched on the graph where each
light node joins a neighbour (``light_groups``): what it finds is a true division, but its
failure proves nothing.

Plain functions over a :class:`~geogrid.partition._graph.Graph`; deterministic (HiGHS with a
node limit; the time limit is a backstop a normal run does not meet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geogrid.partition._graph import Graph
from geogrid.partition.bands import Band

IntArray = NDArray[np.int64]
MAX_HEAVY = 150  # the search looks at graphs with up to this many heavy nodes ...
MAX_STEPS = 20_000  # ... whose connected sets within the band it lists in this many steps
LIGHT = 50  # a node lighter than band.lo / LIGHT is light (a shed, an empty cell)
NODE_LIMIT = 2_000  # branch-and-bound nodes per program
SECONDS = 5.0  # backstop per program
INFEASIBLE = 2  # scipy.optimize.milp's status when HiGHS proves there is no solution


@dataclass(frozen=True)
class Exact:
    """``labels``: a division (0..k-1 per node) with every part within the band, or None;
    ``proved_none``: no connected division within the band exists; ``sets``: how many
    connected sets within the band the proof chose from (0: the search did not run)."""

    labels: IntArray | None
    proved_none: bool
    sets: int


def exact_division(graph: Graph, band: Band) -> Exact:
    """A connected division of ``graph`` (one connected piece, no node over ``band.hi``) with
    every part within ``band``, or the proof that none exists, or neither (too large, or the
    division lies only where light nodes would have to part from the neighbour they joined).
    """
    light = graph.weight * LIGHT < band.lo
    if (~light).sum() > MAX_HEAVY or light.all():
        return Exact(None, False, 0)
    listed = _heavy_sets(graph, band, light)
    if listed is None:
        return Exact(None, False, 0)
    chosen, proved = _choose(graph, listed, exact=not light.any())
    if proved:
        return Exact(None, True, len(listed.sets))
    if chosen is not None and not light.any():
        return Exact(listed.labels(chosen, graph.n), False, len(listed.sets))
    group = light_groups(graph, band)
    small = graph.contract(group)
    coarse = _heavy_sets(small, band, np.zeros(small.n, dtype=bool))
    if coarse is None:
        return Exact(None, False, len(listed.sets))
    found, _ = _choose(small, coarse, exact=True)
    labels = None if found is None else coarse.labels(found, small.n)[group]
    return Exact(labels, False, len(listed.sets))


def light_groups(graph: Graph, band: Band) -> IntArray:
    """Group of each node: every light node joins the neighbour it shares the costliest edge
    with, heavy neighbours first, so that about the heavy nodes remain (chains of light nodes
    join the heavy node they lead to)."""
    n = graph.n
    light = graph.weight * LIGHT < band.lo
    src = np.repeat(np.arange(n), np.diff(graph.indptr))
    dst = graph.indices
    key = np.lexsort((-graph.cost, light[dst], src))  # per node: heavy first, then costliest
    order = src[key]
    starts = np.flatnonzero(np.r_[True, order[1:] != order[:-1]]) if len(order) else order
    first = np.full(n, -1, dtype=np.int64)
    first[order[starts]] = dst[key][starts]
    pick = np.flatnonzero(light & (first >= 0))
    m = csr_matrix((np.ones(len(pick)), (pick, first[pick])), shape=(n, n))
    _, group = connected_components(m, directed=False)
    return group.astype(np.int64)


@dataclass(frozen=True)
class _Listed:
    """Connected sets of heavy nodes within the band: members (heavy node numbers), heavy
    households, and the households they must borrow from light stretches to reach the band."""

    heavy: IntArray  # graph node of each heavy node
    sets: list[list[int]]
    deficit: NDArray[np.float64]
    light_total: float

    def labels(self, chosen: IntArray, n: int) -> IntArray:
        out = np.full(n, -1, dtype=np.int64)
        for part, j in enumerate(chosen.tolist()):
            out[self.heavy[self.sets[j]]] = part
        return out


def _heavy_sets(graph: Graph, band: Band, light: NDArray[np.bool_]) -> _Listed | None:
    """Every connected set of heavy nodes (connected directly or through one light stretch)
    whose households, with those of the light stretches it touches, can lie within the band;
    None when listing them takes more than ``MAX_STEPS`` steps."""
    heavy = np.flatnonzero(~light)
    nbrs, stretches, stretch_w = _heavy_adjacency(graph, light, heavy)
    weight = graph.weight[heavy].tolist()
    sets: list[list[int]] = []
    deficit: list[float] = []
    steps = [MAX_STEPS]

    def extend(sub: list[int], total: int, ext: list[int], seen: set[int], v: int) -> bool:
        steps[0] -= 1
        if steps[0] < 0:
            return False
        near = sum(stretch_w[s] for s in {s for u in sub for s in stretches[u]})
        if total + near >= band.lo:
            sets.append(sub)
            deficit.append(float(max(0, band.lo - total)))
        ext = list(ext)
        while ext:
            w = ext.pop()
            if total + weight[w] > band.hi:
                continue  # every set holding sub and w is too heavy: weights are >= 0
            new = [u for u in nbrs[w] if u > v and u not in seen]
            if not extend([*sub, w], total + weight[w], ext + new, seen | set(nbrs[w]), v):
                return False
        return True

    for v in range(len(heavy)):
        start = [u for u in nbrs[v] if u > v]
        if not extend([v], weight[v], start, {v, *nbrs[v]}, v):
            return None
    total_light = float(graph.weight[light].sum())
    return _Listed(heavy, sets, np.asarray(deficit), total_light)


def _heavy_adjacency(
    graph: Graph, light: NDArray[np.bool_], heavy: IntArray
) -> tuple[list[list[int]], list[list[int]], list[float]]:
    """Neighbours of each heavy node among heavy nodes (directly, or through a connected
    stretch of light nodes both touch), the light stretches each touches, their households."""
    lights = np.flatnonzero(light)
    count, comp = graph.subgraph(lights).components() if len(lights) else (0, lights)
    stretch = np.full(graph.n, -1, dtype=np.int64)
    stretch[lights] = comp
    stretch_w = np.bincount(comp, weights=graph.weight[lights], minlength=count).tolist()
    index = np.full(graph.n, -1, dtype=np.int64)
    index[heavy] = np.arange(len(heavy))
    direct: list[set[int]] = []
    touches: list[list[int]] = []
    for u in heavy.tolist():
        near = graph.indices[graph.indptr[u] : graph.indptr[u + 1]]
        direct.append(set(index[near[~light[near]]].tolist()))
        touches.append(sorted(set(stretch[near[light[near]]].tolist())))
    members: list[list[int]] = [[] for _ in range(count)]
    for i, ss in enumerate(touches):
        for s in ss:
            members[s].append(i)
    nbrs = []
    for i, ss in enumerate(touches):
        near_i = direct[i].union(*(members[s] for s in ss)) - {i}
        nbrs.append(sorted(near_i))
    return nbrs, touches, stretch_w


def _choose(graph: Graph, listed: _Listed, *, exact: bool) -> tuple[IntArray | None, bool]:
    """Sets holding every heavy node once (at the lowest cut cost when ``exact``: then the
    sets are the graph's parts), and whether HiGHS proved that there is no such choice."""
    sets = listed.sets
    if not sets:
        return None, True
    rows = np.concatenate([np.asarray(s, dtype=np.int64) for s in sets])
    cols = np.repeat(np.arange(len(sets)), [len(s) for s in sets])
    a = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(listed.heavy), len(sets)))
    constraints = [LinearConstraint(a, 1, 1)]
    if listed.light_total > 0 or listed.deficit.any():
        constraints.append(LinearConstraint(listed.deficit[None, :], 0, listed.light_total))
    cost = np.zeros(len(sets))
    if exact:  # a set's cost: its edges to the rest (each cut edge counted from both sides)
        cost = np.asarray([_boundary_cost(graph, listed.heavy[s]) for s in sets])
    res = milp(
        cost,
        integrality=np.ones(len(sets)),
        bounds=Bounds(0, 1),
        constraints=constraints,
        options={"node_limit": NODE_LIMIT, "time_limit": SECONDS, "disp": False},
    )
    if res.x is None:
        return None, res.status == INFEASIBLE
    return np.flatnonzero(res.x > 0.5), False


def _boundary_cost(graph: Graph, nodes: IntArray) -> float:
    inside = np.zeros(graph.n, dtype=bool)
    inside[nodes] = True
    total = 0.0
    for u in nodes.tolist():
        lo, hi = graph.indptr[u], graph.indptr[u + 1]
        total += float(graph.cost[lo:hi][~inside[graph.indices[lo:hi]]].sum())
    return total
