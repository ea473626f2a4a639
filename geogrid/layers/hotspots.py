"""Getis-Ord Gi* hot spots with conditional permutation inference and FDR control, in numpy.

The statistic and its analytic moments are esda's ``G_Local(star=True)`` formulas; the
conditional permutations follow esda's scheme (one draw of ``max(k)`` ids per permutation,
shared by every observation, skipping the observation itself), vectorised in chunks, so a
request never waits for a numba compilation. Pure functions over arrays and scipy sparse
weights; no database or web imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from geogrid.errors import InputError

CONFIDENCE_LEVELS: Final = (0.90, 0.95, 0.99)
"""Confidence levels of the hot/cold bins: bin +-1, +-2, +-3 (ArcGIS's Gi_Bin)."""
DEFAULT_PERMUTATIONS: Final = 999
_CHUNK_CELLS: Final = 4_000_000  # values gathered per chunk: ~32 MB of float64


@dataclass(frozen=True)
class GiStar:
    """Gi* of n observations.

    ``g``: the statistic (share of the total in each neighbourhood, self included); ``expected``,
    ``variance``: its analytic moments; ``z``: analytic z-score; ``p_norm``: two-sided normal
    p-value; ``p_sim``: esda's folded pseudo p-value (smaller tail, one-sided) or None without
    permutations; ``p``: the two-sided p-value the bins use (2 * p_sim capped at 1, or p_norm);
    ``bins``: -3..3 after FDR (or raw) at 90/95/99%.
    """

    g: npt.NDArray[np.float64]
    expected: npt.NDArray[np.float64]
    variance: npt.NDArray[np.float64]
    z: npt.NDArray[np.float64]
    p_norm: npt.NDArray[np.float64]
    p_sim: npt.NDArray[np.float64] | None
    p: npt.NDArray[np.float64]
    bins: npt.NDArray[np.int8]
    permutations: int
    fdr: bool

    def frame(self, codes: pd.Index | list[str] | None = None) -> pd.DataFrame:
        """One row per observation (index: ``codes``): g, z, p, p_sim, bin, label."""
        frame = pd.DataFrame(
            {
                "g": self.g,
                "z": self.z,
                "p": self.p,
                "p_sim": self.p_sim if self.p_sim is not None else np.nan,
                "bin": self.bins,
                "label": bin_labels(self.bins),
            },
            index=codes,
        )
        return frame


def star_weights(weights: sp.spmatrix | sp.sparray) -> sp.csr_matrix:
    """Binary weights with the diagonal set to 1 (each grid is its own neighbour), CSR."""
    w = sp.csr_matrix(weights, dtype=np.float64, copy=True)
    if w.shape[0] != w.shape[1]:
        raise InputError(f"weights must be square, not {w.shape[0]} x {w.shape[1]}")
    w.setdiag(1.0)
    w.eliminate_zeros()
    w.sort_indices()
    return w


def row_standardise(w: sp.csr_matrix) -> sp.csr_matrix:
    """Each row divided by its sum (esda's transform 'R')."""
    sums = np.asarray(w.sum(axis=1)).ravel()
    sums[sums == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / sums) @ w)


def gi_star(
    values: npt.ArrayLike,
    weights: sp.spmatrix | sp.sparray,
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    fdr: bool = True,
    seed: int | None = 12345,
    transform: str = "B",
    draws: npt.NDArray[np.int64] | None = None,
) -> GiStar:
    """Gi* of ``values`` (n counts or rates) on spatial ``weights`` (n x n, no self loops needed).

    The weights get a unit diagonal and are kept binary (``transform="B"``: the Getis-Ord
    z-score, as ArcGIS reports it) or row-standardised (``"R"``, esda's default; esda's moments
    then use the row sums as cardinality). ``permutations`` conditional permutations give pseudo
    p-values (0 for analytic only); ``draws`` (permutations x max neighbours ids from 0..n-2)
    replaces the random draws, e.g. to reproduce another tool's. Bins are +-1/2/3 where the two-sided
    p-value passes 90/95/99% confidence, after Benjamini-Hochberg FDR control at each level when
    ``fdr`` is true. Raises InputError for mismatched shapes or a zero or negative total.
    """
    y = np.asarray(values, dtype=np.float64).ravel()
    w = star_weights(weights)
    if w.shape[0] != y.size:
        raise InputError(f"{y.size} values for {w.shape[0]} x {w.shape[0]} weights")
    if transform.upper() == "R":
        w = row_standardise(w)
    elif transform.upper() != "B":
        raise InputError(f"transform must be 'R' or 'B', not {transform!r}")
    if not np.isfinite(y).all() or y.sum() <= 0:
        raise InputError("Gi* needs finite values with a positive total")
    g, expected, variance, z = _analytic(y, w)
    p_norm = 2.0 * stats.norm.sf(np.abs(z))
    p_sim = None
    p = p_norm
    if permutations:
        if draws is None:
            kmax = int(np.diff(w.indptr).max()) - 1
            draws = permutation_draws(y.size, kmax, permutations, seed=seed)
        p_sim = _permutation_p(y, w, g, draws=draws)
        p = np.minimum(1.0, 2.0 * p_sim)
    bins = classify(z, p, fdr=fdr)
    return GiStar(g, expected, variance, z, p_norm, p_sim, p, bins, permutations, fdr)


