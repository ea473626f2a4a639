"""Emerging hot spots: a space-time cube of grids x time steps, Gi* per bin with space-time
neighbours, a Mann-Kendall trend of each grid's z-scores, and ArcGIS Pro's seventeen classes.

The rules follow Esri's "How Emerging Hot Spot Analysis works" (ArcGIS Pro):

- *new*: significant hot in the final step, never significant hot before;
- *consecutive*: one uninterrupted run of >= 2 significant hot steps ending with the final
  step, never significant hot before that run, and less than 90% of all steps hot;
- *intensifying* / *diminishing*: significant hot in >= 90% of the steps including the final
  one, and the z-scores rise / fall with a significant Mann-Kendall trend;
- *persistent*: significant hot in >= 90% of the steps including the final one, no
  significant trend;
- *oscillating*: significant hot in the final step, significant cold in some earlier step,
  less than 90% of the steps hot;
- *sporadic*: significant hot in the final step, on and off before, less than 90% of the steps
  hot and never significant cold;
- *historical*: the final step is not significant hot, but >= 90% of the steps were.

Cold classes mirror them. Where two rules could both apply, the order above decides (new before
consecutive before the 90% classes before oscillating before sporadic); a location that fits a
hot rule and a cold rule is given the class of its final step's sign. Pure numpy/scipy.
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
from geogrid.layers.hotspots import fdr_threshold, star_weights

PATTERNS: Final = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)
CLASSES: Final = (
    "no_pattern",
    *(f"{p}_hot_spot" for p in PATTERNS),
    *(f"{p}_cold_spot" for p in PATTERNS),
)
"""The seventeen classes of ArcGIS Pro's Emerging Hot Spot Analysis, snake_case."""


@dataclass(frozen=True)
class EmergingResult:
    """Per location: its class, the Mann-Kendall trend of its z-scores and its bins over time.

    ``z`` and ``significant`` are (steps x locations): Gi* z-scores and -1/0/+1 significance
    (cold / none / hot) of every bin.
    """

    classes: list[str]
    trend_z: npt.NDArray[np.float64]
    trend_p: npt.NDArray[np.float64]
    z: npt.NDArray[np.float64]
    significant: npt.NDArray[np.int8]

    def frame(self, codes: pd.Index | list[str] | None = None) -> pd.DataFrame:
        """One row per location: class, trend z and p, counts of hot and cold steps."""
        return pd.DataFrame(
            {
                "pattern": self.classes,
                "trend_z": self.trend_z,
                "trend_p": self.trend_p,
                "hot_steps": (self.significant > 0).sum(axis=0),
                "cold_steps": (self.significant < 0).sum(axis=0),
                "final_z": self.z[-1] if self.z.size else np.array([]),
            },
            index=codes,
        )


def space_time_weights(
    spatial: sp.spmatrix | sp.sparray, steps: int, *, time_lag: int = 1
) -> sp.csr_matrix:
    """Binary space-time weights over ``steps * n`` bins (bin of grid i at step t: t * n + i).

    A bin's neighbours are its spatial neighbours and itself at the same step and at each of the
    ``time_lag`` steps before (Esri's "neighborhood time step").
    """
    star = star_weights(spatial)
    star.data[:] = 1.0
    blocks = [sp.kron(sp.eye(steps, k=-lag, format="csr"), star) for lag in range(time_lag + 1)]
    return sp.csr_matrix(sum(blocks[1:], blocks[0]))


def cube_gi_star(
    cube: npt.ArrayLike, spatial: sp.spmatrix | sp.sparray, *, time_lag: int = 1
) -> npt.NDArray[np.float64]:
    """Gi* z-scores of every bin of ``cube`` (steps x locations) with space-time neighbours.

    The global mean and variance are those of the whole cube, as in Esri's tool.
    """
    values = np.asarray(cube, dtype=np.float64)
    if values.ndim != 2:
        raise InputError("a space-time cube is a 2-D array of time steps x locations")
    steps = values.shape[0]
    star = star_weights(spatial)
    star.data[:] = 1.0
    count = values.size
    mean = values.mean()
    std = np.sqrt((values**2).mean() - mean**2)
    if std == 0:
        return np.zeros_like(values)
    # The space-time lag without the (steps * n)^2 matrix of space_time_weights: the spatial
    # lag of each step, summed over the step and the time_lag steps before it.
    spatial_lag = np.asarray(star @ values.T).T  # steps x n
    cumulative = np.cumsum(spatial_lag, axis=0)
    lagged = cumulative.copy()
    lagged[time_lag + 1 :] -= cumulative[: steps - time_lag - 1]
    cardinality = np.asarray(star.sum(axis=1)).ravel()
    window = np.minimum(np.arange(steps), time_lag) + 1.0  # steps in each neighbourhood
    weight_sum = window[:, None] * cardinality[None, :]  # binary: also the sum of squares
    numerator = lagged - mean * weight_sum
    denominator = std * np.sqrt((count * weight_sum - weight_sum**2) / (count - 1))
    return numerator / denominator


