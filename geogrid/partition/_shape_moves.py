"""Exchanges of road-block pieces between two neighbouring parts, judged by the
refinement's objective with its convexity term (``_refine``: cut cost plus ``HULL_WEIGHT``
times each part's concavity).

Single-unit and single-piece moves under a tight band cannot change which blocks go
together: an L of three blocks beside its complement cuts as much road as two bars, and
moving one block breaks the band. Here an *arm* of one part (a piece next to the other part,
with whatever of its part hangs on it alone) moves to the other part, or two arms, one of
each side, swap: the households stay about where they were and the shapes change. Or both
parts are drawn afresh by a straight cut through their pieces (a local recursive bisection).
A piece is a connected set of nodes of one road block in one part: boundaries stay on block edges.

All candidate exchanges of one pair of parts are scored at once: their cut from the pieces'
adjacency, their hulls in one vectorised call.
"""

from __future__ import annotations

from collections import deque
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray

from geogrid.partition._geometry import point_hulls
from geogrid.partition._refine import HULL_WEIGHT, accepts, concavity
from geogrid.partition._repair import Repair

CONVEX_ENOUGH: Final = 0.97  # parts at least this convex (area / hull area) start no exchange
ROUNDS: Final = 3
CUT_DIRECTIONS: Final = 4  # straight cuts through a pair of parts: every 45°
BLOCKS_PER_PART: Final = 2  # fewer road blocks than this per part: nothing to exchange
# micro grids (10-30 households) lie within a block or two: exchanges there cost Laoshan 1x
# 10 s of CPU for 0.944 -> 0.946 micro convexity, so bands this light are left alone
MIN_HOUSEHOLDS: Final = 100

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Piece = tuple[int, ...]


class NodeHulls:
    """Each node's hull vertices and area (metric CRS), and the hull vertices of each piece
    seen so far (pieces recur from pair to pair and round to round)."""

    def __init__(self, repair: Repair) -> None:
        places = repair.places
        assert places is not None
        coords, index = shapely.get_coordinates(places.hull, return_index=True)
        cuts = np.searchsorted(index, np.arange(1, len(places.hull)))
        self.pts = np.split(coords, cuts)
        self.area = places.area.tolist()
        self.hulls: dict[Piece, FloatArray] = {}

    def piece_hulls(self, pieces: list[Piece]) -> list[FloatArray]:
        """The hull vertices of each piece (computed together for those not seen yet)."""
        new = [x for x in dict.fromkeys(pieces) if x not in self.hulls]
        if new:
            flat = [u for x in new for u in x]
            owner = np.repeat(np.arange(len(new)), [len(x) for x in new])
            pts = np.concatenate([self.pts[u] for u in flat])
            index = np.repeat(owner, [len(self.pts[u]) for u in flat])
            hulls = point_hulls(pts, index, len(new))
            coords, at = shapely.get_coordinates(hulls, return_index=True)
            cuts = np.searchsorted(at, np.arange(1, len(new)))
            self.hulls.update(zip(new, np.split(coords, cuts), strict=True))
        return [self.hulls[x] for x in pieces]

    def convexity(self, pieces: list[Piece]) -> float:
        pts = np.concatenate(self.piece_hulls(pieces))
        hull = float(shapely.area(point_hulls(pts, np.zeros(len(pts), dtype=np.int64), 1)[0]))
        return sum(self.area[u] for x in pieces for u in x) / hull if hull > 0 else 1.0


def reshape(repair: Repair, block: list[int], rounds: int = ROUNDS) -> None:
    """Exchange arms of block pieces between neighbouring parts while that lowers the
    objective, keeping every part's band state no worse and every part connected."""
    if repair.places is None:
        return
    k = len(repair.pw)
    if repair.band.lo < MIN_HOUSEHOLDS or len({b for b in block if b >= 0}) < BLOCKS_PER_PART * k:
        return  # parts inside a block or two (micro grids): no block to exchange
    nodes = NodeHulls(repair)
    version = [0] * k  # bumped when a part changes: a pair that did not is not tried again
    tried: dict[tuple[int, int], tuple[int, int]] = {}
    for _ in range(rounds):
        moved = False
        for p in range(k):
            if repair.size[p] < 2:
                continue
            side_p = _pieces(repair, block, p)
            if nodes.convexity(side_p) >= CONVEX_ENOUGH:
                continue
            for q in _neighbour_parts(repair, p):
                if tried.get((p, q)) == (version[p], version[q]):
                    continue
                if _exchange(repair, nodes, block, side_p, q):
                    moved = True
                    version[p] += 1
                    version[q] += 1
                    side_p = _pieces(repair, block, p)
                tried[(p, q)] = (version[p], version[q])
        if not moved:
            return


