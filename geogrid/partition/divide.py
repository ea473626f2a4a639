"""Divide one unit graph into grids of a band: oversize units alone, islands apart, rest split."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geogrid.partition._local import mend
from geogrid.partition.balance import Graph, split, unwrap, violations
from geogrid.partition.bands import Band, choose_k
from geogrid.partition.exact import exact_division
from geogrid.partition.exemptions import OWN_GRID

IntArray = NDArray[np.int64]
RETRIES = 4
STRANDED_MAX_NODES = 400  # the stranded-piece proof looks at graphs up to this size
EXACT_UNITS = 32  # the packing proof places this many of the heaviest units exactly ...
PACK_BUDGET = 200_000  # ... in at most this many steps (else it proves nothing)
# a region between majors whose division has a grid this far from convex (area / hull area)
# joins a neighbour: a strip between a river and the road along it made a grid of 0.38 in
# Liechtenstein, where the report's figure counts grids under 0.5
STRIP_CONVEXITY = 0.5
# a detached piece of a parent smaller than this, without households, is a crumb (a sliver of
# digitising, a corner cut off by a river's bank): it joins the nearest grid instead of being
# an empty grid of its own (that grid is then in pieces, as its parent is)
CRUMB_M2 = 1_000.0


@dataclass
class Division:
    """Part label per unit, whether each part is forced out of band, and why."""

    labels: IntArray
    exempt: NDArray[np.bool_]
    weights: IntArray
    reasons: list[str] = field(default_factory=list)


def divide(
    graph: Graph,
    band: Band,
    *,
    seed: int = 0,
    what: str = "grid",
    fixed: Sequence[IntArray] = (),
    prove: bool = True,
) -> Division:
    """Split ``graph`` into connected parts within ``band`` wherever the households allow.

    A unit heavier than the band is its own part (a building is never cut), and so is each set
    of nodes in ``fixed`` (an institution with a grid of its own); both are exempt from the
    band. Each connected piece of the remaining graph is split on its own; a piece without
    households joins a neighbouring exempt part when it has one, or, when it is a detached crumb
    (under ``CRUMB_M2``), the part nearest to it (a piece with households never does: it is a
    part of its own, exempt when too light).

    Where the split leaves parts out of band, the packing and stranded-piece proofs and the
    exact search (:mod:`.exact`) either find a division within the band or prove none exists
    (the parts are then exempt). ``prove=False`` when ``graph`` is a coarsening of the real one
    (compounds contracted): a proof on it says nothing of the real graph, so none is taken.
    """
    n = graph.n
    labels = np.full(n, -1, dtype=np.int64)
    exempt: list[bool] = []
    reasons: list[str] = []
    for nodes in fixed:
        nodes = nodes[labels[nodes] < 0]
        if len(nodes):
            labels[nodes] = len(exempt)
            exempt.append(True)
    pinned = np.flatnonzero((graph.weight > band.hi) & (labels < 0))
    for u in pinned:
        labels[u] = len(exempt)
        exempt.append(True)
    if len(pinned):
        reasons.append(
            f"{len(pinned)} {what} unit(s) hold more households than the band's {band.hi} "
            f"(up to {int(graph.weight[pinned].max())}); {OWN_GRID}"
        )
    free = np.flatnonzero(labels < 0)
    if len(free) == 0:
        return Division(labels, np.asarray(exempt, dtype=bool), graph.weight, reasons)
    sub = graph.subgraph(free)
    count, comp = sub.components()
    crumbs = []
    for c in range(count):
        nodes = np.flatnonzero(comp == c)
        total = int(sub.weight[nodes].sum())
        # only empty land joins an over-band building's grid: that building is a grid alone
        host = _pinned_neighbour(graph, free[nodes], labels) if total == 0 else -1
        if host >= 0:
            labels[free[nodes]] = host
            continue
        if total == 0 and count > 1 and _area(graph, free[nodes]) < CRUMB_M2:
            crumbs.append(free[nodes])  # a crumb of the parent is no grid: it joins one below
            continue
        sub_c = sub.subgraph(nodes)
        part, feasible, reason = _divide_regions(sub_c, band, seed=seed, prove=prove)
        if not feasible:
            reasons.append(
                reason + (f" (a detached piece of {len(nodes)} units)" if count > 1 else "")
            )
        labels[free[nodes]] = part + len(exempt)
        exempt.extend([not feasible] * (int(part.max()) + 1))
    for nodes in crumbs:
        near = _nearest_label(graph, labels, nodes)
        if near < 0:
            near = len(exempt)
            exempt.append(True)
        labels[nodes] = near
    return Division(labels, np.asarray(exempt, dtype=bool), graph.weight, reasons)


def _divide_regions(
    graph: Graph, band: Band, *, seed: int, prove: bool
) -> tuple[IntArray, bool, str]:
    """(labels, feasible, reason) of a connected piece, each region bounded by major barriers
    (``Graph.region``) divided apart, so no grid crosses a railway, motorway, arterial or river
    where a division within the band allows it.

    METIS bisects into halves of balanced weight, which a river seldom parts (5,598 and 2,040
    households are 14 and 5 grids of 19, not 10 and 9), and the refinement's moves, each
    keeping the band, cannot carry a whole bank across; so the regions are divided apart here.
    A region that fits no whole number of grids, or whose division leaves a grid out of band,
    joins the neighbour it shares the longest border with (across the major line), until each
    divides within the band or the piece is one region again (divided as a whole, as before).
    """
    region = _regions(graph)
    done: dict[int, tuple[IntArray, bool, str]] = {}
    while True:
        light = _unfit(graph, region, band)
        if light >= 0 and _join(graph, region, light):
            continue
        failed = -1
        for r in np.unique(region).tolist():
            if r in done:
                continue
            nodes = np.flatnonzero(region == r)
            sub = graph.subgraph(nodes)
            done[r] = _divide_piece(sub, band, seed=seed, prove=prove)
            part, feasible, _ = done[r]
            if not feasible or violations(sub, part, band) or _strips(sub, part):
                failed = r
                break
        if failed < 0 or not _join(graph, region, failed, done):
            break
    if len(done) == 1:
        return next(iter(done.values()))
    labels = np.zeros(graph.n, dtype=np.int64)
    offset = 0
    for r, (part, _, _) in sorted(done.items()):
        labels[region == r] = part + offset
        offset += int(part.max()) + 1
    return labels, True, ""


def _divide_piece(
    graph: Graph, band: Band, *, seed: int, prove: bool
) -> tuple[IntArray, bool, str]:
    """(labels, feasible, reason) of one connected piece: split, mended, proved or searched."""
    division = choose_k(int(graph.weight.sum()), band)
    reason = division.reason
    part = _best_split(graph, division.k, band, seed=seed)
    split_made = part
    if violations(graph, part, band):
        part = mend(graph, part, band, seed=seed)
    feasible = division.feasible
    if feasible and violations(graph, part, band):
        part, feasible, reason = _prove_or_find(graph, part, band, prove=prove)
        reason = reason or division.reason
    if part is not split_made:  # drawn by its cut alone: free the wraps as split does
        part = unwrap(graph, part, band)
    return part, feasible, reason


def _regions(graph: Graph) -> IntArray:
    """Per node, its connected region: nodes of one ``Graph.region`` joined by edges (all 0
    when the graph has no regions)."""
    if graph.region is None:
        return np.zeros(graph.n, dtype=np.int64)
    src = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    same = graph.region[src] == graph.region[graph.indices]
    m = csr_matrix(
        (np.ones(int(same.sum())), (src[same], graph.indices[same])), shape=(graph.n, graph.n)
    )
    _, region = connected_components(m, directed=False)
    return region.astype(np.int64)


def _unfit(graph: Graph, region: IntArray, band: Band) -> int:
    """The lightest region whose households fit no whole number of grids, or that would be
    one grid in a strip (``STRIP_CONVEXITY``), or -1."""
    present = np.unique(region)
    if len(present) == 1:
        return -1
    weight = np.bincount(region, weights=graph.weight)

    def unfit(r: int) -> bool:
        division = choose_k(int(weight[r]), band)
        return not division.feasible or (division.k == 1 and _strip(graph, region == r))

    found = [int(r) for r in present if unfit(int(r))]
    return min(found, key=lambda r: (weight[r], r)) if found else -1


def _strips(graph: Graph, part: IntArray) -> bool:
    """Whether a region's division holds a grid in a strip (``_strip``)."""
    return any(_strip(graph, part == g) for g in range(int(part.max()) + 1))