def _analytic(y: npt.NDArray[np.float64], w: sp.csr_matrix) -> tuple[npt.NDArray[np.float64], ...]:
    """esda's G_Local(star=True) statistic, expectation, variance and z-score."""
    n = y.size
    total = y.sum()
    g = (w @ y) / total
    mean = total / n
    variance_y = (y**2).sum() / n - mean**2
    cardinality = np.asarray(w.sum(axis=1)).ravel()
    expected = cardinality / n
    variance = cardinality * (n - cardinality) / (n - 1) / n**2 * (variance_y / mean**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(variance > 0, (g - expected) / np.sqrt(variance), 0.0)
    return g, expected, variance, z


def _permutation_p(
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
    neighbours, permutation p sums ``below[p, :k]`` plus ``above - below`` over the drawn ids
    >= i: with the first k ids sorted, that is a suffix sum found by one binary search per
    observation, so the work per permutation is O(n log k) instead of O(n k).
    """
    pattern = sp.csr_matrix(w, copy=True)
    pattern.setdiag(0.0)
    pattern.eliminate_zeros()
    pattern.data[:] = 1.0
    observed = pattern @ y  # sum of the neighbours' values, self excluded
    larger = np.zeros(y.size, dtype=np.int64)
    for k in np.unique(counts[counts > 0]):
        group = np.flatnonzero(counts == k)
        order = np.argsort(ids[:, :k], axis=1, kind="stable")
        sorted_ids = np.take_along_axis(ids[:, :k], order, axis=1)
        shift = np.take_along_axis(above[:, :k] - below[:, :k], order, axis=1)
        suffix = np.zeros((ids.shape[0], k + 1))
        suffix[:, :k] = np.cumsum(shift[:, ::-1], axis=1)[:, ::-1]
        base = below[:, :k].sum(axis=1)
        target = observed[group]
        for p in range(ids.shape[0]):
            left = np.searchsorted(sorted_ids[p], group, side="left")
            larger[group] += base[p] + suffix[p, left] >= target
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
    repeats = permutations
    size = min(size, population)
    if size == 0:
        return np.zeros((repeats, 0), dtype=np.int64)
    # Random keys and argpartition: distinct ids without a Python loop per permutation.
    if population <= 4096:
        keys = rng.random((repeats, population))
        return np.argpartition(keys, size - 1, axis=1)[:, :size].astype(np.int64)
    out = np.empty((repeats, size), dtype=np.int64)
    for r in range(repeats):
        out[r] = rng.choice(population, size=size, replace=False)
    return out


def fdr_threshold(p: npt.ArrayLike, alpha: float) -> float:
    """Benjamini-Hochberg: the largest p-value p_(k) with p_(k) <= k * alpha / n (0 if none)."""
    ordered = np.sort(np.asarray(p, dtype=np.float64).ravel())
    n = ordered.size
    if n == 0:
        return 0.0
    passing = np.flatnonzero(ordered <= alpha * np.arange(1, n + 1) / n)
    return float(ordered[passing[-1]]) if passing.size else 0.0


def classify(z: npt.ArrayLike, p: npt.ArrayLike, *, fdr: bool = True) -> npt.NDArray[np.int8]:
    """Bins -3..3: sign of z times the highest confidence level (90/95/99%) p passes."""
    z = np.asarray(z, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    bins = np.zeros(z.shape, dtype=np.int8)
    for level, confidence in enumerate(CONFIDENCE_LEVELS, start=1):
        alpha = 1.0 - confidence
        cut = fdr_threshold(p, alpha) if fdr else alpha
        passed = (p <= cut) if fdr else (p < cut)
        if fdr and cut == 0.0:
            passed = np.zeros_like(passed)
        bins[passed] = level
    return (np.sign(z) * bins).astype(np.int8)


_LABELS: Final = {
    -3: "cold_99",
    -2: "cold_95",
    -1: "cold_90",
    0: "not_significant",
    1: "hot_90",
    2: "hot_95",
    3: "hot_99",
}


def bin_labels(bins: npt.ArrayLike) -> list[str]:
    """``hot_99``, ``cold_90``, ``not_significant``... for each bin."""
    return [_LABELS[int(b)] for b in np.asarray(bins).ravel()]
