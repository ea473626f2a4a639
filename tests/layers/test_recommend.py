"""Staff recommendations: coverage improves, bounds are true bounds against the exact optimum
(spopt.locate with CBC as the independent referee), and the time budget is kept."""

from __future__ import annotations

import time

import numpy as np
import pulp
import pytest
from scipy.spatial.distance import cdist
from spopt.locate import MCLP, PCenter

from geogrid.errors import InputError
from geogrid.layers.recommend import maximal_covering, p_center


def _town(side: int, seed: int, spacing: float = 100.0) -> tuple[np.ndarray, np.ndarray]:
    """Grid centroids on a jittered lattice (metres) and households clustered in two places."""
    rng = np.random.default_rng(seed)
    xy = np.array([(c, r) for r in range(side) for c in range(side)], dtype=float) * spacing
    xy += rng.uniform(-20, 20, size=xy.shape)
    centres = np.array([[0.25, 0.3], [0.7, 0.75]]) * side * spacing
    near = np.min(cdist(xy, centres), axis=1)
    weights = rng.poisson(5 + 40 * np.exp(-((near / (0.15 * side * spacing)) ** 2)))
    return xy, weights.astype(float)


def _spopt_mclp(xy: np.ndarray, w: np.ndarray, radius: float, p: int) -> float:
    model = MCLP.from_cost_matrix(cdist(xy, xy), w, radius, p_facilities=p)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    return float(pulp.value(model.problem.objective))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mclp_bound_is_a_true_bound_and_greedy_is_close(seed: int) -> None:
    xy, w = _town(14, seed)
    best = _spopt_mclp(xy, w, 250.0, 4)
    heuristic = maximal_covering(xy, w, xy, facilities=4, radius=250.0, exact=False)
    assert heuristic.objective <= best + 1e-6 <= heuristic.bound + 1e-6
    assert heuristic.objective >= (1 - 1 / np.e) * best
    exact = maximal_covering(xy, w, xy, facilities=4, radius=250.0, time_limit=20.0)
    assert exact.optimal and exact.objective == pytest.approx(best)
    assert exact.bound == pytest.approx(best)


def test_mclp_counts_existing_staff_and_improves_coverage() -> None:
    xy, w = _town(12, 4)
    existing = xy[[0, 143]]  # two corner grids already staffed
    result = maximal_covering(xy, w, xy, facilities=3, radius=200.0, existing=existing)
    covered_before = w[np.min(cdist(xy, existing), axis=1) <= 200.0].sum()
    assert result.baseline == pytest.approx(covered_before)
    sites = np.vstack([existing, xy[result.sites]])
    covered_after = w[np.min(cdist(xy, sites), axis=1) <= 200.0].sum()
    assert result.objective == pytest.approx(covered_after)
    assert covered_after > covered_before
    assert len(result.sites) == 3


@pytest.mark.parametrize("seed", [5, 6])
def test_p_center_lower_bound_is_true_and_exact_search_matches_spopt(seed: int) -> None:
    xy, _ = _town(7, seed)  # spopt/CBC needs ~20 s at 100 grids; ours 0.35 s
    model = PCenter.from_cost_matrix(cdist(xy, xy), p_facilities=3)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    best = float(pulp.value(model.problem.objective))
    heuristic = p_center(xy, xy, facilities=3, exact=False)
    assert heuristic.bound <= best + 1e-6 <= heuristic.objective + 1e-6
    assert heuristic.objective <= 2.0 * best + 1e-6
    exact = p_center(xy, xy, facilities=3, time_limit=30.0)
    assert exact.optimal and exact.objective == pytest.approx(best)


def test_p_center_with_existing_staff_never_worse_than_before() -> None:
    xy, _ = _town(10, 7)
    result = p_center(xy, xy, facilities=2, existing=xy[[0]])
    assert result.baseline == pytest.approx(np.max(cdist(xy, xy[[0]])))
    assert result.objective < result.baseline


def test_large_problems_answer_within_the_time_limit_with_a_bound() -> None:
    xy, w = _town(60, 8, spacing=40.0)  # 3,600 micro grids
    started = time.perf_counter()
    result = maximal_covering(xy, w, xy, facilities=30, radius=300.0, time_limit=1.5)
    assert time.perf_counter() - started < 1.5 + 1.5
    assert result.objective <= result.bound
    assert len(result.sites) == 30
    started = time.perf_counter()
    center = p_center(xy, xy, facilities=30, time_limit=1.5)
    assert time.perf_counter() - started < 1.5 + 1.5
    assert 0 < center.bound <= center.objective


def test_no_candidates_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="no candidate sites"):
        maximal_covering(np.zeros((2, 2)), [1, 1], np.zeros((0, 2)), facilities=1, radius=1.0)


def test_the_mip_is_stopped_at_the_deadline_even_when_highs_overruns() -> None:
    xy, w = _town(40, 9)  # 1,600 grids, ~20 candidates each: small enough to try the MIP
    started = time.perf_counter()
    result = maximal_covering(xy, w, xy, facilities=25, radius=250.0, time_limit=2.0)
    assert time.perf_counter() - started < 2.0 + 1.5
    assert "MIP" in result.method or "MIP" in " ".join(result.notes) or result.optimal
    assert result.objective <= result.bound
