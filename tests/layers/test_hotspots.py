"""Gi* hot spots: planted clusters are found, random surfaces stay within the FDR level, and the
statistic and pseudo p-values agree with esda's G_Local on the same weights."""

from __future__ import annotations

import numpy as np
import pytest
from analytics_lattice import block, queen
from esda.getisord import G_Local
from libpysal.weights import W, fill_diagonal, lat2W

from geogrid.errors import InputError
from geogrid.layers.hotspots import (
    _permutation_p,
    classify,
    fdr_threshold,
    gi_star,
    permutation_draws,
    star_weights,
)


def _esda_weights() -> W:
    """The same queen lattice for esda, with the unit self-weight of Gi* already on."""
    return fill_diagonal(lat2W(30, 30, rook=False), 1.0)


def _planted(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.poisson(10, size=30 * 30).astype(float)
    hot = block(30, 30, 3, 9, 4, 10)
    cold = block(30, 30, 20, 26, 18, 24)
    y[hot] = rng.poisson(30, size=hot.sum())
    y[cold] = rng.poisson(1, size=cold.sum())
    return y, hot, cold


def test_planted_hot_and_cold_clusters_are_found_at_their_grids() -> None:
    y, _, _ = _planted(seed=3)
    result = gi_star(y, queen(30, 30), permutations=999, seed=1)
    hot_core = block(30, 30, 4, 8, 5, 9)
    cold_core = block(30, 30, 21, 25, 19, 23)
    assert (result.bins[hot_core] >= 2).all()  # hot at 95% or better, after FDR
    assert (result.bins[cold_core] <= -2).all()
    far = ~(
        block(30, 30, 1, 12, 2, 12) | block(30, 30, 18, 28, 16, 26)
    )  # two cells away from both plants
    assert (result.bins[far] == 0).mean() > 0.97
    frame = result.frame([f"g{i}" for i in range(y.size)])
    assert frame.loc["g155", "label"].startswith("hot_")  # row 5, column 5
    assert frame.loc["g680", "label"].startswith("cold_")  # row 22, column 20


def test_random_surfaces_stay_within_the_fdr_level() -> None:
    # Under the global null, Benjamini-Hochberg bounds the chance of any false discovery by
    # alpha: over 40 seeds at 95% confidence, expect about 2 seeds with any hot or cold grid.
    w = queen(20, 20)
    any_false = 0
    for seed in range(40):
        y = np.random.default_rng(1000 + seed).poisson(10, size=400).astype(float)
        result = gi_star(y, w, permutations=999, seed=seed)
        any_false += int((np.abs(result.bins) >= 2).any())
    assert any_false <= 6


def test_without_fdr_random_surfaces_do_show_false_hot_spots() -> None:
    # The contrast that makes the FDR test meaningful: raw 95% flags ~5% of 400 grids.
    y = np.random.default_rng(7).poisson(10, size=400).astype(float)
    result = gi_star(y, queen(20, 20), permutations=999, seed=7, fdr=False)
    assert (np.abs(result.bins) >= 2).sum() > 5


@pytest.mark.parametrize("transform", ["B", "R"])
def test_gi_star_equals_esda_g_local_on_the_same_weights(transform: str) -> None:
    y, _, _ = _planted(seed=11)
    lattice = _esda_weights()
    theirs = G_Local(y, lattice, transform=transform, star=True, permutations=0)
    ours = gi_star(y, queen(30, 30), permutations=0, transform=transform)
    np.testing.assert_allclose(ours.g, theirs.Gs, rtol=1e-12)
    np.testing.assert_allclose(ours.expected, theirs.EGs, rtol=1e-12)
    np.testing.assert_allclose(ours.variance, theirs.VGs, rtol=1e-12)
    np.testing.assert_allclose(ours.z, theirs.Zs, rtol=1e-10)


def test_pseudo_p_values_equal_esdas_with_the_same_draws() -> None:
    # esda (without numba) draws with np.random.seed(seed) + choice(n - 1, kmax) per permutation;
    # given those draws, our vectorised permutations count exactly what esda's loop counts.
    # Binary weights keep every sum of counts exact, so ties compare alike in both.
    y, _, _ = _planted(seed=5)
    lattice = _esda_weights()
    theirs = G_Local(y, lattice, transform="B", star=True, permutations=199, seed=42, n_jobs=1)
    np.random.seed(42)
    draws = np.array([np.random.choice(899, size=8, replace=False) for _ in range(199)])
    ours = gi_star(y, queen(30, 30), permutations=199, transform="B", draws=draws)
    assert ours.p_sim is not None
    np.testing.assert_allclose(ours.p_sim, theirs.p_sim, rtol=1e-6)  # esda keeps float32


def test_pseudo_p_values_agree_with_esda_in_distribution() -> None:
    y, _, _ = _planted(seed=5)
    theirs = G_Local(y, _esda_weights(), star=True, permutations=999, seed=3)
    ours = gi_star(y, queen(30, 30), permutations=999, seed=3)
    assert ours.p_sim is not None
    # Independent draws: each p differs by Monte Carlo error only (sd <= 0.016 at p = 0.5).
    assert np.abs(ours.p_sim - theirs.p_sim).max() < 0.08
    assert ((ours.p_sim < 0.01) == (theirs.p_sim < 0.01)).mean() > 0.97


def test_fdr_threshold_is_benjamini_hochberg() -> None:
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    # k * 0.05 / 10: 0.005, 0.010, 0.015, 0.020, 0.025 ... -> the two smallest pass.
    assert fdr_threshold(p, 0.05) == 0.008
    assert fdr_threshold(np.array([0.5, 0.9]), 0.05) == 0.0


def test_bins_carry_sign_and_confidence() -> None:
    bins = classify(np.array([3.0, -2.5, 1.8, 0.5]), np.array([0.005, 0.03, 0.08, 0.6]), fdr=False)
    assert bins.tolist() == [3, -2, 1, 0]


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="positive total"):
        gi_star(np.zeros(4), queen(2, 2))
    with pytest.raises(InputError, match="3 values for 4 x 4"):
        gi_star(np.ones(3), queen(2, 2))


def test_the_fast_path_for_equal_weights_counts_what_the_general_path_counts() -> None:
    y, _, _ = _planted(seed=8)
    w = star_weights(queen(30, 30))
    g = (w @ y) / y.sum()
    draws = permutation_draws(y.size, 8, 199, seed=4)
    fast = _permutation_p(y, w, g, draws=draws)
    general = _permutation_p(y, w, g, draws=draws, uniform=False)
    np.testing.assert_array_equal(fast, general)
