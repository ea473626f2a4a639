"""Property tests: random parents, buildings and roads keep every invariant of a plan."""

from __future__ import annotations

import math

import numpy as np
import shapely
from conftest import assert_invariants
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from partition_citygen import city

from geogrid.partition.balance import Graph
from geogrid.partition.bands import Band, choose_k
from geogrid.partition.divide import packable, stranded
from geogrid.partition.engine import partition_plan

FAST = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _plan(layers, seed=0):  # type: ignore[no-untyped-def]
    return partition_plan(
        layers["communities"],
        layers["buildings"],
        roads=layers["roads"],
        waterways=layers["waterways"],
        seed=seed,
    )


@FAST
@given(
    seed=st.integers(0, 10_000),
    communities=st.integers(1, 3),
    buildings=st.integers(60, 260),
    per_building=st.floats(2.0, 9.0),
    spacing=st.sampled_from([90.0, 150.0, 400.0]),
)
# found by hypothesis: faces with necks of 1e-11 m (valid in metres, crossing themselves in
# lon/lat), a micro grid split in two by the repair of such a neck, and a micro grid around
# an oversize building it could not merge (an enclave)
@example(seed=191, communities=3, buildings=75, per_building=6.0, spacing=150.0)
@example(seed=5056, communities=3, buildings=74, per_building=9.0, spacing=150.0)
@example(seed=5056, communities=3, buildings=73, per_building=5.0, spacing=400.0)
# found by longer random runs: a road end snapped a hair off the outline (a cell not cut), a
# parent of exactly two grids' worth (300 + 300), a building reachable only through a tower
@example(seed=5158, communities=2, buildings=92, per_building=8.8, spacing=90.0)
@example(seed=4680, communities=3, buildings=232, per_building=8.7, spacing=90.0)
@example(seed=8335, communities=2, buildings=88, per_building=6.9, spacing=90.0)
# found by a random run: a basic boundary drawn straight gave a micro grid the land between
# a tower's own micro grid and the boundary, closing a ring around the tower
@example(seed=421, communities=3, buildings=155, per_building=5.79, spacing=90.0)
@example(seed=4010, communities=2, buildings=175, per_building=6.13, spacing=400.0)
def test_random_cities_keep_every_invariant(
    seed: int, communities: int, buildings: int, per_building: float, spacing: float
) -> None:
    layers = city(
        communities=communities,
        buildings=buildings,
        seed=seed,
        households=int(buildings * per_building),
        road_spacing=spacing,
    )
    plan = _plan(layers)
    assert_invariants(plan, layers["communities"], layers["buildings"])
    report = plan.report
    assert report["basic"]["disconnected"] == 0
    assert report["micro"]["disconnected"] == 0
    assert report["basic"]["within_band_share_judged"] >= 0.99
    assert report["micro"]["within_band_share_judged"] >= 0.95
    assert report["basic"]["gap_area_m2"] < 1.0 and report["basic"]["overlap_area_m2"] < 1.0
    # no grid has a hole its parent lacks (the generated communities have none)
    for level in ("basic", "micro"):
        rings = [len(p.interiors) for g in plan.grids[level].geometry for p in shapely.get_parts(g)]
        assert sum(rings) == 0, level
        assert "within_band_basis" in report[level]


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_same_input_and_seed_give_the_same_plan(seed: int) -> None:
    layers = city(communities=2, buildings=180, households=900, seed=seed)
    first, second = _plan(layers, seed=seed), _plan(layers, seed=seed)
    for level in ("basic", "micro"):
        a, b = first.grids[level], second.grids[level]
        assert list(a.code) == list(b.code)
        assert list(a.households) == list(b.households)
        assert all(shapely.to_wkb(a.geometry.to_numpy()) == shapely.to_wkb(b.geometry.to_numpy()))


def test_codes_run_west_to_east_then_north_to_south() -> None:
    layers = city(communities=1, buildings=400, households=2400, seed=3)
    basic = _plan(layers).grids["basic"].to_crs(32651)
    parent = layers["communities"]["code"].iloc[0]
    assert (basic.code.str.len() == 15).all() and basic.code.str.startswith(parent).all()
    first = basic.set_index("code").geometry.centroid
    top = first.y.max()
    assert first.loc[f"{parent}001"].y > top - math.sqrt(basic.area.mean()) * 1.01


@settings(max_examples=40, deadline=None)
@given(total=st.integers(0, 5000), lo=st.integers(5, 400), width=st.integers(0, 400))
def test_choose_k_meets_the_band_whenever_any_count_does(total: int, lo: int, width: int) -> None:
    band = Band(lo, lo + width, lo + width // 2)
    division = choose_k(total, band)
    exists = any(band.holds(total / k) for k in range(1, max(total, 1) + 1))
    assert division.feasible == (exists and total > 0)
    if division.feasible:
        assert band.holds(total / division.k)


@settings(max_examples=40, deadline=None)
@given(weights=st.lists(st.integers(0, 60), min_size=1, max_size=7))
def test_packable_is_false_only_when_no_packing_exists(weights: list[int]) -> None:
    band = Band(20, 40, 30)
    found = False
    n = len(weights)
    for k in range(1, n + 1):
        for assign in np.ndindex(*([k] * n)):
            sums = np.bincount(np.asarray(assign), weights=weights, minlength=k)
            if all(band.holds(s) for s in sums):
                found = True
                break
        if found:
            break
    if not packable(np.asarray(weights), band):
        assert not found


def test_a_piece_reachable_only_through_a_heavy_unit_is_stranded() -> None:
    # a path 0 - 1 - 2 - 3: unit 0 (2 households) only reaches the others through unit 1 (29)
    indptr = np.array([0, 1, 3, 5, 6])
    indices = np.array([1, 0, 2, 1, 3, 2])
    band = Band(10, 30, 20)
    graph = Graph(indptr, indices, np.ones(6), np.array([2, 29, 12, 12]))
    assert stranded(graph, band) == (2, 29)
    lighter = Graph(indptr, indices, np.ones(6), np.array([2, 27, 12, 12]))
    assert stranded(lighter, band) is None


def test_heavy_buildings_that_cannot_be_topped_up_are_proved_unpackable() -> None:
    # community 370212004002 of synthetic Laoshan at 2x: 20 buildings of 207-331 households
    # and 42 households in small ones. Only 243+243, 243+207 (or 207 with one of 267-292)
    # pair within 500; the 14 buildings of 280-299 alone need 72 households more to reach
    # 300 (105 with the pairs above at best), and 42 are there: no division within 300-500
    # exists (its 9 "misses" at 2x)
    weights = [331, *[299] * 3, *[298] * 5, *[294] * 3, 292, 287, 280, 267, *[243] * 3, 207]
    weights += [2] * 12 + [1] * 18 + [0] * 13
    assert not packable(np.asarray(weights), Band(300, 500, 400))
    # with 70 households more in small buildings (112 >= the 105 needed at best) it could be
    assert packable(np.asarray(weights + [1] * 70), Band(300, 500, 400))
