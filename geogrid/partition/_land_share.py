"""Empty land shared out after the households are placed: a move of the refinement.

A dense grid often sits in a notch of a sparse one that holds the empty land around it (road
corridors, parks, empty blocks, lattice pieces of open land): the sparse grid wraps around the
dense one, and no exchange of block pieces frees the notch under a tight band. Here every unit
without households goes to the grid whose populated units are nearest along the unit graph
(a multi-source shortest path from every populated unit, through empty units only, each step
as long as the distance between the two units' centroids), which is "empty land divided among
neighbouring grids along natural lines": the units are whole faces, so the new boundaries run
on the lines that cut them (roads, rivers, the open-land lattice).

Households do not move, so every grid's band state stays as it was. Hard constraints: a unit
moves only next to its new grid and only where its old grid stays connected without it, and
no grid loses its last unit. The moves are kept only where together they lower the
refinement's objective (``_refine``: cut cost plus ``HULL_WEIGHT`` times each grid's
concavity) over the grids whose land changed.
"""

from __future__ import annotations

import heapq
import math
from typing import Final

import numpy as np
import shapely

from geogrid.partition._geometry import point_hulls
from geogrid.partition._refine import HULL_WEIGHT, accepts, concavity
from geogrid.partition._repair import Repair

# grids of bands lighter than this (micro grids) lie within a block or two: nothing to share
MIN_HOUSEHOLDS: Final = 100
PASSES: Final = 8  # sweeps of single-unit moves towards the nearest grid at most


def nearest_grid(repair: Repair) -> list[int]:
    """For every node, the part whose populated nodes are nearest along the graph through
    empty nodes (centroid to centroid, metres); a populated node keeps its own part, an empty
    node no populated node reaches keeps its own too."""
    places = repair.places
    assert places is not None
    x, y = places.x.tolist(), places.y.tolist()
    owner = list(repair.labels)
    dist = [0.0 if w > 0 else math.inf for w in repair.w]
    heap = [(0.0, owner[u], u) for u, w in enumerate(repair.w) if w > 0]
    heapq.heapify(heap)
    done = [False] * len(dist)
    while heap:
        d, p, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        owner[u] = p
        for v, _ in repair.nbrs[u]:
            if repair.w[v] > 0 or done[v]:
                continue
            dv = d + math.hypot(x[u] - x[v], y[u] - y[v])
            if dv < dist[v]:
                dist[v] = dv
                heapq.heappush(heap, (dv, p, v))
    return owner


def share_empty_land(repair: Repair) -> bool:
    """Move empty nodes to the part whose populated nodes are nearest (``nearest_grid``) where
    the constraints allow, and keep the moves only if together they lower the objective over
    the parts they touch; True if kept.

    Judged together, not pair by pair: kept per pair of parts, the moves lowered the objective
    locally but cost the figures overall (basic grids of synthetic Laoshan 1x: convexity
    0.9305, 47 wrapping, 95.9% of boundary on barriers, against 0.9315, 44, 96.05% judged
    together; made after the exchanges instead, per pair, Laoshan as without the move and
    Liechtenstein 88.7% on barriers against 90.0%)."""
    if repair.places is None or repair.band.lo < MIN_HOUSEHOLDS or len(repair.pw) < 2:
        return False
    target = nearest_grid(repair)
    before = list(repair.labels)
    moved: list[int] = []
    for _ in range(PASSES):
        count = 0
        for u, t in enumerate(target):
            p = repair.labels[u]
            if p == t or repair.size[p] < 2:
                continue
            if any(repair.labels[v] == t for v, _ in repair.nbrs[u]) and repair._stays_connected(u):
                repair.move(u, t)
                moved.append(u)
                count += 1
        if not count:
            break
    if not moved:
        return False
    parts = sorted({before[u] for u in moved} | {repair.labels[u] for u in moved})
    if accepts(_objective(repair, repair.labels, parts) - _objective(repair, before, parts)):
        return True
    for u in reversed(moved):
        repair.move(u, before[u])
    return False


def _objective(repair: Repair, labels: list[int], parts: list[int]) -> float:
    """Cut cost of the edges touching ``parts`` plus ``HULL_WEIGHT`` times their concavity,
    for the labelling ``labels``."""
    places = repair.places
    assert places is not None
    index = {p: i for i, p in enumerate(parts)}
    cut = 0.0
    members: list[list[int]] = [[] for _ in parts]
    for u, p in enumerate(labels):
        i = index.get(p, -1)
        if i < 0:
            continue
        members[i].append(u)
        for v, c in repair.nbrs[u]:
            q = labels[v]
            if q != p:
                cut += c if q not in index else c / 2  # an edge between two counted parts once
    area = np.asarray([float(places.area[m].sum()) for m in members])
    nodes = np.concatenate([np.asarray(m, dtype=np.int64) for m in members])
    owner = np.repeat(np.arange(len(parts)), [len(m) for m in members])
    coords, at = shapely.get_coordinates(places.hull[nodes], return_index=True)
    hull = shapely.area(point_hulls(coords, owner[at], len(parts)))
    return cut + HULL_WEIGHT * float(concavity(area, np.asarray(hull, dtype=float)).sum())
