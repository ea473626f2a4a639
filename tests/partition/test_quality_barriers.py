"""Grid boundaries follow the roads that split a parent whenever a balanced division allows."""

from __future__ import annotations

import numpy as np
import shapely
from _quality_helpers import item, lattice_buildings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geogrid.partition.parent import plan_parent
from geogrid.partition.units import build_units

FAST = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _side_households(n: int, total: int, rng: np.random.Generator) -> np.ndarray:
    weights = rng.uniform(0.5, 1.5, n)
    hh = np.floor(weights / weights.sum() * total).astype(np.int64)
    hh[np.argsort(-weights)[: total - int(hh.sum())]] += 1
    return hh


@FAST
@given(
    seed=st.integers(0, 10_000),
    width=st.floats(260.0, 520.0),
    height=st.floats(160.0, 320.0),
    at=st.floats(0.35, 0.65),
    left=st.integers(320, 480),
    right=st.integers(320, 480),
)
def test_basic_boundary_runs_along_the_road_that_splits_the_parent(
    seed: int, width: float, height: float, at: float, left: int, right: int
) -> None:
    rng = np.random.default_rng(seed)
    parent = shapely.box(0, 0, width, height)
    x = width * at
    road = shapely.LineString([(x, -20), (x + 15, height + 20)])
    land = shapely.difference(parent, road.buffer(6.0))
    foot = lattice_buildings(land, spacing=22.0, size=9.0, rng=rng)
    west = shapely.get_x(shapely.centroid(foot)) < x + 7.5
    hh = np.zeros(len(foot), dtype=np.int64)
    hh[west] = _side_households(int(west.sum()), left, rng)
    hh[~west] = _side_households(int((~west).sum()), right, rng)
    plan = plan_parent(item(parent, foot, hh, lines=[road]))
    basic = plan.levels["basic"]
    assert len(basic.codes) == 2
    assert sorted(basic.households.tolist()) == sorted([left, right])
    assert basic.cut_total > 0
    assert basic.cut_barrier / basic.cut_total > 0.99


def test_a_cell_edge_between_blocks_counts_only_where_a_line_runs() -> None:
    rng = np.random.default_rng(3)
    parent = shapely.box(0, 0, 300, 200)
    road = shapely.LineString([(150, -5), (150, 205)])
    # ends inside the block, so it cuts nothing, and runs across the cell edges, not along them
    dangling = shapely.LineString([(20, 95), (80, 131)])
    foot = lattice_buildings(
        shapely.difference(parent, road.buffer(5.0)), spacing=25.0, size=8.0, rng=rng
    )
    units = build_units(
        parent,
        shapely.point_on_surface(foot),
        np.ones(len(foot), dtype=np.int64),
        np.full(len(foot), -1, dtype=np.int64),
        np.asarray([road, dangling], dtype=object),
        foot,
    )
    on = units.on_barrier.sum() / 2  # every edge is listed from both sides
    assert abs(on - 200.0) < 1.0  # the road's length inside the parent, nothing more
    assert (units.on_barrier <= units.shared + 1e-9).all()
    assert np.allclose(units.edge_cost(1.0), units.shared)