def _strip(graph: Graph, nodes: NDArray[np.bool_]) -> bool:
    """Whether ``nodes`` are far from convex: their area over their hulls' hull's area
    (``Places``: a union's hull is its nodes' hulls' hull) under ``STRIP_CONVEXITY``."""
    if graph.places is None:
        return False
    hulls = [h for h in graph.places.hull[nodes] if h is not None]
    hull_area = float(shapely.convex_hull(shapely.union_all(hulls)).area) if hulls else 0.0
    area = float(graph.places.area[nodes].sum())
    return hull_area > 0 and area < STRIP_CONVEXITY * hull_area


def _join(
    graph: Graph,
    region: IntArray,
    r: int,
    done: dict[int, tuple[IntArray, bool, str]] | None = None,
) -> bool:
    """Merge region ``r`` (in place) into the neighbour it shares the costliest border with,
    which keeps its number; False when it has none. ``done`` forgets both."""
    src = np.repeat(np.arange(graph.n), np.diff(graph.indptr))
    edge = (region[src] == r) & (region[graph.indices] != r)
    if not edge.any():
        return False
    border = np.bincount(region[graph.indices[edge]], weights=graph.cost[edge])
    other = int(np.argmax(border))
    region[region == r] = other
    if done is not None:
        done.pop(r, None)
        done.pop(other, None)
    return True


