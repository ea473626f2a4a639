"""Side by side on the engine's own unit graphs: geogrid, pymetis, GerryChain, spopt.

Every tool divides each parent's building graph (the graph geogrid itself divides: Voronoi cells
of buildings inside road blocks, a building's cells merged) into as many grids as geogrid aims at
(``choose_k``). Metrics are computed the same way for every tool, on the cells.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from geogrid.partition.balance import Graph
from geogrid.partition.bands import band_for, choose_k
from geogrid.partition.inputs import parent_items
from geogrid.partition.parent import BARRIER_COST
from geogrid.partition.units import build_units

TOOLS = ("geogrid", "pymetis", "gerrychain", "spopt_maxp", "spopt_kmeans")


@dataclass
class ParentGraph:
    """One parent's building graph, and its cells (for compactness)."""

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
    """Unit graphs of every parent, pickled to ``path``; returns their sizes."""
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
        cost = u.shared * np.where(u.barrier, BARRIER_COST, 1.0)
        g = Graph(u.indptr, u.indices, cost, u.households).contract(u.group)
        band = band_for(item.area_type, "basic")
        n = g.n
        w = np.bincount(u.group, weights=u.area, minlength=n)
        x = np.bincount(u.group, weights=u.x * u.area, minlength=n) / np.maximum(w, 1e-9)
        y = np.bincount(u.group, weights=u.y * u.area, minlength=n) / np.maximum(w, 1e-9)
        out.append(
            ParentGraph(
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
    return {
        "parents": len(out),
        "units": int(sum(p.graph.n for p in out)),
        "grids_aimed_at": int(sum(p.k for p in out)),
        "seconds": round(time.perf_counter() - t0, 2),
    }


def run_tool(tool: str, path: str, parents: int) -> dict[str, Any]:
    """Run ``tool`` on the first ``parents`` parent graphs; the metrics of its division."""
    with open(path, "rb") as fh:
        graphs: list[ParentGraph] = pickle.load(fh)[:parents]
    fn = {"geogrid": _geogrid, "pymetis": _pymetis, "gerrychain": _gerrychain,
          "spopt_maxp": _maxp, "spopt_kmeans": _kmeans}[tool]  # fmt: skip
    labels, failed = [], 0
    t0 = time.perf_counter()
    for p in graphs:
        try:
            labels.append(fn(p) if p.k > 1 and p.graph.n > 1 else np.zeros(p.graph.n, np.int64))
        except Exception:  # a tool that gives up on a parent: counted, not hidden
            failed += 1
            labels.append(None)
    seconds = time.perf_counter() - t0
    return _metrics(graphs, labels) | {
        "seconds": round(seconds, 2),
        "units": int(sum(p.graph.n for p in graphs)),
        "parents": len(graphs),
        "failed_parents": failed,
    }


def _geogrid(p: ParentGraph) -> NDArray[np.int64]:
    from geogrid.partition.bands import Band
    from geogrid.partition.divide import divide

    return divide(p.graph, Band(*p.band)).labels


def _pymetis(p: ParentGraph) -> NDArray[np.int64]:
    import pymetis

    g = p.graph
    ew = np.maximum(1, np.round(g.cost * 10)).astype(np.int64)
    _, parts = pymetis.part_graph(
        p.k, xadj=g.indptr, adjncy=g.indices, vweights=np.maximum(g.weight, 0), eweights=ew,
        contiguous=_connected(g),
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
    model = MaxPHeuristic(frame, _weights(p), ["x", "y"], "hh", float(p.band[0]), top_n=2)
    model.solve()
    return np.asarray(model.labels_, dtype=np.int64)


def _kmeans(p: ParentGraph) -> NDArray[np.int64]:
    from spopt.region import RegionKMeansHeuristic

    model = RegionKMeansHeuristic(np.column_stack([p.x, p.y]), p.k, _weights(p), seed=0)
    model.solve()
    return np.asarray(model.labels_, dtype=np.int64)


def _metrics(graphs: list[ParentGraph], labels: list[Any]) -> dict[str, Any]:
    hh, within, near, pp, broken = [], [], [], [], 0
    for p, lab in zip(graphs, labels, strict=True):
        if lab is None:
            continue
        _, lab = np.unique(lab, return_inverse=True)
        n = int(lab.max()) + 1
        w = np.bincount(lab, weights=p.graph.weight, minlength=n)
        lo, hi, _ = p.band
        target = w.sum() / max(p.k, 1)
        hh.extend(w.tolist())
        within.extend(((w >= lo) & (w <= hi)).tolist())
        near.extend((np.abs(w - target) <= 0.1 * target).tolist())
        for g in range(n):
            nodes = np.flatnonzero(lab == g)
            if len(nodes) > 1 and p.graph.subgraph(nodes).components()[0] > 1:
                broken += 1
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
        "within_band_share": round(float(np.mean(within)), 4) if within else None,
        "within_10pct_of_target_share": round(float(np.mean(near)), 4) if near else None,
        "households_cv": round(float(arr.std() / arr.mean()), 4) if len(arr) else None,
        "disconnected": broken,
        "polsby_popper_mean": round(float(np.mean(pp)), 4) if pp else None,
    }
