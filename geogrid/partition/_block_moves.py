"""Whole road-block moves: a piece of a block lying in one part moves to the part where it
lowers the refinement's objective most (``_refine``: cut cost plus compactness), so grid
boundaries run along the roads around the block."""

from __future__ import annotations

from collections import deque

from geogrid.partition._refine import accepts
from geogrid.partition._repair import Repair


def snap_blocks(repair: Repair, block: list[int], passes: int = 3) -> None:
    """Move each connected piece of a road block that lies in one part to the part where it
    lowers the objective most, keeping both parts' band state: grid boundaries then run along
    the roads around the block instead of through it."""
    for _ in range(passes):
        moved = False
        for piece in _block_pieces(repair, block):
            if _move_piece(repair, piece):
                moved = True
        if not moved:
            return


def _block_pieces(repair: Repair, block: list[int]) -> list[list[int]]:
    """Connected sets of nodes of one block and one part, lightest first."""
    seen: set[int] = set()
    pieces = []
    for s in range(len(repair.w)):
        if s in seen or block[s] < 0:
            continue
        p, b = repair.labels[s], block[s]
        seen.add(s)
        piece, queue = [s], deque([s])
        while queue:
            u = queue.popleft()
            for v, _ in repair.nbrs[u]:
                if v not in seen and repair.labels[v] == p and block[v] == b:
                    seen.add(v)
                    piece.append(v)
                    queue.append(v)
        pieces.append(piece)
    pieces.sort(key=lambda c: (sum(repair.w[u] for u in c), min(c)))
    return pieces


def _move_piece(repair: Repair, piece: list[int]) -> bool:
    p = repair.labels[piece[0]]
    if any(repair.labels[u] != p for u in piece) or len(piece) >= repair.size[p]:
        return False
    inside = set(piece)
    stay = 0.0
    to: dict[int, float] = {}
    for u in piece:
        for v, c in repair.nbrs[u]:
            if v in inside:
                continue
            q = repair.labels[v]
            if q == p:
                stay += c
            else:
                to[q] = to.get(q, 0.0) + c
    if not to:
        return False
    wp = sum(repair.w[u] for u in piece)
    best, q = 0.0, -1
    for r in sorted(to):
        change = repair.change(piece, p, r, stay - to[r])
        if repair.band_kept(wp, p, r) and accepts(change) and change < best:
            best, q = change, r
    if q < 0:
        return False
    if not repair.connected_without(p, inside):
        return False
    for u in piece:
        repair.move(u, q)
    return True