def _neighbour_parts(repair: Repair, p: int) -> list[int]:
    out = {repair.labels[v] for u in repair.members[p] for v, _ in repair.nbrs[u]}
    out.discard(p)
    return sorted(out)


class _Pair:
    """The pieces of parts p and q (p's first), their adjacency, weights, areas and hulls."""

    def __init__(self, repair: Repair, nodes: NodeHulls, side_p: list[Piece], side_q: list[Piece]):
        self.pieces = side_p + side_q
        self.n_p = len(side_p)
        m = len(self.pieces)
        of = {u: i for i, x in enumerate(self.pieces) for u in x}
        self.adj = np.zeros((m, m))
        self.touch_other = np.zeros(m, dtype=bool)  # next to the other part of the pair
        for i, x in enumerate(self.pieces):
            for u in x:
                for v, c in repair.nbrs[u]:
                    j = of.get(v, -1)
                    if j >= 0 and j != i:
                        self.adj[i, j] += c
                        if (i < self.n_p) != (j < self.n_p):
                            self.touch_other[i] = True
        self.nb = [np.flatnonzero(row).tolist() for row in self.adj]
        self.w = np.asarray([sum(repair.w[u] for u in x) for x in self.pieces], dtype=np.int64)
        self.area = np.asarray([sum(nodes.area[u] for u in x) for x in self.pieces])
        hulls = nodes.piece_hulls(self.pieces)
        self.coords = np.concatenate(hulls)
        self.owner = np.repeat(np.arange(m), [len(h) for h in hulls])

    def arms(self, side: range) -> list[BoolArray]:
        """For each piece of ``side`` next to the other part: it and what hangs on it alone."""
        out: list[BoolArray] = []
        seen: set[bytes] = set()
        for x in side:
            if not self.touch_other[x]:
                continue
            rest = [y for y in side if y != x]
            if not rest:
                continue
            comps = _components(self.nb, rest)
            main = max(comps, key=lambda c: (int(self.w[c].sum()), float(self.area[c].sum())))
            arm = np.zeros(len(self.pieces), dtype=bool)
            arm[[y for y in side if y not in set(main)]] = True
            key = arm.tobytes()
            if key not in seen:
                seen.add(key)
                out.append(arm)
        return out


def _exchange(
    repair: Repair, nodes: NodeHulls, block: list[int], side_p: list[Piece], q: int
) -> bool:
    """Make the best exchange of arms between part p (of pieces ``side_p``) and q, or the best
    straight cut through both, that lowers the objective."""
    p = repair.labels[side_p[0][0]]
    side_q = _pieces(repair, block, q)
    if len(side_p) + len(side_q) < 3:
        return False  # one piece each: an exchange only swaps the labels
    pair = _Pair(repair, nodes, side_p, side_q)
    m = len(pair.pieces)
    none = np.zeros(m, dtype=bool)
    arms_p = [none, *pair.arms(range(pair.n_p))]
    arms_q = [none, *pair.arms(range(pair.n_p, m))]
    in_p = np.arange(m) < pair.n_p
    shift = (pair.w * in_p) @ np.asarray(arms_p).T  # households p gives, per arm
    back = (pair.w * ~in_p) @ np.asarray(arms_q).T
    rows = []
    for i in range(len(arms_p)):
        for j in range(len(arms_q)):
            if (i or j) and _band_kept(repair, p, q, int(shift[i] - back[j])):
                rows.append(in_p ^ arms_p[i] ^ arms_q[j])  # True: in p after the exchange
    # or both parts drawn afresh by a straight cut: judged together, the best is made
    return _apply_best(repair, pair, p, q, rows + _straight_cuts(repair, pair, p, q))


def _apply_best(repair: Repair, pair: _Pair, p: int, q: int, rows: list[BoolArray]) -> bool:
    """Make the exchange of ``rows`` (True: the piece ends in p) that lowers the objective
    most and keeps both parts connected; False if none does."""
    if not rows:
        return False
    in_p = np.arange(len(pair.pieces)) < pair.n_p
    after = np.unique(np.asarray(rows), axis=0)
    change = _objective(pair, after) - _objective(pair, in_p[None, :])[0]
    for r in np.argsort(change, kind="stable").tolist():
        if not accepts(float(change[r])):
            return False
        if _connected(pair.nb, after[r]) and _connected(pair.nb, ~after[r]):
            for i in np.flatnonzero(after[r] != in_p).tolist():
                for u in pair.pieces[i]:
                    repair.move(u, p if after[r][i] else q)
            return True
    return False