def _area(graph: Graph, nodes: IntArray) -> float:
    """Area (m²) of ``nodes``; infinite without places (nothing is then a crumb)."""
    return float(graph.places.area[nodes].sum()) if graph.places is not None else np.inf


def _nearest_label(graph: Graph, labels: IntArray, nodes: IntArray) -> int:
    """The label of the labelled node nearest to ``nodes`` (by centroids), or -1."""
    done = np.flatnonzero(labels >= 0)
    if graph.places is None or len(done) == 0:
        return -1
    x, y = graph.places.x, graph.places.y
    d = (x[done][:, None] - x[nodes][None, :]) ** 2 + (y[done][:, None] - y[nodes][None, :]) ** 2
    return int(labels[done[int(np.argmin(d.min(axis=1)))]])


def _prove_or_find(
    graph: Graph, part: IntArray, band: Band, *, prove: bool
) -> tuple[IntArray, bool, str]:
    """(labels, feasible, reason) for a connected piece whose split left parts out of band:
    a proof that no division within the band exists (feasible False, with its reason), or an
    exact division within it, or the split as it was (its parts out of band are misses)."""
    total = int(graph.weight.sum())
    if prove and not packable(graph.weight, band):
        return (
            part,
            False,
            (
                f"{total} households in units of up to {int(graph.weight.max())} "
                f"cannot be packed into grids of {band.lo}-{band.hi}"
            ),
        )
    if prove and (cut := stranded(graph, band)) is not None:
        return (
            part,
            False,
            (
                f"a piece of {cut[0]} households reachable only through a unit of {cut[1]} "
                f"can neither be a grid of {band.lo}-{band.hi} nor join that unit's"
            ),
        )
    exact = exact_division(graph, band)
    if exact.labels is not None:
        return exact.labels, True, ""
    if prove and exact.proved_none:
        return (
            part,
            False,
            (
                f"no division of {graph.n} units ({total} households) into connected grids of "
                f"{band.lo}-{band.hi} exists (exact search over {exact.sets} connected sets)"
            ),
        )
    return part, True, ""


