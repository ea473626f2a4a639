"""No grid has a hole its parent does not have: enclaves are merged or opened."""

from __future__ import annotations

import numpy as np
import shapely
from _quality_helpers import item, lattice_buildings, new_holes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geogrid.partition._holes import fill_holes
from geogrid.partition.balance import Graph
from geogrid.partition.bands import Band
from geogrid.partition.parent import plan_parent

FAST = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _lattice_graph(n: int, weight: np.ndarray) -> Graph:
    idx = np.arange(n * n).reshape(n, n)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    m = csr_matrix((np.ones(2 * len(a)), (np.r_[a, b], np.r_[b, a])), shape=(n * n, n * n))
    m.sort_indices()
    return Graph(m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data, weight)


def _enclosed(graph: Graph, labels: np.ndarray, edge: np.ndarray) -> bool:
    """Whether some part's complement has a piece that touches no edge."""
    m = csr_matrix((graph.cost, graph.indices, graph.indptr), shape=(graph.n, graph.n))
    for p in np.unique(labels):
        others = np.flatnonzero(labels != p)
        if len(others) == 0:
            continue
        count, comp = connected_components(m[others][:, others], directed=False)
        if not set(range(count)) <= set(comp[edge[others]].tolist()):
            return True
    return False


@FAST
@given(
    size=st.integers(5, 9),
    inner=st.integers(1, 3),
    seed=st.integers(0, 1000),
    empty_ring=st.booleans(),
)
def test_an_enclave_is_merged_or_opened_and_parts_stay_connected(
    size: int, inner: int, seed: int, empty_ring: bool
) -> None:
    rng = np.random.default_rng(seed)
    n = size
    weight = rng.integers(1, 6, n * n).astype(np.int64)
    labels = np.zeros(n * n, dtype=np.int64)
    grid = labels.reshape(n, n)
    lo = (n - inner) // 2
    grid[lo : lo + inner, lo : lo + inner] = 1  # an island of part 1 inside part 0
    if empty_ring:
        weight.reshape(n, n)[: lo + 1, lo] = 0  # an empty lane from the island to the edge
    edge = np.zeros((n, n), dtype=bool)
    edge[0, :] = edge[-1, :] = edge[:, 0] = edge[:, -1] = True
    graph = _lattice_graph(n, weight)
    total = int(weight.sum())
    band = Band(1, total, total // 2)
    out, exempt, _ = fill_holes(graph, labels, np.zeros(2, dtype=bool), edge.ravel(), band)
    assert len(exempt) == int(out.max()) + 1
    assert not _enclosed(graph, out, edge.ravel())
    m = csr_matrix((graph.cost, graph.indices, graph.indptr), shape=(graph.n, graph.n))
    for p in np.unique(out):
        nodes = np.flatnonzero(out == p)
        assert connected_components(m[nodes][:, nodes], directed=False)[0] == 1
    assert np.bincount(out, weights=weight).sum() == total


@FAST
@given(seed=st.integers(0, 10_000), households=st.integers(700, 1400))
def test_grids_of_a_parent_with_a_walled_core_have_no_holes_it_lacks(
    seed: int, households: int
) -> None:
    # a ring road around a core block: a grid must not wrap around the core
    rng = np.random.default_rng(seed)
    parent = shapely.box(0, 0, 420, 420)
    ring = shapely.box(150, 150, 270, 270).exterior
    foot = lattice_buildings(
        shapely.difference(parent, ring.buffer(6.0)), spacing=21.0, size=8.0, rng=rng
    )
    w = rng.uniform(0.3, 1.7, len(foot))
    hh = np.floor(w / w.sum() * households).astype(np.int64)
    plan = plan_parent(item(parent, foot, hh, lines=[ring]))
    basic = plan.levels["basic"]
    assert new_holes(basic.geoms, parent) == 0
    for b, geom in enumerate(basic.geoms):
        micro = plan.levels["micro"]
        mine = micro.geoms[np.asarray(micro.parent_codes) == basic.codes[b]]
        assert new_holes(mine, geom) == 0


def test_a_parent_with_a_hole_keeps_it_and_adds_none() -> None:
    rng = np.random.default_rng(5)
    parent = shapely.box(0, 0, 400, 300).difference(shapely.box(170, 120, 230, 180))
    foot = lattice_buildings(parent, spacing=20.0, size=8.0, rng=rng)
    hh = rng.integers(1, 4, len(foot))
    plan = plan_parent(item(parent, foot, hh))
    for level in ("basic", "micro"):
        geoms = plan.levels[level].geoms
        assert new_holes(geoms, parent) == 0
    union = shapely.union_all(plan.levels["basic"].geoms)
    assert shapely.area(shapely.symmetric_difference(union, parent)) < 1.0  # the hole is kept


@FAST
@given(
    size=st.integers(5, 8),
    seed=st.integers(0, 1000),
    inner_exempt=st.booleans(),
    slack=st.integers(0, 3),
)
def test_an_enclave_nothing_else_resolves_joins_the_grid_around_it(
    size: int, seed: int, inner_exempt: bool, slack: int
) -> None:
    # the ring is at the bottom of the band (any corridor would leave it), the core too heavy
    # to join it within the band: the core joins it all the same, and that is told
    rng = np.random.default_rng(seed)
    n = size
    weight = rng.integers(1, 6, n * n).astype(np.int64)
    labels = np.zeros((n, n), dtype=np.int64)
    labels[1:-1, 1:-1] = 1
    labels = labels.ravel()
    ring = int(weight[labels == 0].sum())
    core = int(weight[labels == 1].sum())
    band = Band(ring, ring + core - 1 - slack, ring)
    edge = labels == 0
    graph = _lattice_graph(n, weight)
    exempt = np.asarray([False, inner_exempt])
    out, flags, over = fill_holes(graph, labels, exempt, edge, band)
    assert not _enclosed(graph, out, edge)
    assert len(flags) == len(over) == int(out.max()) + 1
    pw = np.bincount(out, weights=weight)
    # told: out of band, and judged unless an exempt core (an over-band building's grid)
    # joined it: then the households around that building are listed too
    for p in np.flatnonzero(over):
        assert not band.holds(int(pw[p]))
        assert not flags[p] or inner_exempt
    if inner_exempt and len(flags) == 1:  # the exempt core was swallowed: listed
        assert over[0]
    assert np.bincount(out, weights=weight).sum() == ring + core
