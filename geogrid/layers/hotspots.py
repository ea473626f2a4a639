"""Getis-Ord Gi* hot and cold spots: the statistic, its p-values and ArcGIS-style bins.

Which p-value the bins use, and why. The statistic and its analytic moments are esda's
``G_Local(star=True)`` formulas. esda reports two p-values and leaves the choice to the user:
``p_norm`` (one-sided normal p of the z-score) and ``p_sim`` (folded conditional-permutation
pseudo p). ArcGIS Pro's Hot Spot Analysis bins (Gi_Bin +-1/2/3 at 90/95/99% confidence) by the
two-sided normal p of the z-score, optionally under a False Discovery Rate correction. We do the
same by default (``inference="normal"``, ``fdr=True``): ``p = 2 * norm.sf(|z|)`` (twice esda's
``p_norm``) under Benjamini-Hochberg at each level.

A permutation p-value cannot go below its floor, ``2 / (P + 1)`` for P permutations (two-sided:
twice the folded p_sim, itself at least ``1 / (P + 1)``). Benjamini-Hochberg over n grids passes
a lone grid only at ``p <= alpha / n``: with 999 permutations over ~500 grids the floor 0.002
needs 11 grids at the floor before any passes at 90%, 21 at 95% and 101 at 99%, so binning by
the permutation p under FDR (what this module did before) labelled almost every grid "not
significant". The permutation p is still computed (999 permutations by default, esda's
default) and reported as ``p_sim``; ``inference="permutation"`` bins by it instead. Then, with FDR, the permutations are raised to what lets a lone grid at the
floor pass BH at 99% (``permutations_for_fdr``: ``2n / 0.01``, 100,200 for 501 grids: 1.5 s),
up to ``max_permutations``; any level still limited by the floor is stated in the result
(``min_grids``, :meth:`GiStar.method`), never left as a silent "not significant".

The two answer different questions. The normal p treats the whole neighbourhood sum, the
grid's own count included, as random: one grid with an extreme count (a planted market in the
demo, 12x the mean) makes itself and the neighbours that share it hot. The conditional
permutation holds the grid's own count fixed and asks whether its neighbours are unusual, so a
lone busy grid among ordinary ones is not a hot spot. The default follows ArcGIS; ``p_sim`` in
the result tells the two cases apart.

The conditional permutations are in :mod:`geogrid.layers.gi_permutation`, the floor's
arithmetic and the legend line in :mod:`geogrid.layers.gi_method`. Pure functions over
arrays and scipy sparse weights; no database or web imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from geogrid.errors import InputError
from geogrid.layers.gi_method import (
    CONFIDENCE_LEVELS,
    INFERENCES,
    LEVEL_NAMES,
    Inference,
    method_text,
    min_grids,
    permutations_for_fdr,
)
from geogrid.layers.gi_permutation import permutation_draws, permutation_p

__all__ = [
    "CONFIDENCE_LEVELS",
    "INFERENCES",
    "GiStar",
    "Inference",
    "bin_labels",
    "classify",
    "fdr_threshold",
    "gi_star",
    "method_text",
    "min_grids",
    "permutations_for_fdr",
    "star_weights",
]

DEFAULT_PERMUTATIONS: Final = 999
DEFAULT_MAX_PERMUTATIONS: Final = 200_000
"""Most permutations a permutation-inference FDR run is raised to (~3 s on 500 grids)."""


@dataclass(frozen=True)
class GiStar:
    """Gi* of n observations.

    ``g``: the statistic (share of the total in each neighbourhood, self included); ``expected``,
    ``variance``: its analytic moments; ``z``: analytic z-score; ``p_norm``: two-sided normal
    p-value of z; ``p_sim``: esda's folded pseudo p-value (smaller tail, one-sided) or None
    without permutations; ``p``: the two-sided p-value the bins use (``p_norm`` for
    ``inference="normal"``, ``2 * p_sim`` capped at 1 for ``"permutation"``); ``bins``: -3..3
    after FDR (or raw) at 90/95/99%; ``permutations``: how many were run; ``min_grids``: per
    level of CONFIDENCE_LEVELS, the fewest grids that must share the smallest attainable p
    before any of them can pass (1: no limit; None: the level cannot be reached at all).
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
    inference: Inference = "normal"
    min_grids: tuple[int | None, ...] = (1, 1, 1)

    def frame(self, codes: pd.Index | list[str] | None = None) -> pd.DataFrame:
        """One row per observation (index: ``codes``): g, z, p, p_norm, p_sim, bin, label."""
        frame = pd.DataFrame(
            {
                "g": self.g,
                "z": self.z,
                "p": self.p,
                "p_norm": self.p_norm,
                "p_sim": self.p_sim if self.p_sim is not None else np.nan,
                "bin": self.bins,
                "label": bin_labels(self.bins),
            },
            index=codes,
        )
        return frame

    def parameters(self) -> dict[str, object]:
        """How the bins were made, for a result's metadata: inference, correction ("fdr_bh" or
        "none"), permutations run, confidence levels and the floor's limits (``min_grids``)."""
        return {
            "inference": self.inference,
            "correction": "fdr_bh" if self.fdr else "none",
            "permutations": self.permutations,
            "confidence_levels": list(CONFIDENCE_LEVELS),
            "min_grids": dict(zip(LEVEL_NAMES, self.min_grids, strict=True)),
        }

    def method(self) -> str:
        """One line for a legend, e.g. "Gi* z-score, normal p (two-sided), FDR (Benjamini-
        Hochberg)" plus what the permutation floor keeps out of reach, if anything."""
        return method_text(self.inference, self.fdr, self.permutations, self.min_grids)


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
    inference: str = "normal",
    permutations: int = DEFAULT_PERMUTATIONS,
    fdr: bool = True,
    max_permutations: int = DEFAULT_MAX_PERMUTATIONS,
    seed: int | None = 12345,
    transform: str = "B",
    draws: npt.NDArray[np.int64] | None = None,
) -> GiStar:
    """Gi* of ``values`` (n counts or rates) on spatial ``weights`` (n x n, no self loops needed).

    The weights get a unit diagonal and are kept binary (``transform="B"``: the Getis-Ord
    z-score, as ArcGIS reports it) or row-standardised (``"R"``, esda's default; esda's moments
    then use the row sums as cardinality). ``permutations`` conditional permutations give the
    reported pseudo p-values (0: none); ``draws`` (permutations x max neighbours ids from
    0..n-2) replaces the random draws, e.g. to reproduce another tool's. Bins are +-1/2/3 where
    the two-sided p-value of ``inference`` ("normal": of z; "permutation": 2 * p_sim) passes
    90/95/99% confidence, after Benjamini-Hochberg FDR control at each level when ``fdr``.
    Permutation inference under FDR runs at least :func:`permutations_for_fdr` permutations (at
    most ``max_permutations``; without ``draws``). Raises InputError for mismatched shapes, a
    zero or negative total, an unknown inference or permutation inference without permutations.
    """
    if inference not in INFERENCES:
        raise InputError(f"inference must be 'normal' or 'permutation', not {inference!r}")
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
    run = draws.shape[0] if draws is not None else max(0, permutations)
    if inference == "permutation":
        if run < 1:
            raise InputError("permutation inference needs at least one permutation")
        if fdr and draws is None:
            run = max(run, min(permutations_for_fdr(y.size), max_permutations))
    p_sim = None
    p, floor = p_norm, 0.0
    if run:
        if draws is None:
            kmax = int(np.diff(w.indptr).max()) - 1
            draws = permutation_draws(y.size, kmax, run, seed=seed)
        p_sim = permutation_p(y, w, g, draws=draws)
        if inference == "permutation":
            p, floor = np.minimum(1.0, 2.0 * p_sim), 2.0 / (run + 1.0)
    bins = classify(z, p, fdr=fdr)
    limits = min_grids(y.size, floor, fdr=fdr)
    kind = cast(Inference, inference)
    return GiStar(g, expected, variance, z, p_norm, p_sim, p, bins, run, fdr, kind, limits)


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