def mann_kendall(series: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Mann-Kendall trend of each column of ``series`` (steps x locations): z and two-sided p.

    S counts rising minus falling pairs; its variance carries the tie correction; z uses the
    continuity correction (S - 1 or S + 1).
    """
    x = np.asarray(series, dtype=np.float64)
    steps = x.shape[0]
    s = np.zeros(x.shape[1])
    for i in range(steps - 1):
        s += np.sign(x[i + 1 :] - x[i]).sum(axis=0)
    variance = steps * (steps - 1) * (2 * steps + 5) / 18.0 - _tie_terms(x) / 18.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(
            variance > 0,
            np.where(s > 0, s - 1, np.where(s < 0, s + 1, 0.0)) / np.sqrt(variance),
            0.0,
        )
    return z, 2.0 * stats.norm.sf(np.abs(z))


def _tie_terms(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Sum of t (t - 1) (2t + 5) over the groups of t equal values of each column."""
    equal = np.diff(np.sort(x, axis=0), axis=0) == 0
    run = np.zeros(x.shape[1])
    terms = np.zeros(x.shape[1])
    for row in np.vstack([equal, np.zeros((1, x.shape[1]), dtype=bool)]):
        ended = ~row & (run > 0)
        t = run[ended] + 1
        terms[ended] += t * (t - 1) * (2 * t + 5)
        run = np.where(row, run + 1, 0)
    return terms


def significance(
    z: npt.NDArray[np.float64], *, confidence: float = 0.90, fdr: bool = True
) -> npt.NDArray[np.int8]:
    """-1/0/+1 per bin: cold / not / hot where the two-sided p passes ``confidence``, with
    Benjamini-Hochberg control within each time step when ``fdr``."""
    p = 2.0 * stats.norm.sf(np.abs(z))
    alpha = 1.0 - confidence
    passed = np.zeros(z.shape, dtype=bool)
    for t in range(z.shape[0]):
        cut = fdr_threshold(p[t], alpha) if fdr else alpha
        passed[t] = (p[t] <= cut) & (cut > 0) if fdr else p[t] < cut
    return (np.sign(z) * passed).astype(np.int8)


def emerging_hot_spots(
    cube: npt.ArrayLike,
    spatial: sp.spmatrix | sp.sparray,
    *,
    time_lag: int = 1,
    confidence: float = 0.90,
    fdr: bool = True,
    trend_alpha: float = 0.05,
) -> EmergingResult:
    """Classify each location of ``cube`` (steps x locations, e.g. incident counts per grid and
    week) into one of :data:`CLASSES`. ``spatial``: n x n contiguity weights of the grids.

    Raises InputError when the cube has fewer than 2 steps or does not fit the weights.
    """
    values = np.asarray(cube, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] < 2:
        raise InputError("emerging hot spots need a cube of at least 2 time steps x locations")
    if values.shape[1] != sp.csr_matrix(spatial).shape[0]:
        raise InputError(f"{values.shape[1]} locations for weights of {spatial.shape[0]}")
    z = cube_gi_star(values, spatial, time_lag=time_lag)
    sig = significance(z, confidence=confidence, fdr=fdr)
    trend_z, trend_p = mann_kendall(z)
    classes = [
        classify_series(sig[:, i], trend_z[i], trend_p[i], trend_alpha=trend_alpha)
        for i in range(values.shape[1])
    ]
    return EmergingResult(classes, trend_z, trend_p, z, sig)


def classify_series(
    significant: npt.ArrayLike, trend_z: float, trend_p: float, *, trend_alpha: float = 0.05
) -> str:
    """The class of one location from its -1/0/+1 significance series and its z-score trend."""
    sig = np.asarray(significant, dtype=np.int8)
    final = int(sig[-1])
    order = (1, -1) if final >= 0 else (-1, 1)
    for sign in order:
        pattern = _pattern(sig * sign, sign * trend_z, trend_p, trend_alpha)
        if pattern is not None:
            return f"{pattern}_{'hot' if sign > 0 else 'cold'}_spot"
    return "no_pattern"


def _pattern(sig: npt.NDArray[np.int8], rising: float, trend_p: float, alpha: float) -> str | None:
    """Esri's rules for hot spots (cold ones come in with the signs flipped)."""
    hot = sig > 0
    steps = hot.size
    mostly = hot.sum() >= 0.9 * steps
    if not hot[-1]:
        return "historical" if mostly else None
    if not hot[:-1].any():
        return "new"
    run = _final_run(hot)
    if run >= 2 and not hot[: steps - run].any() and not mostly:
        return "consecutive"
    if mostly:
        if trend_p <= alpha and rising > 0:
            return "intensifying"
        if trend_p <= alpha and rising < 0:
            return "diminishing"
        return "persistent"
    if (sig < 0).any():
        return "oscillating"
    return "sporadic"


def _final_run(flags: npt.NDArray[np.bool_]) -> int:
    """Length of the run of True values that ends with the last element."""
    misses = np.flatnonzero(~flags)
    return int(flags.size - (misses[-1] + 1)) if misses.size else int(flags.size)
