"""The exact search (geogrid.partition.exact): right on tiny graphs against brute force, and
on the Laoshan 4x communities whose basic grids the heuristic left out of band."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from geogrid.partition.balance import Graph
from geogrid.partition.bands import Band
from geogrid.partition.divide import divide
from geogrid.partition.exact import exact_division
from geogrid.partition.exemptions import exemption_reasons

URBAN = Band(300, 500, 400)
FIXTURE = (
    Path(__file__).resolve().parents[1] / "data" / "partition" / "laoshan_4x_heavy_graphs.json"
)


def _fixture(code: str) -> Graph:
    g = json.loads(FIXTURE.read_text())["graphs"][code]
    return Graph(
        np.asarray(g["indptr"], dtype=np.int64),
        np.asarray(g["indices"], dtype=np.int64),
        np.asarray(g["cost"], dtype=float),
        np.asarray(g["weight"], dtype=np.int64),
    )


def _neighbours(graph: Graph, u: int) -> list[int]:
    return graph.indices[graph.indptr[u] : graph.indptr[u + 1]].tolist()


def test_a_building_alone_under_the_band_and_over_it_with_any_neighbour_is_indivisible() -> None:
    # community 370212002022 of synthetic Laoshan at 4x: 40 units, 10,114 households; the
    # split left 2 basic grids at 538 and 580 households ("misses")
    graph = _fixture("370212002022")
    assert graph.n == 40 and int(graph.weight.sum()) == 10_114
    # the arithmetic: a building of 276 households touches only buildings of 304-368 (no
    # empty cell): alone it is under 300, with any neighbour at least 276 + 304 = 580 > 500
    u = int(np.flatnonzero(graph.weight == 276)[0])
    near = sorted(int(graph.weight[v]) for v in _neighbours(graph, u))
    assert near == [304, 314, 348, 368, 368]
    exact = exact_division(graph, URBAN)
    assert exact.proved_none and exact.labels is None
    div = divide(graph, URBAN, what="building")
    weights = np.bincount(div.labels, weights=graph.weight)
    judged = ~div.exempt
    assert int((judged & ((weights < 300) | (weights > 500))).sum()) == 0  # no miss left
    assert div.exempt.all() and len(div.exempt) == 26
    reasons = exemption_reasons(graph, div.labels, div.exempt, URBAN)
    assert set(reasons) == {"parent_indivisible"}
    assert div.reasons == [
        "no division of 40 units (10114 households) into connected grids of 300-500 exists "
        "(exact search over 28 connected sets)"
    ]


def test_five_buildings_of_260_in_a_row_are_indivisible() -> None:
    # community 370212004005 at 4x: 60 units (40 buildings of 185-334, 20 of 0-2), 9,257
    # households; the split left 4 grids at 505-520. Each building of 260 touches only
    # buildings of 245-334 and sheds of at most 1-2 households: alone under 300, with any
    # building neighbour at least 505 > 500
    graph = _fixture("370212004005")
    assert graph.n == 60 and int(graph.weight.sum()) == 9_257
    for u in np.flatnonzero(graph.weight == 260).tolist():
        heavy = [int(graph.weight[v]) for v in _neighbours(graph, u) if graph.weight[v] > 2]
        assert min(heavy) + 260 > 500
    assert exact_division(graph, URBAN).proved_none
    div = divide(graph, URBAN, what="building")
    assert div.exempt.all() and len(div.exempt) == 22


def _partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    head, rest = items[0], items[1:]
    for size in range(len(rest) + 1):
        for mates in combinations(rest, size):
            left = [x for x in rest if x not in mates]
            for tail in _partitions(left):
                yield [[head, *mates], *tail]


def _connected(graph: Graph, part: list[int]) -> bool:
    seen, todo = {part[0]}, [part[0]]
    while todo:
        u = todo.pop()
        for v in _neighbours(graph, u):
            if v in part and v not in seen:
                seen.add(v)
                todo.append(v)
    return len(seen) == len(part)


def _graph(n: int, edges: list[tuple[int, int]], weights: list[int]) -> Graph:
    m = np.zeros((n, n), dtype=bool)
    for a, b in edges:
        if a != b:
            m[a, b] = m[b, a] = True
    for u in range(n - 1):  # a path keeps the graph in one piece
        m[u, u + 1] = m[u + 1, u] = True
    indptr = np.r_[0, np.cumsum(m.sum(axis=1))].astype(np.int64)
    indices = np.concatenate([np.flatnonzero(row) for row in m]).astype(np.int64)
    return Graph(indptr, indices, np.ones(len(indices)), np.asarray(weights, dtype=np.int64))


@settings(max_examples=120, deadline=None)
@given(
    n=st.integers(1, 7),
    edges=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=8),
    weights=st.lists(st.integers(0, 40), min_size=7, max_size=7),
)
def test_exact_search_agrees_with_brute_force(
    n: int, edges: list[tuple[int, int]], weights: list[int]
) -> None:
    band = Band(20, 40, 30)  # nodes of 0 households are light (relaxed), the others exact
    graph = _graph(n, [(a, b) for a, b in edges if a < n and b < n], weights[:n])
    exists = any(
        all(_connected(graph, p) and band.holds(int(graph.weight[p].sum())) for p in parts)
        for parts in _partitions(list(range(n)))
    )
    exact = exact_division(graph, band)
    if exact.proved_none:
        assert not exists
    if exact.labels is not None:
        for p in range(int(exact.labels.max()) + 1):
            part = np.flatnonzero(exact.labels == p).tolist()
            assert _connected(graph, part) and band.holds(int(graph.weight[part].sum()))
    if not (graph.weight == 0).any():  # no light node: the search is complete
        assert exact.proved_none == (not exists)
        assert (exact.labels is not None) == exists
