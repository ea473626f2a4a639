"""Emerging hot spots: each of ArcGIS Pro's classes is found by its own planted pattern."""

from __future__ import annotations

import numpy as np
import pytest
from analytics_lattice import block, queen

from geogrid.errors import InputError
from geogrid.layers.emerging import (
    CLASSES,
    classify_series,
    cube_gi_star,
    emerging_hot_spots,
    mann_kendall,
    space_time_weights,
)

SIDE, STEPS = 15, 20
CENTRE = 7 * SIDE + 7
PLANT = block(SIDE, SIDE, 6, 9, 6, 9)


def _cube(levels: list[float], *, background: float = 10.0, seed: int = 0) -> np.ndarray:
    """Poisson counts: ``background`` everywhere, ``levels[t]`` in the planted 3 x 3 block."""
    rng = np.random.default_rng(seed)
    cube = rng.poisson(background, size=(STEPS, SIDE * SIDE)).astype(float)
    for t, level in enumerate(levels):
        cube[t, PLANT] = rng.poisson(level, size=PLANT.sum())
    return cube


def _steps(value: float, at: set[int], *, base: float = 10.0) -> list[float]:
    return [value if t in at else base for t in range(STEPS)]


HOT_PATTERNS = {
    "new_hot_spot": _steps(45, {19}),
    "consecutive_hot_spot": _steps(45, {16, 17, 18, 19}),
    "intensifying_hot_spot": [25 + 2.5 * t for t in range(STEPS)],
    "persistent_hot_spot": _steps(40, set(range(STEPS))),
    "diminishing_hot_spot": [75 - 2.5 * t for t in range(STEPS)],
    "sporadic_hot_spot": _steps(45, {3, 9, 14, 19}),
    "oscillating_hot_spot": _steps(0, {2, 7})[:12] + _steps(45, {12, 19})[12:],
    # hot 0..16, and 17 through its time-lag neighbour 16: 18 of 20 steps = 90%.
    "historical_hot_spot": _steps(45, set(range(17))),
}
COLD_PATTERNS = {
    "new_cold_spot": _steps(1, {19}, base=20),
    "consecutive_cold_spot": _steps(1, {16, 17, 18, 19}, base=20),
    "intensifying_cold_spot": [max(0.0, 6 - 0.3 * t) for t in range(STEPS)],
    "persistent_cold_spot": _steps(2, set(range(STEPS)), base=20),
    "diminishing_cold_spot": [0.3 * t for t in range(STEPS)],
    "sporadic_cold_spot": _steps(1, {3, 9, 14, 19}, base=20),
    "oscillating_cold_spot": _steps(60, {2, 7}, base=20)[:12] + _steps(1, {12, 19}, base=20)[12:],
    "historical_cold_spot": _steps(1, set(range(17)), base=20),
}


@pytest.mark.parametrize("expected", sorted(set(HOT_PATTERNS) - {"persistent_hot_spot"}))
def test_each_hot_class_is_found_by_its_planted_pattern(expected: str) -> None:
    result = emerging_hot_spots(_cube(HOT_PATTERNS[expected]), queen(SIDE, SIDE))
    assert result.classes[CENTRE] == expected
    corner = block(SIDE, SIDE, 0, 3, 0, 3)
    assert all(c == "no_pattern" for c, far in zip(result.classes, corner, strict=True) if far)


def test_a_steady_hot_spot_is_persistent_up_to_the_trend_tests_level() -> None:
    # The first step has no earlier neighbours, so its z is lower: with the Mann-Kendall test at
    # 5% a steady plant still reads as a trend now and then (2 of 20 seeds when measured).
    found = [
        emerging_hot_spots(_cube(HOT_PATTERNS["persistent_hot_spot"], seed=s), queen(SIDE, SIDE))
        for s in range(10)
    ]
    classes = [r.classes[CENTRE] for r in found]
    assert classes.count("persistent_hot_spot") >= 8
    assert set(classes) <= {"persistent_hot_spot", "intensifying_hot_spot"}


