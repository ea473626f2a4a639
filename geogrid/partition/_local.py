"""Mend the few parts a split leaves out of band: regrow each with its neighbours.

A part out of band and the parts around it form a small region (tens of units). The region is
divided afresh by growing connected parts from seeds in many seeded random orders; the first
few divisions with every part in band are scored by their cut, and the cheapest replaces the
region. Deterministic: the orders come from the seed.
"""

from __future__ import annotations

import math
import random

import numpy as np
from numpy.typing import NDArray

from geogrid.partition.balance import Graph
from geogrid.partition.bands import Band

IntArray = NDArray[np.int64]
TRIES = 150  # seeded growth orders per region
KEEP = 6  # in-band divisions scored before the cheapest is taken
MAX_REGION = 200  # units: larger regions are left as they are
RINGS = 3  # how far around a bad part the region may reach


def mend(graph: Graph, labels: IntArray, band: Band, *, seed: int = 0) -> IntArray:
    """``labels`` with out-of-band parts regrown together with their neighbours."""
    labels = np.asarray(labels, dtype=np.int64).copy()
    nbrs = _neighbours(graph)
    weight = graph.weight.tolist()
    for ring in range(1, RINGS + 1):
        pw = np.bincount(labels, weights=graph.weight)
        bad = [p for p in range(len(pw)) if not band.holds(pw[p]) and (labels == p).any()]
        for p in bad:
            pw = np.bincount(labels, weights=graph.weight, minlength=int(labels.max()) + 1)
            if band.holds(pw[p]) or not (labels == p).any():
                continue
            parts = _region(labels, nbrs, p, ring)
            nodes = np.flatnonzero(np.isin(labels, sorted(parts)))
            if len(nodes) > MAX_REGION:
                continue
            grown = _regrow(nodes.tolist(), nbrs, weight, band, seed=seed * 7919 + p)
            if grown is None:
                continue
            ids = sorted(parts)
            for j, members in enumerate(grown):
                pid = ids[j] if j < len(ids) else int(labels.max()) + 1
                labels[members] = pid
    _, dense = np.unique(labels, return_inverse=True)
    return dense.reshape(-1).astype(np.int64)


def _neighbours(graph: Graph) -> list[list[tuple[int, float]]]:
    ip, ix, cost = graph.indptr.tolist(), graph.indices.tolist(), graph.cost.tolist()
    return [
        list(zip(ix[ip[u] : ip[u + 1]], cost[ip[u] : ip[u + 1]], strict=True))
        for u in range(graph.n)
    ]


def _region(labels: IntArray, nbrs: list[list[tuple[int, float]]], p: int, ring: int) -> set[int]:
    parts = {p}
    for _ in range(ring):
        members = np.flatnonzero(np.isin(labels, sorted(parts))).tolist()
        parts |= {int(labels[v]) for u in members for v, _ in nbrs[u]}
    return parts


def _regrow(
    nodes: list[int],
    nbrs: list[list[tuple[int, float]]],
    weight: list[int],
    band: Band,
    *,
    seed: int,
) -> list[list[int]] | None:
    """Connected parts of ``nodes``, every one in band (the cheapest of a few), or None."""
    total = sum(weight[u] for u in nodes)
    if math.ceil(total / band.hi) > total // max(band.lo, 1):
        return None
    inside = set(nodes)
    found: list[tuple[float, list[list[int]]]] = []
    for t in range(TRIES):
        rng = random.Random(seed * 1_000_003 + t)
        parts = _grow_once(nodes, inside, nbrs, weight, band, rng)
        if parts is None:
            continue
        found.append((_cut(parts, nbrs), parts))
        if len(found) >= KEEP:
            break
    if not found:
        return None
    return min(found, key=lambda f: f[0])[1]


def _grow_once(
    nodes: list[int],
    inside: set[int],
    nbrs: list[list[tuple[int, float]]],
    weight: list[int],
    band: Band,
    rng: random.Random,
) -> list[list[int]] | None:
    owner: dict[int, int] = {}
    parts: list[list[int]] = []
    pw: list[int] = []
    seeds = [u for u in nodes if weight[u] > 0]
    rng.shuffle(seeds)
    left = sum(weight[u] for u in nodes)  # not yet in a part
    for s in seeds:
        if s in owner:
            continue
        pid = len(parts)
        owner[s] = pid
        members, total = [s], weight[s]
        # what is left after this part must still fill a part: near the end that caps it
        tail = 2 * band.lo <= left <= band.hi + band.lo
        cap = min(band.hi, left - band.lo) if tail else band.hi
        goal = rng.randint(band.lo, cap)
        # the part's frontier, kept as units join: only this loop takes owners meanwhile, so
        # it equals the unowned inside neighbours of all members, rebuilt (and drawn) the same
        front = {v for v, _ in nbrs[s] if v in inside and v not in owner}
        while total < goal:
            fits = [v for v in sorted(front) if total + weight[v] <= cap]
            if not fits:
                break
            v = fits[rng.randrange(len(fits))]
            owner[v] = pid
            members.append(v)
            total += weight[v]
            front.discard(v)
            front.update(w for w, _ in nbrs[v] if w in inside and w not in owner)
        left -= total
        parts.append(members)
        pw.append(total)
    _attach_empty(nodes, inside, nbrs, owner, parts)
    if any(u not in owner for u in nodes):
        return None
    _merge_light(parts, pw, owner, nbrs, inside, band)
    if all(band.holds(w) for w, m in zip(pw, parts, strict=True) if m):
        return [m for m in parts if m]
    return None


def _attach_empty(
    nodes: list[int],
    inside: set[int],
    nbrs: list[list[tuple[int, float]]],
    owner: dict[int, int],
    parts: list[list[int]],
) -> None:
    """Give every unassigned (empty) unit to a part it touches, until none is left."""
    changed = True
    while changed:
        changed = False
        for u in nodes:
            if u in owner:
                continue
            touching = sorted(owner[v] for v, _ in nbrs[u] if v in owner and v in inside)
            if touching:
                owner[u] = touching[0]
                parts[touching[0]].append(u)
                changed = True


def _merge_light(
    parts: list[list[int]],
    pw: list[int],
    owner: dict[int, int],
    nbrs: list[list[tuple[int, float]]],
    inside: set[int],
    band: Band,
) -> None:
    """Fold parts below the band into a touching part they fit in."""
    for p in sorted(range(len(parts)), key=lambda r: pw[r]):
        if not parts[p] or pw[p] >= band.lo:
            continue
        touching = sorted(
            {owner[v] for u in parts[p] for v, _ in nbrs[u] if v in inside and owner[v] != p}
        )
        fits = [q for q in touching if pw[q] + pw[p] <= band.hi]
        if not fits:
            continue
        q = fits[0]
        for u in parts[p]:
            owner[u] = q
        parts[q].extend(parts[p])
        pw[q] += pw[p]
        parts[p], pw[p] = [], 0


def _cut(parts: list[list[int]], nbrs: list[list[tuple[int, float]]]) -> float:
    owner = {u: i for i, m in enumerate(parts) for u in m}
    return sum(c for u, i in owner.items() for v, c in nbrs[u] if v in owner and owner[v] != i) / 2
