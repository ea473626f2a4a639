"""Gi* hot spots: planted clusters are found (by the normal p of z under FDR, and by
permutations when enough are run), random surfaces stay within the FDR level, the permutation
floor is no longer a silent "not significant", and the statistic and p-values agree with esda's
G_Local on the same weights."""

from __future__ import annotations

import numpy as np
import pytest
from analytics_lattice import block, queen
from esda.getisord import G_Local
from libpysal.weights import W, fill_diagonal, lat2W

from geogrid.errors import InputError
from geogrid.layers.gi_method import stored_method
from geogrid.layers.gi_permutation import permutation_draws, permutation_p
from geogrid.layers.hotspots import (
    classify,
    fdr_threshold,
    gi_star,
    min_grids,
    permutations_for_fdr,
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


def _small_plant() -> np.ndarray:
    """20 x 20 grids of Poisson(10) counts with a 3 x 3 block of Poisson(25) at rows and
    columns 8..10 (seed 2: the block reads 22 24 10 / 20 32 26 / 34 23 19)."""
    rng = np.random.default_rng(2)
    y = rng.poisson(10, size=400).astype(float)
    plant = block(20, 20, 8, 11, 8, 11)
    y[plant] = rng.poisson(25, size=plant.sum())
    return y


# Bins of rows 6..12, columns 6..12 of the small plant (every other grid is 0).
_PLANT_BINS = np.array(
    [
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
        [0, 0, 3, 3, 3, 0, 0],
        [0, 3, 3, 3, 3, 2, 0],
        [0, 2, 3, 3, 3, 0, 0],
        [0, 0, 0, 2, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
    ]
)


def test_a_planted_block_is_hot_at_95_and_99_percent_under_fdr_by_default() -> None:
    y = _small_plant()
    result = gi_star(y, queen(20, 20), seed=1)
    assert result.inference == "normal" and result.fdr and result.permutations == 999
    bins = result.bins.reshape(20, 20)
    np.testing.assert_array_equal(bins[6:13, 6:13], _PLANT_BINS)
    assert np.abs(bins).sum() == np.abs(_PLANT_BINS).sum()  # nothing outside the patch
    assert result.min_grids == (1, 1, 1)
    assert result.method() == "Gi* z-score, normal p (two-sided), FDR (Benjamini-Hochberg)"
    # The centre grid (32 incidents, neighbours 18..34): z 10.94, far past 99% after FDR.
    assert round(float(result.z[9 * 20 + 9]), 2) == 10.94
    assert result.frame().loc[9 * 20 + 9, "label"] == "hot_99"


def test_the_permutation_floor_no_longer_hides_the_plant() -> None:
    # Before: bins by 2 * p_sim of 999 permutations under FDR. Its floor 2/1000 passes BH over
    # 400 grids only when 8 (90%), 16 (95%) or 80 (99%) grids share it: the plant was all 0.
    y, w = _small_plant(), queen(20, 20)
    old = gi_star(y, w, inference="permutation", permutations=999, max_permutations=999, seed=1)
    assert (old.bins == 0).all()
    assert old.min_grids == (8, 16, 80)  # said in the result, not silent
    assert old.method().endswith(
        "; 90% needs 8 grids at the floor, 95% needs 16 grids at the floor, "
        "99% needs 80 grids at the floor"
    )
    assert old.parameters()["min_grids"] == {"90%": 8, "95%": 16, "99%": 80}
    # Now: the default bins by the normal p of z (the test above), and permutation inference
    # under FDR runs enough permutations for a lone grid at the floor to pass at 99%.
    run = gi_star(y, w, inference="permutation", seed=1)
    assert run.permutations == 80_000 and run.min_grids == (1, 1, 1)
    assert run.parameters()["correction"] == "fdr_bh"
    bins = run.bins.reshape(20, 20)
    expected = [[0, 1, 3, 2], [2, 3, 3, 3], [0, 2, 3, 1]]  # rows 8..10, columns 7..10
    np.testing.assert_array_equal(bins[8:11, 7:11], expected)
    assert np.abs(bins).sum() == 23  # nothing outside


def test_permutations_needed_for_fdr_and_the_grids_the_floor_asks_for() -> None:
    assert permutations_for_fdr(501) == 100_200  # the demo's basic grids at 99%
    assert permutations_for_fdr(501, 0.90) == 10_020
    assert permutations_for_fdr(400) == 80_000
    # 999 permutations over 501 grids: the brief's 11 / 21 / 101 grids at the floor.
    assert min_grids(501, 2 / 1000, fdr=True) == (11, 21, 101)
    assert min_grids(501, 2 / 100_201, fdr=True) == (1, 1, 1)
    assert min_grids(501, 0.0, fdr=True) == (1, 1, 1)  # the normal p has no floor
    assert min_grids(501, 2 / 100, fdr=False) == (1, 1, None)  # 0.0198 is not below 0.01
    with pytest.raises(InputError, match="inference must be"):
        gi_star(_small_plant(), queen(20, 20), inference="bootstrap")
    with pytest.raises(InputError, match="at least one permutation"):
        gi_star(_small_plant(), queen(20, 20), inference="permutation", permutations=0)


def test_a_result_stored_before_the_method_was_recorded_is_described_as_it_was_made() -> None:
    # Before, the bins used 2 * p_sim under FDR whenever permutations ran: its legend says so,
    # with the floor's demands, instead of passing for the normal p.
    old = stored_method({"permutations": 999, "fdr": True, "rate": False}, {"grids": 501})
    assert old == (
        "Gi* 999 conditional permutations, pseudo p (two-sided), FDR (Benjamini-Hochberg); "
        "90% needs 11 grids at the floor, 95% needs 21 grids at the floor, "
        "99% needs 101 grids at the floor"
    )
    analytic = stored_method({"permutations": 0, "fdr": False}, {"grids": 64})
    assert analytic == "Gi* z-score, normal p (two-sided), no FDR correction"
    recorded = {"method": "Gi* z-score, normal p (two-sided), FDR (Benjamini-Hochberg)"}
    assert stored_method({"inference": "normal"}, recorded) == recorded["method"]


@pytest.mark.parametrize("seed", [100, 102, 103, 104])
def test_a_random_field_has_no_significant_grid(seed: int) -> None:
    y = np.random.default_rng(seed).poisson(10, size=400).astype(float)
    assert (gi_star(y, queen(20, 20), seed=1).bins == 0).all()


def test_z_and_normal_p_equal_esdas_on_the_small_plant() -> None:
    # esda's p_norm is one-sided (norm.sf(|z|)); ours, like ArcGIS's p, is two-sided.
    y = _small_plant()
    theirs = G_Local(y, fill_diagonal(lat2W(20, 20, rook=False), 1.0), transform="B", star=True,
                     permutations=0)  # fmt: skip
    ours = gi_star(y, queen(20, 20), permutations=0)
    np.testing.assert_allclose(ours.z, theirs.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.p_norm, 2 * theirs.p_norm, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(ours.p, ours.p_norm)
    assert ours.p_sim is None and ours.permutations == 0


@pytest.mark.parametrize("inference", ["normal", "permutation"])
def test_planted_hot_and_cold_clusters_are_found_at_their_grids(inference: str) -> None:
    y, _, _ = _planted(seed=3)
    result = gi_star(y, queen(30, 30), inference=inference, seed=1)
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


@pytest.mark.parametrize("rate", [False, True])
def test_the_fast_path_for_equal_weights_counts_what_the_general_path_counts(rate: bool) -> None:
    y, _, _ = _planted(seed=8)
    if rate:  # incidents per household: sums of fractions, added in another order
        y = y / np.random.default_rng(8).integers(50, 400, size=y.size)
    w = star_weights(queen(30, 30))
    g = (w @ y) / y.sum()
    draws = permutation_draws(y.size, 8, 199, seed=4)
    fast = permutation_p(y, w, g, draws=draws)
    general = permutation_p(y, w, g, draws=draws, uniform=False)
    np.testing.assert_array_equal(fast, general)