@pytest.mark.parametrize("expected", sorted(COLD_PATTERNS))
def test_each_cold_class_is_found_by_its_planted_pattern(expected: str) -> None:
    background = (
        20.0 if expected not in ("intensifying_cold_spot", "diminishing_cold_spot") else 12.0
    )
    cube = _cube(COLD_PATTERNS[expected], background=background, seed=1)
    result = emerging_hot_spots(cube, queen(SIDE, SIDE))
    assert result.classes[CENTRE] == expected


def test_rules_on_significance_series() -> None:
    hot = np.ones(10, dtype=np.int8)
    assert classify_series(hot, 3.0, 0.001) == "intensifying_hot_spot"
    assert classify_series(hot, -3.0, 0.001) == "diminishing_hot_spot"
    assert classify_series(hot, 3.0, 0.2) == "persistent_hot_spot"
    # 9 of 10 hot is 90%: still persistent; 8 of 10 with the last hot is sporadic.
    assert classify_series([1, 1, 0, 1, 1, 1, 1, 1, 1, 1], 0.0, 0.5) == "persistent_hot_spot"
    assert classify_series([1, 1, 0, 1, 0, 1, 1, 1, 1, 1], 0.0, 0.5) == "sporadic_hot_spot"
    assert classify_series([0, 0, 0, 0, 0, 0, 0, 0, 1, 1], 0.0, 0.5) == "consecutive_hot_spot"
    assert classify_series([-1, 0, 0, 0, 0, 0, 0, 0, 0, 1], 0.0, 0.5) == "new_hot_spot"
    assert classify_series([-1, 0, 1, 0, 0, 0, 0, 0, 0, 1], 0.0, 0.5) == "oscillating_hot_spot"
    assert classify_series([1, 1, 1, 1, 1, 1, 1, 1, 1, 0], 0.0, 0.5) == "historical_hot_spot"
    assert classify_series([1, 1, 1, 1, 1, 1, 1, 1, 0, -1], 0.0, 0.5) == "new_cold_spot"
    assert classify_series(np.zeros(10), 0.0, 0.5) == "no_pattern"
    assert len(CLASSES) == 17


def test_mann_kendall_matches_the_textbook_values() -> None:
    # 1..5: S = 10, Var = 5*4*15/18 = 16.667, z = (10 - 1) / 4.082 = 2.205, p = 0.0275
    z, p = mann_kendall(np.arange(1.0, 6.0)[:, None])
    assert z[0] == pytest.approx(2.2045, abs=1e-4)
    assert p[0] == pytest.approx(0.0275, abs=1e-4)
    # ties: [1, 1, 2]: S = 2, Var = (3*2*11 - 2*1*9)/18 = 2.667, z = 1 / 1.633 = 0.612
    z, _ = mann_kendall(np.array([[1.0], [1.0], [2.0]]))
    assert z[0] == pytest.approx(0.6124, abs=1e-4)


def test_a_cube_needs_two_steps() -> None:
    with pytest.raises(InputError, match="at least 2 time steps"):
        emerging_hot_spots(np.ones((1, 4)), queen(2, 2))


@pytest.mark.parametrize("lag", [0, 1, 2])
def test_cube_gi_star_equals_gi_star_on_explicit_space_time_weights(lag: int) -> None:
    # Getis-Ord z on the (steps * n) x (steps * n) binary weights, written out directly.
    spatial = queen(9, 9)
    cube = np.random.default_rng(lag).poisson(5, size=(7, 81)).astype(float)
    w = space_time_weights(spatial, 7, time_lag=lag)
    y = cube.ravel()
    n, mean = y.size, y.mean()
    std = np.sqrt((y**2).mean() - mean**2)
    sums = np.asarray(w.sum(axis=1)).ravel()
    expected = (w @ y - mean * sums) / (std * np.sqrt((n * sums - sums**2) / (n - 1)))
    np.testing.assert_allclose(cube_gi_star(cube, spatial, time_lag=lag).ravel(), expected)
    assert w[80 + 81, 80].sum() == (1 if lag >= 1 else 0)  # last grid, step 1 sees step 0
