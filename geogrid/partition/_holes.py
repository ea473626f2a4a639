"""No grid with a hole its parent lacks: enclaves are merged, or a corridor is opened to them.

An enclave is a connected set of units of other grids that a grid P surrounds: none of its units
touches the edge of the area being divided. It joins P when the band allows; otherwise the
lightest chain of P's units from the enclave to P's outer side goes to the enclave's grid, which
cuts P's ring open while both grids stay in band and connected; else P and its enclave are
divided afresh. Where all of that fails, the enclave joins P even beyond the band (a hole is
worse than a band miss), and the caller is told which grids that made; but an enclave that is
one over-band building's own grid may be left (``leave_heavy``): the caller draws a strip of
land out to it (``_corridors``), and joins it (``join_enclosed``) only where none fits.
"""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np
from numpy.typing import NDArray

from geogrid.partition.balance import Graph, split, violations
from geogrid.partition.bands import Band

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
PASSES = 12  # enclaves resolved per area at most
CORRIDORS = 24  # corridors tried per enclave


def fill_holes(
    graph: Graph,
    labels: IntArray,
    exempt: BoolArray,
    edge: BoolArray,
    band: Band,
    *,
    locked: BoolArray | None = None,
    leave_heavy: bool = False,
) -> tuple[IntArray, BoolArray, BoolArray]:
    """Labels (0..k-1), exempt flags, and the parts that took an enclave beyond the band.

    Parameters
    ----------
    graph
        The unit graph of the area being divided.
    labels, exempt
        Part of each unit, and whether each part is exempt from the band.
    edge
        Units touching the edge of the area (its outline or a hole it has).
    locked
        Per part: never swallowed by the part around it (an institution's own grid).
    leave_heavy
        An enclave that is one building over the band (its own grid) and nothing else opens
        stays enclosed: the caller draws a corridor to it through the gap between the
        buildings around (``_corridors``), and joins it here (``join_enclosed``) only if
        none can be drawn.
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    exempt = np.asarray(exempt, dtype=bool).copy()
    k = int(labels.max()) + 1 if len(labels) else 0
    locked = np.zeros(k, dtype=bool) if locked is None else np.asarray(locked, dtype=bool)
    over = np.zeros(k, dtype=bool)
    nbrs = [graph.indices[graph.indptr[u] : graph.indptr[u + 1]].tolist() for u in range(graph.n)]
    for _ in range(PASSES):
        changed = False
        for p, enclave in _enclaves_all(graph, labels, edge):
            if _resolve(graph, nbrs, labels, exempt, locked, edge, band, p, enclave):
                changed = True
            elif leave_heavy and _one_heavy(graph.weight, labels, enclave, band):
                continue
            elif not locked[p] and not locked[np.unique(labels[enclave])].any():
                _swallow(graph, labels, exempt, over, p, enclave, band)
                changed = True
            if changed:
                break  # labels changed: find the enclaves afresh
        if not changed:
            break
    used, dense = np.unique(labels, return_inverse=True)
    return dense.reshape(-1).astype(np.int64), exempt[used], over[used]


def _swallow(
    graph: Graph,
    labels: IntArray,
    exempt: BoolArray,
    over: BoolArray,
    p: int,
    enclave: IntArray,
    band: Band,
) -> None:
    """The enclave joins p whatever the band says; p is exempt only if it now holds an exempt
    part (an oversize building, a parent that fits no division), else it is judged. p is
    listed (``over``) when that leaves it out of band, unless it was exempt and took only
    empty land: an over-band building sharing its grid so is always listed."""
    inner = np.unique(labels[enclave])
    was_exempt = bool(exempt[p])
    exempt[p] = bool(was_exempt or exempt[inner].any())
    labels[enclave] = p
    out = not band.holds(int(graph.weight[labels == p].sum()))
    took = int(graph.weight[enclave].sum()) > 0
    if out and (took or not was_exempt):
        over[p] = True


def _part_graph(graph: Graph, labels: IntArray, edge: BoolArray) -> tuple[list[set[int]], set[int]]:
    """Which parts touch which, and the parts on the edge."""
    k = int(labels.max()) + 1
    src = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    a, b = labels[src], labels[graph.indices]
    touch: list[set[int]] = [set() for _ in range(k)]
    pairs = np.unique(np.column_stack([a, b])[a != b], axis=0)
    for x, y in pairs.tolist():
        touch[x].add(y)
    return touch, set(labels[edge].tolist())


def _enclaves_all(graph: Graph, labels: IntArray, edge: BoolArray) -> list[tuple[int, IntArray]]:
    """(p, units of an enclave of p) for every part p surrounding other parts.

    Parts are connected, so the other parts fall apart around p exactly as their units do:
    the search runs on the small graph of parts."""
    if len(labels) == 0:
        return []
    touch, rim = _part_graph(graph, labels, edge)
    present = set(labels.tolist())
    if present <= rim:
        return []
    out = []
    for p in sorted(present):
        reached = {q for q in rim if q != p}
        queue = deque(sorted(reached))
        while queue:
            q = queue.popleft()
            for r in touch[q]:
                if r != p and r not in reached:
                    reached.add(r)
                    queue.append(r)
        left = sorted(present - reached - {p})
        while left:
            comp = {left[0]}
            queue = deque([left[0]])
            while queue:
                q = queue.popleft()
                for r in touch[q]:
                    if r != p and r not in comp:
                        comp.add(r)
                        queue.append(r)
            left = [q for q in left if q not in comp]
            out.append((p, np.flatnonzero(np.isin(labels, sorted(comp)))))
    return out


def _resolve(
    graph: Graph,
    nbrs: list[list[int]],
    labels: IntArray,
    exempt: BoolArray,
    locked: BoolArray,
    edge: BoolArray,
    band: Band,
    p: int,
    enclave: IntArray,
) -> bool:
    w = graph.weight
    pw = int(w[labels == p].sum())
    inner = int(w[enclave].sum())
    inner_parts = np.unique(labels[enclave])
    fits = inner == 0 if exempt[p] else pw + inner <= band.hi
    if not exempt[inner_parts].any() and fits:
        labels[enclave] = p
        return True
    inside = set(enclave.tolist())
    paths = _corridors(graph, nbrs, labels, edge, p, inside)
    # an exempt grid takes households only when nothing else opens p, and never one that is
    # an over-band building's (that building is a grid alone)
    for lenient in (False, True):
        for path in paths:
            q = _host(nbrs, labels, path[0], inside)
            moved = int(w[path].sum())
            qw = int(w[labels == q].sum())
            if not exempt[p] and _pen(band, pw - moved) > _pen(band, pw):
                continue
            if exempt[q] and moved > 0 and (locked[q] or not lenient or _heavy(w, labels, q, band)):
                continue
            if not exempt[q] and _pen(band, qw + moved) > _pen(band, qw):
                continue
            if not _connected_without(nbrs, labels, p, set(path)):
                continue
            labels[path] = q
            return True
    return _redivide(graph, labels, exempt, edge, band, p, enclave)


def _redivide(
    graph: Graph,
    labels: IntArray,
    exempt: BoolArray,
    edge: BoolArray,
    band: Band,
    p: int,
    enclave: IntArray,
) -> bool:
    """Divide p and its enclave afresh into as many parts, if that leaves no enclave and no
    part out of band that was in band."""
    parts = np.unique(np.concatenate([[p], labels[enclave]]))
    if exempt[parts].any():
        return False
    region = np.flatnonzero(np.isin(labels, parts))
    sub = graph.subgraph(region)
    src = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    inside = np.isin(labels, parts)
    leaves = np.bincount(src[inside[src] & ~inside[graph.indices]], minlength=graph.n) > 0
    rim = (edge | leaves)[region]
    before = sum(not band.holds(int(graph.weight[labels == q].sum())) for q in parts)
    # the enclave is often the cheapest cut (a ring road around a core): then cut by length,
    # with no whole-block moves (they would rebuild the ring around the core block)
    plain = sub.with_cost(np.ones(len(sub.cost)), block=False)
    for graph_try, seed in [(sub, 0), (sub, 1), (plain, 0), (plain, 1), (plain, 2)]:
        new = split(graph_try, len(parts), band, seed=seed)
        bad = violations(sub, new, band)
        if bad > before or _enclaves_all(sub, new, rim):
            continue
        ids = [int(q) for q in parts]
        for j in range(int(new.max()) + 1):
            labels[region[new == j]] = ids[j] if j < len(ids) else int(labels.max()) + 1
        return True
    return False


def _corridors(
    graph: Graph,
    nbrs: list[list[int]],
    labels: IntArray,
    edge: BoolArray,
    p: int,
    enclave: set[int],
    *,
    tries: int = CORRIDORS,
) -> list[list[int]]:
    """The lightest chains of p's units from one touching the enclave to one on p's outer
    side, one per end unit, lightest first."""
    lab = labels.tolist()
    w = graph.weight.tolist()
    outside = {
        u
        for u in range(graph.n)
        if lab[u] == p and (edge[u] or any(lab[v] != p and v not in enclave for v in nbrs[u]))
    }
    dist: dict[int, float] = {}
    prev: dict[int, int] = {}
    heap: list[tuple[float, int]] = []
    for u in sorted({v for e in enclave for v in nbrs[e] if lab[v] == p}):
        dist[u] = w[u] + 1e-3
        heapq.heappush(heap, (dist[u], u))
    ends: list[int] = []
    while heap and len(ends) < tries:
        d, u = heapq.heappop(heap)
        if d > dist.get(u, np.inf):
            continue
        if u in outside:
            ends.append(u)
        for v in nbrs[u]:
            if lab[v] != p:
                continue
            nd = d + w[v] + 1e-3
            if nd < dist.get(v, np.inf):
                dist[v], prev[v] = nd, u
                heapq.heappush(heap, (nd, v))
    paths = []
    for u in ends:
        path = [u]
        while path[-1] in prev:
            path.append(prev[path[-1]])
        paths.append(path[::-1])
    return paths


def _one_heavy(w: IntArray, labels: IntArray, enclave: IntArray, band: Band) -> bool:
    """Whether the enclave is one part whose only households are one building's, over the
    band (an over-band building's own grid, with land of no households at most)."""
    held = w[enclave][w[enclave] > 0]
    return len(np.unique(labels[enclave])) == 1 and len(held) == 1 and held[0] > band.hi


def _heavy(w: IntArray, labels: IntArray, q: int, band: Band) -> bool:
    """Whether part q holds a unit with more households than the band."""
    return bool((w[labels == q] > band.hi).any())


def _host(nbrs: list[list[int]], labels: IntArray, start: int, enclave: set[int]) -> int:
    return int(min(labels[v] for v in nbrs[start] if v in enclave))


def _pen(band: Band, x: int) -> int:
    return max(0, band.lo - x) + max(0, x - band.hi)


def _connected_without(nbrs: list[list[int]], labels: IntArray, p: int, gone: set[int]) -> bool:
    rest = [u for u in np.flatnonzero(labels == p).tolist() if u not in gone]
    if not rest:
        return False
    seen = {rest[0]}
    queue = deque([rest[0]])
    while queue:
        u = queue.popleft()
        for v in nbrs[u]:
            if v not in seen and v not in gone and labels[v] == p:
                seen.add(v)
                queue.append(v)
    return len(seen) == len(rest)


def join_enclosed(
    graph: Graph,
    labels: IntArray,
    exempt: BoolArray,
    over: BoolArray,
    outer: int,
    inner: list[int],
    band: Band,
) -> tuple[IntArray, BoolArray, BoolArray]:
    """``fill_holes``' last resort for a grid left enclosed (no corridor could be drawn to it,
    ``_corridors``): the parts ``inner`` join ``outer``; labels renumbered 0..k-1 in order,
    with the exempt and over-the-band flags."""
    labels = np.asarray(labels, dtype=np.int64).copy()
    exempt, over = exempt.copy(), over.copy()
    _swallow(graph, labels, exempt, over, outer, np.flatnonzero(np.isin(labels, inner)), band)
    used, dense = np.unique(labels, return_inverse=True)
    return dense.reshape(-1).astype(np.int64), exempt[used], over[used]
