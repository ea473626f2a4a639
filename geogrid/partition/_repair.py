"""Greedy, deterministic local moves on the part labels of one connected unit graph:
connectivity (every part one piece), balance (every part in its band), and the refinement
under one objective (cut cost plus compactness, ``_refine``). The moves of whole road-block
pieces live in ``_block_moves``.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from numpy.typing import NDArray

from geogrid.partition._graph import Graph
from geogrid.partition._refine import PASSES, PartShapes, accepts, move_gain
from geogrid.partition.bands import Band

IntArray = NDArray[np.int64]


class Repair:
    """Part labels of a graph's nodes, with part weights, sizes, members and shape sums kept
    current."""

    def __init__(self, graph: Graph, labels: IntArray, band: Band) -> None:
        self.band = band
        self._lo, self._hi = band.lo, band.hi  # read on every candidate move (``pen``)
        self.w = graph.weight.tolist()
        ip = graph.indptr.tolist()
        pairs = list(zip(graph.indices.tolist(), graph.cost.tolist(), strict=True))
        self.nbrs = [pairs[ip[u] : ip[u + 1]] for u in range(graph.n)]
        self.labels = labels.tolist()
        k = int(labels.max()) + 1
        self.pw = [0] * k
        self.size = [0] * k
        self.members: list[set[int]] = [set() for _ in range(k)]
        for u, p in enumerate(self.labels):
            self.pw[p] += self.w[u]
            self.size[p] += 1
            self.members[p].add(u)
        self.places = graph.places
        self.shapes = None if graph.places is None else PartShapes(graph.places, self.labels, k)
        # caches kept current by ``move``: each unit's edge cost to its own part and to each
        # neighbouring part (None: stale), and each part's set of parts its members touch
        self._sums: list[tuple[float, dict[int, float]] | None] = [None] * graph.n
        self._touching: list[set[int] | None] = [None] * k

    # -- connectivity -----------------------------------------------------------------------
    def connect(self) -> None:
        """Give every piece of a part but its heaviest to the neighbour it shares most with."""
        for _ in range(50):
            moved = False
            for p in range(len(self.pw)):
                pieces = self._pieces(p)
                if len(pieces) <= 1:
                    continue
                pieces.sort(key=lambda c: (-sum(self.w[u] for u in c), -len(c), min(c)))
                for piece in pieces[1:]:
                    self._give_piece(piece, p)
                    moved = True
            if not moved:
                return

    def _pieces(self, p: int) -> list[list[int]]:
        members = sorted(self.members[p])  # in node order, as a scan of the labels gives
        seen: set[int] = set()
        pieces = []
        for s in members:
            if s in seen:
                continue
            seen.add(s)
            piece, queue = [s], deque([s])
            while queue:
                u = queue.popleft()
                for v, _ in self.nbrs[u]:
                    if v not in seen and self.labels[v] == p:
                        seen.add(v)
                        piece.append(v)
                        queue.append(v)
            pieces.append(piece)
        return pieces

    def _give_piece(self, piece: list[int], p: int) -> None:
        border: dict[int, float] = {}
        for u in piece:
            for v, c in self.nbrs[u]:
                q = self.labels[v]
                if q != p:
                    border[q] = border.get(q, 0.0) + c
        if not border:
            return
        q = min(border, key=lambda r: (-border[r], r))
        for u in piece:
            self.move(u, q)

    def move(self, u: int, q: int) -> None:
        p = self.labels[u]
        self.labels[u] = q
        sums, touching = self._sums, self._touching
        sums[u] = None
        touching[p] = touching[q] = None
        for v, _ in self.nbrs[u]:
            sums[v] = None
            touching[self.labels[v]] = None
        self.pw[p] -= self.w[u]
        self.pw[q] += self.w[u]
        self.size[p] -= 1
        self.size[q] += 1
        self.members[p].discard(u)
        self.members[q].add(u)
        if self.shapes is not None:
            self.shapes.shift(self.shapes.unit[u], p, -1.0)
            self.shapes.shift(self.shapes.unit[u], q, 1.0)

    def change(self, nodes: list[int], p: int, q: int, cut_delta: float) -> float:
        """The objective's change when ``nodes`` move from p to q and the cut changes by
        ``cut_delta`` (``_refine``: cut cost plus the compactness term)."""
        if self.shapes is None or any(self.w[u] for u in nodes):
            return cut_delta  # buildings move for the cut alone (see ``_refine``)
        return move_gain(cut_delta, self.shapes.delta(self.shapes.of_nodes(nodes), p, q))

    def band_kept(self, weight: int, p: int, q: int) -> bool:
        """Whether moving ``weight`` households from p to q leaves neither further from band."""
        pen, wp, wq = self.pen, self.pw[p], self.pw[q]
        return pen(wp - weight) <= pen(wp) and pen(wq + weight) <= pen(wq)

    def _stays_connected(self, u: int) -> bool:
        """Whether u's part stays connected without u (search until u's part-neighbours meet)."""
        p = self.labels[u]
        targets = {v for v, _ in self.nbrs[u] if self.labels[v] == p}
        if len(targets) <= 1:
            return len(targets) == 1 or self.size[p] == 1
        start = min(targets)
        seen = {start, u}
        queue = deque([start])
        found = 1
        while queue:
            x = queue.popleft()
            for v, _ in self.nbrs[x]:
                if v not in seen and self.labels[v] == p:
                    seen.add(v)
                    if v in targets:
                        found += 1
                        if found == len(targets):
                            return True
                    queue.append(v)
        return False

    def sums(self, u: int) -> tuple[float, dict[int, float]]:
        """Edge cost from u to its own part, and to each neighbouring part (cached)."""
        cached = self._sums[u]
        if cached is not None:
            return cached
        p, labels = self.labels[u], self.labels
        own = 0.0
        gain: dict[int, float] = {}
        for v, c in self.nbrs[u]:
            q = labels[v]
            if q == p:
                own += c
            else:
                gain[q] = gain.get(q, 0.0) + c
        self._sums[u] = (own, gain)
        return own, gain

    def _touched(self, p: int) -> set[int]:
        """The parts p's members have a neighbour in (p too, where it has an inner edge)."""
        cached = self._touching[p]
        if cached is None:
            labels = self.labels
            cached = {labels[v] for u in self.members[p] for v, _ in self.nbrs[u]}
            self._touching[p] = cached
        return cached

    # -- balance ----------------------------------------------------------------------------
    def pen(self, x: int) -> int:
        # max(0, lo - x) + max(0, x - hi), without the calls (a million per Laoshan run)
        below, above = self._lo - x, x - self._hi
        return (below if below > 0 else 0) + (above if above > 0 else 0)

    def _dev(self, x: int) -> int:
        return (x - self.band.target) ** 2

    def balance(self, max_moves: int | None = None) -> None:
        """Move boundary units while the band violation, then the spread, strictly decreases."""
        limit = max_moves if max_moves is not None else 4 * len(self.w) + 50
        for _ in range(limit):
            bad = {p for p, x in enumerate(self.pw) if self.pen(x) > 0}
            if not bad:
                return
            near = set(bad)
            for p in bad:
                near.update(self._touched(p))
            if not self._best_balance_move(near):
                return

    def _best_balance_move(self, near: set[int]) -> bool:
        """The best single move among the parts ``near`` a violation. Each unit's sums are
        kept between moves (``sums``): only the moved unit's and its neighbours' change."""
        cands = []
        lo, hi, target = self.band.lo, self.band.hi, self.band.target
        for p in near:
            if self.size[p] <= 1:
                continue
            wp = self.pw[p]
            pen_p = max(0, lo - wp) + max(0, wp - hi)
            dev_p = (wp - target) ** 2
            for u in self.members[p]:
                wu = self.w[u]
                if wu == 0:
                    continue
                own, gain = self.sums(u)
                if not gain:
                    continue
                a = wp - wu
                pen_a = max(0, lo - a) + max(0, a - hi)
                dev_a = (a - target) ** 2
                for q, cq in gain.items():
                    if q not in near:
                        continue
                    wq = self.pw[q]
                    b = wq + wu
                    dpen = (
                        pen_a
                        + max(0, lo - b)
                        + max(0, b - hi)
                        - pen_p
                        - max(0, lo - wq)
                        - max(0, wq - hi)
                    )
                    ddev = dev_a + (b - target) ** 2 - dev_p - (wq - target) ** 2
                    if dpen < 0 or (dpen == 0 and ddev < 0):
                        cands.append((dpen, own - cq, ddev, u, q))
        cands.sort()
        for _, _, _, u, q in cands[:64]:
            if self._stays_connected(u):
                self.move(u, q)
                return True
        return False

    def dissolve_light(self) -> bool:
        """Merge each part still below the band into the neighbour it fits best."""
        merged = False
        for p in sorted(range(len(self.pw)), key=lambda r: (self.pw[r], r)):
            if self.size[p] == 0 or self.pw[p] >= self.band.lo:
                continue
            border: dict[int, float] = {}
            for u in sorted(self.members[p]):  # in node order, as a scan of the labels gives
                for v, c in self.nbrs[u]:
                    r = self.labels[v]
                    if r != p:
                        border[r] = border.get(r, 0.0) + c
            fits = [r for r in border if self.pw[r] + self.pw[p] <= self.band.hi]
            if not fits:
                continue
            q = min(fits, key=lambda r: (-border[r], r))
            for u in sorted(self.members[p]):
                self.move(u, q)
            merged = True
        return merged

    # -- the refinement -------------------------------------------------------------------
    def refine(self, passes: int = PASSES) -> None:
        """Move single boundary units while that lowers the objective (``_refine``), keeping
        every part's band state no worse and every part connected."""
        best_target, stays_connected = self._best_target, self._stays_connected
        for _ in range(passes):
            moved = 0
            for u in range(len(self.w)):
                q = best_target(u)
                if q >= 0 and stays_connected(u):
                    self.move(u, q)
                    moved += 1
            if not moved:
                return

    def _best_target(self, u: int) -> int:
        """The part whose taking u lowers the objective most, or -1."""
        p = self.labels[u]
        if self.size[p] == 1:
            return -1
        own, gain = self.sums(u)
        if not gain:  # an inner unit: most of them, on every pass
            return -1
        wu, shapes = self.w[u], self.shapes
        best, best_q = 0.0, -1
        for q in sorted(gain):
            if not self.band_kept(wu, p, q):
                continue
            if shapes is None or wu:  # ``change`` for one unit, inlined
                change = own - gain[q]
            else:
                change = move_gain(own - gain[q], shapes.delta(shapes.of_nodes([u]), p, q))
            if accepts(change) and change < best:
                best, best_q = change, q
        return best_q

    def connected_without(self, p: int, gone: set[int]) -> bool:
        """Whether part p minus the nodes ``gone`` is still one connected piece."""
        rest = [u for u in sorted(self.members[p]) if u not in gone]
        if not rest:
            return False
        seen = {rest[0]}
        queue = deque([rest[0]])
        while queue:
            u = queue.popleft()
            for v, _ in self.nbrs[u]:
                if v not in seen and v not in gone and self.labels[v] == p:
                    seen.add(v)
                    queue.append(v)
        return len(seen) == len(rest)
