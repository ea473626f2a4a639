"""Balanced, connected k-way division of a weighted unit graph.

pymetis gives the first split (contiguous, household weights, cheap cuts along barriers); then a
deterministic repair makes every part one connected piece, moves boundary units until every part
lies in its band, and finally moves units that shorten the cut without leaving the band.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import pymetis
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geogrid.partition.bands import Band

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
UFACTOR_SHARE = 0.5


@dataclass
class Graph:
    """A unit graph in CSR form: ``cost`` is what cutting an edge costs."""

    indptr: IntArray
    indices: IntArray
    cost: FloatArray
    weight: IntArray
    block: IntArray | None = None  # the road block of each node (-1 none): pieces move whole

    @property
    def n(self) -> int:
        return len(self.weight)

    def subgraph(self, nodes: IntArray) -> Graph:
        m = self._matrix()[nodes][:, nodes].tocsr()
        m.sort_indices()
        return Graph(
            m.indptr.astype(np.int64),
            m.indices.astype(np.int64),
            m.data,
            self.weight[nodes],
            None if self.block is None else self.block[nodes],
        )

    def contract(self, group: IntArray) -> Graph:
        """Merge the units of each group into one node (groups numbered 0..g-1)."""
        g = int(group.max()) + 1 if len(group) else 0
        p = csr_matrix((np.ones(self.n), (np.arange(self.n), group)), shape=(self.n, g))
        m = (p.T @ self._matrix() @ p).tocsr()
        m.setdiag(0)
        m.eliminate_zeros()
        m.sort_indices()
        w = np.bincount(group, weights=self.weight, minlength=g).astype(np.int64)
        block = None
        if self.block is not None:
            block = np.full(g, -1, dtype=np.int64)
            np.maximum.at(block, group, self.block)
        return Graph(m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data, w, block)

    def components(self) -> tuple[int, IntArray]:
        count, labels = connected_components(self._matrix(), directed=False)
        return int(count), labels.astype(np.int64)

    def _matrix(self) -> csr_matrix:
        return csr_matrix((self.cost, self.indices, self.indptr), shape=(self.n, self.n))


def split(graph: Graph, k: int, band: Band, *, seed: int = 0) -> IntArray:
    """Labels 0..k'-1 (k' <= k) of a connected graph: connected parts, in band where possible."""
    k = min(k, int((graph.weight > 0).sum()))  # empty units cannot make a part on their own
    if k <= 1 or graph.n <= 1:
        return np.zeros(graph.n, dtype=np.int64)
    if graph.n <= k:
        return np.arange(graph.n, dtype=np.int64)
    labels = _metis(graph, k, seed, ufactor=_ufactor(graph, k, band))
    repair = _Repair(graph, labels, band)
    repair.connect()
    repair.balance()
    if repair.dissolve_light():
        repair.balance()
    repair.refine()
    if graph.block is not None:
        repair.snap_blocks(graph.block.tolist())
        repair.refine()
    repair.connect()
    return _compact_labels(np.asarray(repair.labels, dtype=np.int64))


def violations(graph: Graph, labels: IntArray, band: Band) -> int:
    """How many parts of ``labels`` lie outside ``band``."""
    pw = np.bincount(labels, weights=graph.weight)
    return int(((pw < band.lo) | (pw > band.hi)).sum())


def _metis(graph: Graph, k: int, seed: int, *, ufactor: int = 1) -> IntArray:
    scale = 1000.0 / max(float(graph.cost.max()), 1e-9)
    eweights = np.maximum(np.round(graph.cost * scale), 1).astype(np.int64)
    vweights = graph.weight * 64 + 1  # empty units weigh a little: no part is left empty
    # recursive bisection: k-way METIS leaves parts empty on small graphs with heavy vertices
    options = pymetis.Options(seed=seed, ufactor=ufactor, niter=10)
    _, parts = pymetis.part_graph(
        k,
        pymetis.CSRAdjacency(graph.indptr, graph.indices),
        vweights=vweights,
        eweights=eweights,
        recursive=True,
        options=options,
    )
    return np.asarray(parts, dtype=np.int64)


def _ufactor(graph: Graph, k: int, band: Band) -> int:
    """Imbalance METIS may use (per mille): part of the room the band leaves around the mean."""
    mean = float(graph.weight.sum()) / k
    if mean <= 0:
        return 1
    room = min(band.hi / mean - 1.0, 1.0 - band.lo / mean)
    return int(min(max(room * UFACTOR_SHARE * 1000, 1), 300))


def _compact_labels(labels: IntArray) -> IntArray:
    _, inv = np.unique(labels, return_inverse=True)
    return inv.astype(np.int64)


class _Repair:
    """Greedy, deterministic local moves on the part labels of one connected graph."""

    def __init__(self, graph: Graph, labels: IntArray, band: Band) -> None:
        self.band = band
        self.w = graph.weight.tolist()
        ip, ix, cost = graph.indptr.tolist(), graph.indices.tolist(), graph.cost.tolist()
        self.nbrs = [
            list(zip(ix[ip[u] : ip[u + 1]], cost[ip[u] : ip[u + 1]], strict=True))
            for u in range(graph.n)
        ]
        self.labels = labels.tolist()
        k = int(labels.max()) + 1
        self.pw = [0] * k
        self.size = [0] * k
        self.members: list[set[int]] = [set() for _ in range(k)]
        for u, p in enumerate(self.labels):
            self.pw[p] += self.w[u]
            self.size[p] += 1
            self.members[p].add(u)

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
        members = [u for u, q in enumerate(self.labels) if q == p]
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
            self._move(u, q)

    def _move(self, u: int, q: int) -> None:
        p = self.labels[u]
        self.labels[u] = q
        self.pw[p] -= self.w[u]
        self.pw[q] += self.w[u]
        self.size[p] -= 1
        self.size[q] += 1
        self.members[p].discard(u)
        self.members[q].add(u)

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

    # -- balance ----------------------------------------------------------------------------
    def _pen(self, x: int) -> int:
        return max(0, self.band.lo - x) + max(0, x - self.band.hi)

    def _dev(self, x: int) -> int:
        return (x - self.band.target) ** 2

    def balance(self, max_moves: int | None = None) -> None:
        """Move boundary units while the band violation, then the spread, strictly decreases."""
        limit = max_moves if max_moves is not None else 4 * len(self.w) + 50
        for _ in range(limit):
            bad = {p for p, x in enumerate(self.pw) if self._pen(x) > 0}
            if not bad:
                return
            near = set(bad)
            for p in bad:
                for u in self.members[p]:
                    near.update(self.labels[v] for v, _ in self.nbrs[u])
            if not self._best_balance_move(near):
                return

    def _best_balance_move(self, near: set[int]) -> bool:
        cands = []
        movable = [(u, r) for r in near if self.size[r] > 1 for u in self.members[r]]
        for u, p in movable:
            wu, wp = self.w[u], self.pw[p]
            if wu == 0:
                continue
            gain: dict[int, float] = {}
            own = 0.0
            for v, c in self.nbrs[u]:
                q = self.labels[v]
                if q == p:
                    own += c
                elif q in near:
                    gain[q] = gain.get(q, 0.0) + c
            for q, cq in gain.items():
                wq = self.pw[q]
                dpen = self._pen(wp - wu) + self._pen(wq + wu) - self._pen(wp) - self._pen(wq)
                ddev = self._dev(wp - wu) + self._dev(wq + wu) - self._dev(wp) - self._dev(wq)
                if dpen < 0 or (dpen == 0 and ddev < 0):
                    cands.append((dpen, own - cq, ddev, u, q))
        cands.sort()
        for _, _, _, u, q in cands[:64]:
            if self._stays_connected(u):
                self._move(u, q)
                return True
        return False

    def dissolve_light(self) -> bool:
        """Merge each part still below the band into the neighbour it fits best."""
        merged = False
        for p in sorted(range(len(self.pw)), key=lambda r: (self.pw[r], r)):
            if self.size[p] == 0 or self.pw[p] >= self.band.lo:
                continue
            border: dict[int, float] = {}
            for u, q in enumerate(self.labels):
                if q == p:
                    for v, c in self.nbrs[u]:
                        r = self.labels[v]
                        if r != p:
                            border[r] = border.get(r, 0.0) + c
            fits = [r for r in border if self.pw[r] + self.pw[p] <= self.band.hi]
            if not fits:
                continue
            q = min(fits, key=lambda r: (-border[r], r))
            for u in [u for u, r in enumerate(self.labels) if r == p]:
                self._move(u, q)
            merged = True
        return merged

    # -- compactness ------------------------------------------------------------------------
    def refine(self, passes: int = 3) -> None:
        """Move boundary units that cut less, keeping every part's band state no worse."""
        for _ in range(passes):
            moved = 0
            for u in range(len(self.w)):
                p = self.labels[u]
                if self.size[p] == 1:
                    continue
                own = 0.0
                gain: dict[int, float] = {}
                for v, c in self.nbrs[u]:
                    q = self.labels[v]
                    if q == p:
                        own += c
                    else:
                        gain[q] = gain.get(q, 0.0) + c
                if not gain:
                    continue
                q = min(gain, key=lambda r: (-gain[r], r))
                if gain[q] <= own * 1.0001:
                    continue
                wu, wp, wq = self.w[u], self.pw[p], self.pw[q]
                if self._pen(wp - wu) > self._pen(wp) or self._pen(wq + wu) > self._pen(wq):
                    continue
                if self._stays_connected(u):
                    self._move(u, q)
                    moved += 1
            if not moved:
                return

    # -- whole blocks ---------------------------------------------------------------------
    def snap_blocks(self, block: list[int], passes: int = 3) -> None:
        """Move each connected piece of a road block that lies in one part to the part it
        shares the costliest cut with, when that shortens the cut and keeps both in band: grid
        boundaries then run along the roads around the block instead of through it."""
        for _ in range(passes):
            moved = False
            for piece in self._block_pieces(block):
                if self._move_piece(piece):
                    moved = True
            if not moved:
                return

    def _block_pieces(self, block: list[int]) -> list[list[int]]:
        """Connected sets of nodes of one block and one part, lightest first."""
        seen: set[int] = set()
        pieces = []
        for s in range(len(self.w)):
            if s in seen or block[s] < 0:
                continue
            p, b = self.labels[s], block[s]
            seen.add(s)
            piece, queue = [s], deque([s])
            while queue:
                u = queue.popleft()
                for v, _ in self.nbrs[u]:
                    if v not in seen and self.labels[v] == p and block[v] == b:
                        seen.add(v)
                        piece.append(v)
                        queue.append(v)
            pieces.append(piece)
        pieces.sort(key=lambda c: (sum(self.w[u] for u in c), min(c)))
        return pieces

    def _move_piece(self, piece: list[int]) -> bool:
        p = self.labels[piece[0]]
        if any(self.labels[u] != p for u in piece) or len(piece) >= self.size[p]:
            return False
        inside = set(piece)
        stay = 0.0
        to: dict[int, float] = {}
        for u in piece:
            for v, c in self.nbrs[u]:
                if v in inside:
                    continue
                q = self.labels[v]
                if q == p:
                    stay += c
                else:
                    to[q] = to.get(q, 0.0) + c
        if not to:
            return False
        q = min(to, key=lambda r: (-to[r], r))
        if stay >= to[q] * 0.9999:
            return False
        wp = sum(self.w[u] for u in piece)
        if self._pen(self.pw[p] - wp) > self._pen(self.pw[p]):
            return False
        if self._pen(self.pw[q] + wp) > self._pen(self.pw[q]):
            return False
        if not self._connected_without(p, inside):
            return False
        for u in piece:
            self._move(u, q)
        return True

    def _connected_without(self, p: int, gone: set[int]) -> bool:
        """Whether part p minus the nodes ``gone`` is still one connected piece."""
        rest = [u for u, q in enumerate(self.labels) if q == p and u not in gone]
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