def _best_split(graph: Graph, k: int, band: Band, *, seed: int) -> IntArray:
    """Split; when parts stay out of band, try the other valid counts and seeds, keep the best."""
    best = split(graph, k, band, seed=seed)
    worst = violations(graph, best, band)
    total = int(graph.weight.sum())
    counts = [c for c in range(max(1, -(-total // band.hi)), total // max(band.lo, 1) + 1)]
    tries = [(c, seed) for c in sorted(counts, key=lambda c: (abs(c - k), c)) if c != k][:2]
    tries += [(k, seed + extra) for extra in range(1, RETRIES + 1)]
    for count, s in tries:
        if worst == 0:
            break
        labels = split(graph, count, band, seed=s)
        bad = violations(graph, labels, band)
        if bad < worst:
            best, worst = labels, bad
    return best


def packable(
    weights: IntArray, band: Band, *, exact: int = EXACT_UNITS, budget: int = PACK_BUDGET
) -> bool:
    """Whether the weights could fill some number of bins within ``band`` at all.

    A relaxation (connectivity ignored; the heaviest ``exact`` units of more than a quarter of
    the band's lower end placed whole, the rest poured like sand), so False proves that no
    division within the band exists. The search gives up
    after ``budget`` steps and then answers True (nothing proved).
    """
    w = np.sort(np.asarray(weights, dtype=np.int64))[::-1]
    total = int(w.sum())
    heavy = min(exact, int((w * 4 > band.lo).sum()))  # lighter units are sand anyway
    big, sand = w[:heavy].tolist(), int(w[heavy:].sum())
    steps = [budget]
    for k in range(max(1, -(-total // band.hi)), total // max(band.lo, 1) + 1):
        if _fits(big, [0] * k, band, sand, steps) or steps[0] <= 0:
            return True
    return False


def stranded(graph: Graph, band: Band) -> tuple[int, int] | None:
    """(piece, unit) households of a piece that only one unit ``h`` leads to, too light for a
    grid and too heavy to join h's: then no connected division within the band exists (every
    part holding some of the piece lies in it or holds h). None if there is no such piece."""
    if graph.n > STRANDED_MAX_NODES:
        return None
    m = csr_matrix((np.ones(len(graph.indices)), graph.indices, graph.indptr), (graph.n, graph.n))
    for h in range(graph.n):
        rest = np.flatnonzero(np.arange(graph.n) != h)
        count, comp = connected_components(m[rest][:, rest], directed=False)
        if count < 2:
            continue
        weight = np.bincount(comp, weights=graph.weight[rest], minlength=count)
        bad = np.flatnonzero((weight < band.lo) & (weight + graph.weight[h] > band.hi))
        if len(bad):
            return int(weight[bad[0]]), int(graph.weight[h])
    return None


def _fits(big: list[int], bins: list[int], band: Band, sand: int, steps: list[int]) -> bool:
    steps[0] -= 1
    if steps[0] <= 0:
        return False  # out of budget: the caller answers True
    need = sum(max(0, band.lo - b) for b in bins)
    room = sum(band.hi - b for b in bins)
    if not big:
        return need <= sand <= room
    if need > sum(big) + sand or sum(big) + sand > room:
        return False  # not enough left to fill every bin, or too much to hold
    head, rest = big[0], big[1:]
    tried: set[int] = set()
    for i, b in enumerate(bins):
        if b in tried or b + head > band.hi:
            continue
        tried.add(b)  # bins holding the same amount are interchangeable
        bins[i] += head
        ok = _fits(rest, bins, band, sand, steps)
        bins[i] -= head
        if ok:
            return True
    return False


def _pinned_neighbour(graph: Graph, nodes: IntArray, labels: IntArray) -> int:
    """The label of the oversize unit sharing the longest edge with ``nodes``, or -1."""
    best, best_cost = -1, 0.0
    for u in nodes.tolist():
        lo, hi = graph.indptr[u], graph.indptr[u + 1]
        for v, c in zip(graph.indices[lo:hi].tolist(), graph.cost[lo:hi].tolist(), strict=True):
            if labels[v] >= 0 and (c > best_cost or (c == best_cost and labels[v] < best)):
                best, best_cost = int(labels[v]), c
    return best
