"""Exchanges of whole road-block pieces between two neighbouring parts, judged by the
refinement's objective with its convexity term (``_refine``: cut cost plus
``HULL_WEIGHT`` times each part's concavity).

Single-unit and single-piece moves under a tight band cannot change which blocks go
together: an L of three blocks beside its complement has the same cut as two bars, and
moving one block breaks the band. Here one piece moves, or a piece of each side swaps, so the
households stay about where they were and the shapes can change.
"""

from __future__ import annotations

from collections import deque
from typing import Final

import numpy as np
import shapely

from geogrid.partition._refine import HULL_WEIGHT, accepts, concavity
from geogrid.partition._repair import Repair

CONVEX_ENOUGH: Final = 0.97  # parts at least this convex (area / hull area) are left alone
MAX_PIECES: Final = 12  # per side of a boundary: the lightest pieces touching the other part
ROUNDS: Final = 3

Piece = tuple[int, ...]


class _Hulls:
    """Each node's hull vertices and area, and the part areas and hull areas, kept current."""

    def __init__(self, repair: Repair) -> None:
        places = repair.places
        assert places is not None
        coords, index = shapely.get_coordinates(places.hull, return_index=True)
        cuts = np.searchsorted(index, np.arange(1, len(places.hull)))
        self.pts = np.split(coords, cuts)
        self.area = places.area.tolist()

    def hull_area(self, nodes: list[int] | set[int]) -> float:
        pts = np.concatenate([self.pts[u] for u in nodes])
        return float(shapely.area(shapely.convex_hull(shapely.multipoints(pts))))

    def piece_points(self, piece: Piece) -> np.ndarray:
        pts = np.concatenate([self.pts[u] for u in piece])
        hull = shapely.convex_hull(shapely.multipoints(pts))
        return shapely.get_coordinates(hull)


def reshape(repair: Repair, block: list[int], rounds: int = ROUNDS) -> None:
    """Exchange block pieces between neighbouring parts while that lowers the objective,
    keeping every part's band state no worse and every part connected."""
    if repair.places is None:
        return
    hulls = _Hulls(repair)
    for _ in range(rounds):
        moved = False
        for p in range(len(repair.pw)):
            if repair.size[p] < 2 or _convex(hulls, repair, p):
                continue
            for q in _neighbour_parts(repair, p):
                if repair.size[p] and repair.size[q] and _exchange(repair, hulls, block, p, q):
                    moved = True
        if not moved:
            return


def _convex(hulls: _Hulls, repair: Repair, p: int) -> bool:
    members = repair.members[p]
    area = sum(hulls.area[u] for u in members)
    return area >= CONVEX_ENOUGH * hulls.hull_area(members)


def _neighbour_parts(repair: Repair, p: int) -> list[int]:
    out = {repair.labels[v] for u in repair.members[p] for v, _ in repair.nbrs[u]}
    out.discard(p)
    return sorted(out)


def _exchange(repair: Repair, hulls: _Hulls, block: list[int], p: int, q: int) -> bool:
    """Make the best exchange of pieces between p and q that lowers the objective."""
    side_p, side_q = _pieces(repair, block, p), _pieces(repair, block, q)
    touch_p = _touching(repair, side_p, q)[:MAX_PIECES]
    touch_q = _touching(repair, side_q, p)[:MAX_PIECES]
    pts_p = {a: hulls.piece_points(a) for a in side_p}
    pts_q = {b: hulls.piece_points(b) for b in side_q}
    area_p = {a: sum(hulls.area[u] for u in a) for a in side_p}
    area_q = {b: sum(hulls.area[u] for u in b) for b in side_q}
    base = _conc(pts_p, area_p, list(side_p)) + _conc(pts_q, area_q, list(side_q))
    w = repair.w
    cands = []
    for a in [(), *touch_p]:
        for b in [(), *touch_q]:
            if not a and not b:
                continue
            wa, wb = sum(w[u] for u in a), sum(w[u] for u in b)
            if not _band_kept(repair, p, q, wa - wb):
                continue
            rest_p = [x for x in side_p if x != a]
            rest_q = [x for x in side_q if x != b]
            if not rest_p and not b or not rest_q and not a:
                continue
            pts = pts_p | pts_q
            areas = area_p | area_q
            after = _conc(pts, areas, rest_p + ([b] if b else [])) + _conc(
                pts, areas, rest_q + ([a] if a else [])
            )
            change = _cut_delta(repair, a, q, b, p) + HULL_WEIGHT * (after - base)
            if accepts(change):
                cands.append((change, a, b))
    cands.sort()
    for _, a, b in cands:
        if _connected_after(repair, p, set(a), set(b)) and _connected_after(
            repair, q, set(b), set(a)
        ):
            for u in a:
                repair.move(u, q)
            for u in b:
                repair.move(u, p)
            return True
    return False


def _conc(pts: dict[Piece, np.ndarray], areas: dict[Piece, float], pieces: list[Piece]) -> float:
    if not pieces:
        return 0.0
    hull = shapely.convex_hull(shapely.multipoints(np.concatenate([pts[x] for x in pieces])))
    return concavity(sum(areas[x] for x in pieces), float(shapely.area(hull)))


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


def _touching(repair: Repair, pieces: list[Piece], q: int) -> list[Piece]:
    """The pieces with a node next to part q, lightest first."""
    near = [x for x in pieces if any(repair.labels[v] == q for u in x for v, _ in repair.nbrs[u])]
    return sorted(near, key=lambda x: (sum(repair.w[u] for u in x), x))


def _cut_delta(repair: Repair, a: Piece, q: int, b: Piece, p: int) -> float:
    """Change of the cut cost when the nodes of ``a`` go to q and those of ``b`` to p."""
    new = dict.fromkeys(a, q) | dict.fromkeys(b, p)
    labels = repair.labels
    d = 0.0
    for u, lu in new.items():
        for v, c in repair.nbrs[u]:
            if v in new and v < u:
                continue  # an edge inside the moved nodes: counted once
            lv = new.get(v, labels[v])
            d += c * (int(lu != lv) - int(labels[u] != labels[v]))
    return d


def _connected_after(repair: Repair, p: int, gone: set[int], added: set[int]) -> bool:
    """Whether part p without ``gone`` and with ``added`` is one connected piece."""
    nodes = (repair.members[p] - gone) | added
    if not nodes:
        return False
    start = min(nodes)
    seen = {start}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        for v, _ in repair.nbrs[u]:
            if v in nodes and v not in seen:
                seen.add(v)
                queue.append(v)
    return len(seen) == len(nodes)
