"""Micro grids meet 10-30 households wherever the buildings allow: out-of-band parts are mended."""

from __future__ import annotations

import numpy as np
import shapely
from _quality_helpers import item, lattice_buildings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geogrid.partition._local import mend
from geogrid.partition.balance import Graph
from geogrid.partition.bands import Band
from geogrid.partition.parent import plan_parent

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MICRO = Band(10, 30, 20)


def _path_graph(weight: list[int]) -> Graph:
    n = len(weight)
    a = np.arange(n - 1)
    m = csr_matrix((np.ones(2 * (n - 1)), (np.r_[a, a + 1], np.r_[a + 1, a])), shape=(n, n))
    m.sort_indices()
    return Graph(m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data, np.asarray(weight))


@FAST
@given(
    groups=st.lists(
        st.lists(st.integers(0, 12), min_size=1, max_size=6).filter(lambda g: 10 <= sum(g) <= 30),
        min_size=2,
        max_size=8,
    ),
    glue=st.integers(0, 50),
)
def test_mend_fixes_two_parts_glued_together(groups: list[list[int]], glue: int) -> None:
    # a chain of units whose planted division is in band; two neighbouring parts are glued
    weight = [w for g in groups for w in g]
    planted = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    j = glue % (len(groups) - 1)
    labels = np.where(planted > j, planted - 1, planted)
    graph = _path_graph(weight)
    out = mend(graph, labels, MICRO, seed=glue)
    sums = np.bincount(out, weights=graph.weight)
    assert all(MICRO.holds(s) for s in sums)
    m = csr_matrix((graph.cost, graph.indices, graph.indptr), shape=(graph.n, graph.n))
    for p in np.unique(out):
        nodes = np.flatnonzero(out == p)
        assert connected_components(m[nodes][:, nodes], directed=False)[0] == 1


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_slab_blocks_get_micro_grids_in_band(seed: int) -> None:
    # slabs of 16-28 households: pairs overflow the band, so the split must keep them apart
    rng = np.random.default_rng(seed)
    parent = shapely.box(0, 0, 300, 240)
    foot = lattice_buildings(parent, spacing=30.0, size=12.0, rng=rng)
    hh = rng.integers(16, 29, len(foot))
    plan = plan_parent(item(parent, foot, hh))
    micro = plan.levels["micro"]
    judged = ~micro.exempt
    assert judged.all()  # no building is over the band, so every micro grid is judged
    assert all(MICRO.holds(h) for h in micro.households)