def _straight_cuts(repair: Repair, pair: _Pair, p: int, q: int) -> list[BoolArray]:
    """Both parts drawn afresh: the pieces on one side of a straight line (``CUT_DIRECTIONS``
    directions, every place along each; a piece lies where the mean of its hull's vertices
    does) go to p, the rest to q, where that keeps the band state."""
    centre = np.zeros((len(pair.pieces), 2))
    np.add.at(centre, pair.owner, pair.coords)
    centre /= np.bincount(pair.owner, minlength=len(pair.pieces))[:, None]
    total, wp = int(pair.w.sum()), repair.pw[p]
    rows: list[BoolArray] = []
    for angle in np.arange(CUT_DIRECTIONS) * np.pi / CUT_DIRECTIONS:
        order = np.argsort(centre @ np.asarray([np.cos(angle), np.sin(angle)]), kind="stable")
        prefix = np.cumsum(pair.w[order])
        for k in range(1, len(order)):
            for first in (True, False):  # the pieces before the line go to p, or to q
                left = int(prefix[k - 1]) if first else total - int(prefix[k - 1])
                if _band_kept(repair, p, q, wp - left):
                    row = np.zeros(len(order), dtype=bool)
                    row[order[:k]] = True
                    rows.append(row if first else ~row)
    return rows


def _objective(pair: _Pair, in_p: BoolArray) -> FloatArray:
    """Cut between the pair plus ``HULL_WEIGHT`` times both concavities, per row of
    ``in_p`` (rows x pieces: True where the piece lies in p). Cuts to other parts do not
    change with an exchange and are left out."""
    x = in_p.astype(float)
    total = ((x @ pair.adj) * (1.0 - x)).sum(axis=1)
    for side in (in_p, ~in_p):
        area = side.astype(float) @ pair.area
        total = total + HULL_WEIGHT * concavity(area, _hull_areas(pair, side))
    return total


def _hull_areas(pair: _Pair, side: BoolArray) -> FloatArray:
    """Hull area of the pieces of each row of ``side``; the pieces on the side in every row
    count by the vertices of their common hull only (fewer points to build)."""
    still: BoolArray = np.asarray(side.all(axis=0), dtype=bool)
    coords, owner = pair.coords, pair.owner
    if still.any():
        fixed = still[owner]
        core = point_hulls(coords[fixed], np.zeros(int(fixed.sum()), dtype=np.int64), 1)[0]
        core_pts = shapely.get_coordinates(core)
        coords = np.concatenate([core_pts, coords[~fixed]])
        owner = np.concatenate([np.full(len(core_pts), -1), owner[~fixed]])
    take = np.where(owner[None, :] >= 0, side[:, np.maximum(owner, 0)], still.any())
    row, col = np.nonzero(take)  # every row holds a piece: rows come out in order, none empty
    return np.asarray(shapely.area(point_hulls(coords[col], row, side.shape[0])))


def _band_kept(repair: Repair, p: int, q: int, shift: int) -> bool:
    """Whether ``shift`` households going from p to q leave neither further from band."""
    wp, wq = repair.pw[p], repair.pw[q]
    return repair.pen(wp - shift) <= repair.pen(wp) and repair.pen(wq + shift) <= repair.pen(wq)


def _pieces(repair: Repair, block: list[int], p: int) -> list[Piece]:
    """Connected sets of nodes of one block in part p (a node without a block alone)."""
    seen: set[int] = set()
    out = []
    for s in sorted(repair.members[p]):
        if s in seen:
            continue
        seen.add(s)
        piece, queue = [s], deque([s])
        while queue and block[s] >= 0:
            u = queue.popleft()
            for v, _ in repair.nbrs[u]:
                if v not in seen and repair.labels[v] == p and block[v] == block[s]:
                    seen.add(v)
                    piece.append(v)
                    queue.append(v)
        out.append(tuple(sorted(piece)))
    return out


def _components(nb: list[list[int]], items: list[int]) -> list[list[int]]:
    """Connected sets of ``items`` in the piece adjacency."""
    left = set(items)
    out = []
    while left:
        start = min(left)
        left.discard(start)
        comp, queue = [start], deque([start])
        while queue:
            x = queue.popleft()
            for y in nb[x]:
                if y in left:
                    left.discard(y)
                    comp.append(y)
                    queue.append(y)
        out.append(comp)
    return out


def _connected(nb: list[list[int]], mask: BoolArray) -> bool:
    items = np.flatnonzero(mask).tolist()
    return len(items) > 0 and len(_components(nb, items)) == 1
