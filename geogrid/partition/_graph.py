"""The unit graph the balancing works on: CSR adjacency, cut costs, weights, road blocks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


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
