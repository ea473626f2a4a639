"""Side by side on the engine's own unit graphs: geogrid, pymetis, GerryChain, spopt.

Every tool divides each parent's building graph, the very graph ``plan_parent`` divides (Voronoi
cells of buildings inside road blocks, a building's cells merged into one node, the engine's edge
costs with roads cheap to cut), with the same household weight per node. Tools that take a grid
count get the count geogrid aims at (``choose_k``); MaxP, which picks its own count, gets the
band's floor as its threshold. The geogrid row is the engine's full per-parent division
(``plan_parent``: compound grouping, institutions, split, repair, holes), timed by its ``basic``
stage. Metrics are computed the same way for every tool, on the cells.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geogrid.partition.balance import Graph
from geogrid.partition.bands import band_for, choose_k
from geogrid.partition.inputs import parent_items
from geogrid.partition.parent import ParentInput
from geogrid.partition.parent import _graph as engine_graph
from geogrid.partition.units import build_units

MAXP_CONSTRUCTION, MAXP_SA = 10, 2  # spopt's defaults (99, 10) did not finish 445 units in 300 s
TOOLS = ("geogrid", "pymetis", "gerrychain", "spopt_maxp", "spopt_kmeans")
GIVEN = {
    "geogrid": "the engine's own plan_parent (basic level), seed 0",
    "pymetis": "k-way, k = choose_k, node weight = households, edge weight = engine edge cost "
    "x 10, METIS contig option where the parent's graph is connected (recursive bisection, "
    "pymetis' default for k <= 8, ignores it)",
    "gerrychain": "recursive_tree_part, k = choose_k, pop = households, epsilon = 0.1, rng 0",
    "spopt_maxp": "MaxPHeuristic, threshold = the parent band's floor (300 urban), attributes = node "
    "centroid x/y, top_n = 2, 10 construction and 2 annealing iterations (defaults 99 and 10 "
    "did not finish one parent of 445 units in 300 s); picks its own number of regions",
    "spopt_kmeans": "RegionKMeansHeuristic, k = choose_k, attributes = node centroid x/y, seed 0; "
    "the method has no weights, so households are not balanced",
}


@dataclass
class ParentGraph:
    """One parent's building graph, and its cells (for compactness)."""

    item: ParentInput
    graph: Graph
    band: tuple[int, int, int]
    k: int
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    group: NDArray[np.int64]
    cell_area: NDArray[np.float64]
    cell_outer: NDArray[np.float64]
    cell_indptr: NDArray[np.int64]
    cell_indices: NDArray[np.int64]
    cell_shared: NDArray[np.float64]


