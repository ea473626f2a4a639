"""Conditional permutation inference of Gi* (esda's ``crand`` scheme), vectorised in numpy.

One draw of ``max(k)`` ids per permutation is shared by every observation, skipping the
observation itself, as esda does; the counts are vectorised in chunks, so a request never waits
for a numba compilation. Used by :mod:`geogrid.layers.hotspots`; pure functions over arrays and
scipy sparse weights.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from geogrid.errors import InputError

_CHUNK_CELLS: Final = 4_000_000  # values gathered per chunk: ~32 MB of float64
# Sums per chunk of the equal-weight path: 2 MB arrays stay in cache (4 MB chunks of 32 MB
# took 3x as long on 20,000 grids).
_UNIFORM_CELLS: Final = 250_000


def permutation_p(
    y: npt.NDArray[np.float64],
    w: sp.csr_matrix,
    g: npt.NDArray[np.float64],
    *,
    draws: npt.NDArray[np.int64],
    uniform: bool = True,
) -> npt.NDArray[np.float64]:
    """Folded pseudo p-values, (min(larger, P - larger) + 1) / (P + 1), as esda's crand.

    For observation i with k neighbours (self excluded), permutation p draws ids
    ``S[p, :k]`` from 0..n-2 and maps id >= i to id + 1 (so i itself is never drawn): the
    neighbour values are ``y[S]`` where ``S < i`` and ``y[S + 1]`` elsewhere. ``S`` is shared
    by every i, so only a comparison with i and a select remain per observation.
    """
    n = y.size
    self_w, other_w, counts = _split_self(w)
    kmax = int(counts.max()) if n else 0
    permutations = draws.shape[0]
    if draws.shape[1] < kmax or (draws.size and draws.max() > n - 2):
        raise InputError(f"draws must be ids 0..{n - 2} with at least {kmax} columns")
    ids = draws[:, :kmax]
    below = y[ids]  # value when the drawn id is left of i
    above = y[ids + 1]  # value when it is right of (or at) i
    if uniform and _rows_uniform(other_w, counts):
        larger = _larger_uniform(y, w, ids, below, above, counts)
    else:
        larger = _larger_general(y, g, ids, below, above, self_w, other_w)
    folded = np.minimum(larger, permutations - larger)
    p_sim = (folded + 1.0) / (permutations + 1.0)
    p_sim[counts == 0] = 1.0  # a grid without neighbours: no evidence either way
    return p_sim


def _rows_uniform(other_w: npt.NDArray[np.float64], counts: npt.NDArray[np.int64]) -> bool:
    """Every row's neighbour weights are equal (binary or row-standardised contiguity)."""
    filled = np.arange(other_w.shape[1])[None, :] < counts[:, None]
    return bool(np.all((other_w == other_w[:, :1]) | ~filled))


def _larger_uniform(
    y: npt.NDArray[np.float64],
    w: sp.csr_matrix,
    ids: npt.NDArray[np.int64],
    below: npt.NDArray[np.float64],
    above: npt.NDArray[np.float64],
    counts: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """How often the permuted neighbour sum reaches the observed one, for equal weights.

    With equal weights the comparison is between plain sums of k neighbour values. For k
    neighbours, permutation p sums ``above[p, :k]`` plus ``below - above`` over the drawn ids
    < i. For the observations with k neighbours (sorted ids), a drawn id counts for those from
    ``searchsorted(group, id, "right")`` on, so the corrections binned by that position and
    summed cumulatively give every observation's sum: O(n + nnz log n) per permutation in all,
    in chunks of permutations, with no Python loop per permutation.
    """
    n, permutations = y.size, ids.shape[0]
    pattern = sp.csr_matrix(w, copy=True)
    pattern.setdiag(0.0)
    pattern.eliminate_zeros()
    pattern.data[:] = 1.0
    observed = pattern @ y  # sum of the neighbours' values, self excluded
    larger = np.zeros(n, dtype=np.int64)
    for k in np.unique(counts[counts > 0]):
        group = np.flatnonzero(counts == k)  # sorted
        size = group.size
        target = observed[group]
        chunk = max(1, _UNIFORM_CELLS // (size + 1))
        for start in range(0, permutations, chunk):
            stop = min(permutations, start + chunk)
            rows = stop - start
            first = np.searchsorted(group, ids[start:stop, :k], side="right")
            slots = (np.arange(rows)[:, None] * (size + 1) + first).ravel()
            delta = (below[start:stop, :k] - above[start:stop, :k]).ravel()
            binned = np.bincount(slots, weights=delta, minlength=rows * (size + 1))
            prefix = np.cumsum(binned.reshape(rows, size + 1)[:, :size], axis=1)
            sims = above[start:stop, :k].sum(axis=1)[:, None] + prefix
            larger[group] += (sims >= target[None, :]).sum(axis=0)
    return larger


def _larger_general(
    y: npt.NDArray[np.float64],
    g: npt.NDArray[np.float64],
    ids: npt.NDArray[np.int64],
    below: npt.NDArray[np.float64],
    above: npt.NDArray[np.float64],
    self_w: npt.NDArray[np.float64],
    other_w: npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """How often the permuted statistic reaches the observed one, for any weights."""
    n, permutations, kmax = y.size, ids.shape[0], ids.shape[1]
    total = y.sum()
    larger = np.empty(n, dtype=np.int64)
    chunk = max(1, _CHUNK_CELLS // max(1, permutations * max(kmax, 1)))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        rows = np.arange(start, stop)
        shift = ids[None, :, :] >= rows[:, None, None]  # (c, P, kmax)
        drawn = np.where(shift, above[None], below[None])
        sims = np.matmul(drawn, other_w[start:stop, :, None])[:, :, 0]
        sims = (sims + (self_w[start:stop] * y[start:stop])[:, None]) / total
        larger[start:stop] = (sims >= g[start:stop, None]).sum(axis=1)
    return larger


def _split_self(
    w: sp.csr_matrix,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Self weights, neighbour weights (n x k max, padded with 0) and neighbour counts."""
    n = w.shape[0]
    self_w = w.diagonal().astype(np.float64)
    off = w - sp.diags(self_w)
    off = sp.csr_matrix(off)
    off.eliminate_zeros()
    counts = np.diff(off.indptr)
    kmax = int(counts.max()) if n else 0
    padded = np.zeros((n, max(kmax, 1)), dtype=np.float64)
    rows = np.repeat(np.arange(n), counts)
    cols = np.arange(off.nnz) - np.repeat(off.indptr[:-1], counts)
    padded[rows, cols] = off.data
    return self_w, padded, counts


def permutation_draws(
    n: int, size: int, permutations: int, *, seed: int | None = None
) -> npt.NDArray[np.int64]:
    """``permutations`` rows of ``size`` distinct ids from 0..n-2 (ids of the others of one
    observation, in esda's scheme), shape (permutations, size)."""
    rng = np.random.default_rng(seed)
    population = n - 1
    size = min(size, population)
    if size == 0:
        return np.zeros((permutations, 0), dtype=np.int64)
    out = np.empty((permutations, size), dtype=np.int64)
    if population <= 4096:
        # Random keys and argpartition: distinct ids without a Python loop per permutation;
        # rows in chunks, as 100,000 permutations of 500 keys would be 400 MB at once.
        rows = max(1, _CHUNK_CELLS // population)
        for start in range(0, permutations, rows):
            stop = min(permutations, start + rows)
            keys = rng.random((stop - start, population))
            out[start:stop] = np.argpartition(keys, size - 1, axis=1)[:, :size]
        return out
    for r in range(permutations):
        out[r] = rng.choice(population, size=size, replace=False)
    return out