def build_graphs(layers: dict[str, Any], path: str) -> dict[str, Any]:
    """Unit graphs of every parent (as ``plan_parent`` builds them), pickled to ``path``."""
    t0 = time.perf_counter()
    items, _ = parent_items(
        layers["communities"], layers["buildings"], [layers["roads"], layers["waterways"]]
    )
    out = []
    for item in items:
        u = build_units(
            item.geometry, item.points, item.households, item.compound, item.lines,
            item.footprints,
        )  # fmt: skip
        g = engine_graph(u).contract(u.group)
        band = band_for(item.area_type, "basic")
        n = g.n
        w = np.bincount(u.group, weights=u.area, minlength=n)
        x = np.bincount(u.group, weights=u.x * u.area, minlength=n) / np.maximum(w, 1e-9)
        y = np.bincount(u.group, weights=u.y * u.area, minlength=n) / np.maximum(w, 1e-9)
        out.append(
            ParentGraph(
                item,
                g,
                (band.lo, band.hi, band.target),
                choose_k(int(g.weight.sum()), band).k,
                x,
                y,
                u.group,
                u.area,
                u.outer,
                u.indptr,
                u.indices,
                u.shared,
            )
        )
    with open(path, "wb") as fh:
        pickle.dump(out, fh)
    counts = np.cumsum([p.graph.n for p in out])
    return {
        "parents": len(out),
        "units": int(counts[-1]) if len(counts) else 0,
        "units_of_first": {str(n): int(counts[min(n, len(out)) - 1]) for n in (1, 6, 40)},
        "connected_parent_graphs": int(sum(p.graph.components()[0] == 1 for p in out)),
        "grids_aimed_at": int(sum(p.k for p in out)),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def run_tool(tool: str, path: str, parents: int) -> dict[str, Any]:
    """Run ``tool`` on the first ``parents`` parent graphs; the metrics of its division."""
    with open(path, "rb") as fh:
        graphs: list[ParentGraph] = pickle.load(fh)[:parents]
    fn: Callable[[ParentGraph], tuple[NDArray[np.int64], float]] = {
        "geogrid": _geogrid, "pymetis": _timed(_pymetis), "gerrychain": _timed(_gerrychain),
        "spopt_maxp": _timed(_maxp), "spopt_kmeans": _timed(_kmeans),
    }[tool]  # fmt: skip
    labels: list[NDArray[np.int64] | None] = []
    failed, seconds = 0, 0.0
    t0 = time.perf_counter()
    for p in graphs:
        if tool != "geogrid" and (p.k <= 1 or p.graph.n <= 1):
            labels.append(np.zeros(p.graph.n, np.int64))
            continue
        t1 = time.perf_counter()
        try:
            lab, sec = fn(p)
        except Exception:  # a tool that gives up on a parent: counted, not hidden
            failed += 1
            labels.append(None)
            seconds += time.perf_counter() - t1  # the time it spent before giving up counts
            continue
        labels.append(lab)
        seconds += sec
    return _metrics(graphs, labels) | {
        "seconds": round(seconds, 2),
        "process_seconds": round(time.perf_counter() - t0, 2),
        "units": int(sum(p.graph.n for p in graphs)),
        "parents": len(graphs),
        "failed_parents": failed,
        "given": GIVEN[tool],
    }


def _timed(
    fn: Callable[[ParentGraph], NDArray[np.int64]],
) -> Callable[[ParentGraph], tuple[NDArray[np.int64], float]]:
    def run(p: ParentGraph) -> tuple[NDArray[np.int64], float]:
        t0 = time.perf_counter()
        lab = fn(p)
        return lab, time.perf_counter() - t0

    return run


def _geogrid(p: ParentGraph) -> tuple[NDArray[np.int64], float]:
    """The engine's basic grids of the parent, per node of the same graph; its basic stage time."""
    from geogrid.partition.parent import plan_parent

    plan = plan_parent(p.item, seed=0)
    of_cell = plan.unit_labels["basic"]
    labels = np.full(p.graph.n, -1, dtype=np.int64)
    labels[p.group] = of_cell
    if len(of_cell) != len(p.group) or (labels < 0).any():
        raise RuntimeError("the engine divided another graph than the one compared")
    return labels, plan.seconds["basic"]


def _pymetis(p: ParentGraph) -> NDArray[np.int64]:
    import pymetis

    g = p.graph
    ew = np.maximum(1, np.round(g.cost * 10)).astype(np.int64)
    # k-way: METIS keeps parts contiguous only there (recursive bisection ignores the option)
    options = pymetis.Options(contig=1 if _connected(g) else 0)
    _, parts = pymetis.part_graph(
        p.k, pymetis.CSRAdjacency(g.indptr, g.indices), vweights=np.maximum(g.weight, 0),
        eweights=ew, recursive=False, options=options,
    )  # fmt: skip
    return np.asarray(parts, dtype=np.int64)


def _connected(g: Graph) -> bool:
    return g.components()[0] == 1


def _nx(p: ParentGraph):  # type: ignore[no-untyped-def]
    import networkx as nx

    g = p.graph
    graph = nx.Graph()
    for u in range(g.n):
        graph.add_node(u, pop=int(g.weight[u]))
    src = np.repeat(np.arange(g.n), np.diff(g.indptr))
    graph.add_edges_from(zip(src.tolist(), g.indices.tolist(), strict=True))
    return graph


def _gerrychain(p: ParentGraph) -> NDArray[np.int64]:
    from gerrychain.graph import Graph as GCGraph
    from gerrychain.partition import recursive_tree_part

    graph = GCGraph.from_networkx(_nx(p))
    total = float(p.graph.weight.sum())
    got = recursive_tree_part(graph, range(p.k), total / p.k, "pop", 0.1, rng=0)
    return np.asarray([got[u] for u in range(p.graph.n)], dtype=np.int64)


def _weights(p: ParentGraph):  # type: ignore[no-untyped-def]
    from libpysal.weights import W

    g = p.graph
    neighbors = {u: g.indices[g.indptr[u] : g.indptr[u + 1]].tolist() for u in range(g.n)}
    return W(neighbors, silence_warnings=True)


def _maxp(p: ParentGraph) -> NDArray[np.int64]:
    import pandas as pd
    from spopt.region import MaxPHeuristic

    frame = pd.DataFrame({"x": p.x, "y": p.y, "hh": p.graph.weight.astype(float)})
    model = MaxPHeuristic(
        frame, _weights(p), ["x", "y"], "hh", float(p.band[0]), top_n=2,
        max_iterations_construction=MAXP_CONSTRUCTION, max_iterations_sa=MAXP_SA,
    )  # fmt: skip
    model.solve()
    return np.asarray(model.labels_, dtype=np.int64)


def _kmeans(p: ParentGraph) -> NDArray[np.int64]:
    from spopt.region import RegionKMeansHeuristic

    model = RegionKMeansHeuristic(np.column_stack([p.x, p.y]), p.k, _weights(p), seed=0)
    model.solve()
    return np.asarray(model.labels_, dtype=np.int64)


def _metrics(graphs: list[ParentGraph], labels: list[Any]) -> dict[str, Any]:
    """Grids, band and target shares, CV, disconnected parts and PP of every tool's division.

    The target of a parent is its households over the number of grids the tool made there;
    "feasible" parents are those whose households fit a whole number of grids in the band;
    "connected" parents those whose graph is in one piece (a detached piece of a parent is a grid
    of its own in geogrid, however light, and a disconnected part with the other tools).
    """
    hh: list[float] = []
    within: list[bool] = []
    within_feasible: list[bool] = []
    within_whole: list[bool] = []
    near: list[bool] = []
    pp: list[float] = []
    broken = broken_connected = 0
    for p, lab in zip(graphs, labels, strict=True):
        if lab is None:
            continue
        _, lab = np.unique(lab, return_inverse=True)
        n = int(lab.max()) + 1
        w = np.bincount(lab, weights=p.graph.weight, minlength=n)
        lo, hi, _ = p.band
        target = w.sum() / n
        inside = (w >= lo) & (w <= hi)
        hh.extend(w.tolist())
        within.extend(inside.tolist())
        feasible = choose_k(int(w.sum()), band_for(p.item.area_type, "basic")).feasible
        whole = p.graph.components()[0] == 1
        if feasible:
            within_feasible.extend(inside.tolist())
        if feasible and whole:
            within_whole.extend(inside.tolist())
        near.extend((np.abs(w - target) <= 0.1 * target).tolist())
        for g in range(n):
            nodes = np.flatnonzero(lab == g)
            if len(nodes) > 1 and p.graph.subgraph(nodes).components()[0] > 1:
                broken += 1
                broken_connected += int(whole)
        cell = lab[p.group]
        src = np.repeat(np.arange(len(cell)), np.diff(p.cell_indptr))
        cut = cell[src] != cell[p.cell_indices]
        per = np.bincount(cell, weights=p.cell_outer, minlength=n)
        per += np.bincount(cell[src[cut]], weights=p.cell_shared[cut], minlength=n)
        area = np.bincount(cell, weights=p.cell_area, minlength=n)
        pp.extend((4 * np.pi * area / np.maximum(per, 1e-9) ** 2).tolist())
    arr = np.asarray(hh)
    return {
        "grids": len(hh),
        "within_band_share": _mean(within),
        "within_band_share_feasible_parents": _mean(within_feasible),
        "within_band_share_feasible_connected_parents": _mean(within_whole),
        "within_10pct_of_target_share": _mean(near),
        "households_cv": round(float(arr.std() / arr.mean()), 4) if len(arr) else None,
        "disconnected": broken,
        "disconnected_in_connected_parents": broken_connected,
        "polsby_popper_mean": _mean(pp),
    }


def _mean(values: list[Any]) -> float | None:
    return round(float(np.mean(values)), 4) if values else None
