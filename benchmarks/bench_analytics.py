"""Gi*, emerging hot spots and staff recommendations at micro-grid scale, side by side with esda
and spopt.locate in one run.

Run: .venv/bin/python benchmarks/bench_analytics.py [--grids 20000] [--weeks 52]
     [--spopt-grids 900] [--spopt-limit 60]  (writes benchmarks/results/analytics.json)

Data: a lattice of square micro grids (queen contiguity, ~40 m apart) with Poisson incident
counts and a planted cluster; households Poisson(20) with two dense areas. esda runs G_Local
with the same weights and 999 permutations in this process (numba not installed: the pure
Python path, as on the server); spopt.locate solves MCLP and p-center with CBC on a smaller
instance (it does not finish at 20,000), and geogrid answers the same instance and the full
one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pulp
import scipy.sparse as sp
from esda.getisord import G_Local
from libpysal.weights import fill_diagonal, lat2W
from scipy.spatial.distance import cdist
from spopt.locate import MCLP, PCenter

from geogrid.layers.emerging import emerging_hot_spots
from geogrid.layers.hotspots import gi_star
from geogrid.layers.recommend import maximal_covering, p_center

RESULTS = Path(__file__).resolve().parent / "results" / "analytics.json"
SPACING = 40.0


def lattice(grids: int) -> tuple[int, int]:
    rows = int(np.sqrt(grids))
    return rows, int(np.ceil(grids / rows))


def counts(rows: int, cols: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = rng.poisson(4, size=rows * cols).astype(float)
    grid = y.reshape(rows, cols)
    grid[rows // 4 : rows // 4 + 12, cols // 4 : cols // 4 + 12] += rng.poisson(6, size=(12, 12))
    return grid.ravel()


def timed(func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = func(*args, **kwargs)
    return out, round(time.perf_counter() - start, 3)


def bench_gi(rows: int, cols: int) -> dict[str, object]:
    y = counts(rows, cols)
    w = lat2W(rows, cols, rook=False)
    csr = sp.csr_matrix(w.sparse)
    gi_star(y, csr, permutations=99)  # warm: imports and first allocations, as a warm server
    ours, ours_s = timed(gi_star, y, csr, permutations=999, seed=1)
    theirs, theirs_s = timed(
        G_Local, y, fill_diagonal(w, 1.0), transform="B", star=True, permutations=999, seed=1
    )
    return {
        "grids": rows * cols,
        "permutations": 999,
        "geogrid_s": ours_s,
        "esda_s": theirs_s,
        "z_max_abs_diff": float(np.abs(ours.z - theirs.Zs).max()),
        "p_sim_max_abs_diff": float(np.abs(ours.p_sim - theirs.p_sim).max()),
        "hot_or_cold_after_fdr": int((ours.bins != 0).sum()),
    }


def bench_emerging(rows: int, cols: int, weeks: int) -> dict[str, object]:
    rng = np.random.default_rng(2)
    cube = rng.poisson(2, size=(weeks, rows * cols)).astype(float)
    block = np.zeros((rows, cols), dtype=bool)
    block[rows // 2 : rows // 2 + 10, cols // 2 : cols // 2 + 10] = True
    cube[:, block.ravel()] += np.linspace(3, 9, weeks)[:, None]  # an intensifying plant
    w = sp.csr_matrix(lat2W(rows, cols, rook=False).sparse)
    result, seconds = timed(emerging_hot_spots, cube, w)
    classes, numbers = np.unique(result.classes, return_counts=True)
    return {
        "grids": rows * cols,
        "steps": weeks,
        "geogrid_s": seconds,
        "peer": "none in Python (ArcGIS Pro only; R sfdep)",
        "classes": dict(zip(classes.tolist(), numbers.tolist(), strict=True)),
    }


def town(grids: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = lattice(grids)
    rng = np.random.default_rng(seed)
    xy = np.array([(c, r) for r in range(rows) for c in range(cols)], float)[:grids] * SPACING
    xy += rng.uniform(-5, 5, size=xy.shape)
    centres = np.array([[0.3, 0.3], [0.7, 0.6]]) * [cols * SPACING, rows * SPACING]
    near = cdist(xy, centres).min(axis=1) / (0.2 * cols * SPACING)
    return xy, rng.poisson(10 + 30 * np.exp(-(near**2))).astype(float)


def bench_mclp(grids: int, spopt_grids: int, limit: float) -> dict[str, object]:
    out: dict[str, object] = {}
    small, w_small = town(spopt_grids, 3)
    model = MCLP.from_cost_matrix(cdist(small, small), w_small, 200.0, p_facilities=10)
    _, spopt_s = timed(model.solve, pulp.PULP_CBC_CMD(msg=False, timeLimit=limit))
    status = pulp.LpSolution[model.problem.sol_status]
    ours = maximal_covering(small, w_small, small, facilities=10, radius=200.0, time_limit=10.0)
    out["small"] = {
        "grids": spopt_grids,
        "facilities": 10,
        "radius_m": 200.0,
        "spopt_s": spopt_s,
        "spopt_status": status,
        "spopt_objective": float(pulp.value(model.problem.objective) or 0.0),
        **_ours(ours),
    }
    full, w_full = town(grids, 4)
    existing = full[:: max(1, grids // 40)]  # 40 staff already in place
    big = maximal_covering(
        full, w_full, full, facilities=60, radius=150.0, existing=existing, time_limit=10.0
    )
    out["full"] = {"grids": grids, "facilities": 60, "radius_m": 150.0, **_ours(big)}
    return out


def bench_pcenter(grids: int, spopt_grids: int, limit: float) -> dict[str, object]:
    small, _ = town(spopt_grids, 5)
    model = PCenter.from_cost_matrix(cdist(small, small), p_facilities=4)
    _, spopt_s = timed(model.solve, pulp.PULP_CBC_CMD(msg=False, timeLimit=limit))
    ours = p_center(small, small, facilities=4, time_limit=10.0)
    full, _ = town(grids, 6)
    big = p_center(full, full, facilities=60, time_limit=10.0)
    return {
        "small": {
            "grids": spopt_grids,
            "facilities": 4,
            "spopt_s": spopt_s,
            "spopt_status": pulp.LpSolution[model.problem.sol_status],
            "spopt_objective": float(pulp.value(model.problem.objective) or 0.0),
            **_ours(ours),
        },
        "full": {"grids": grids, "facilities": 60, **_ours(big)},
    }


def _ours(found) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "geogrid_s": round(found.seconds, 3),
        "geogrid_objective": round(found.objective, 2),
        "geogrid_bound": round(found.bound, 2),
        "geogrid_gap": round(found.gap, 4),
        "geogrid_method": found.method,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--grids", type=int, default=20_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--spopt-grids", type=int, default=900)
    parser.add_argument("--spopt-pcenter-grids", type=int, default=100)
    parser.add_argument("--spopt-limit", type=float, default=60.0)
    args = parser.parse_args()
    rows, cols = lattice(args.grids)
    results = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared), "
        f"load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}",
        "gi_star": bench_gi(rows, cols),
    }
    print(json.dumps(results["gi_star"]))
    results["emerging"] = bench_emerging(rows, cols, args.weeks)
    print(json.dumps(results["emerging"]))
    results["mclp"] = bench_mclp(rows * cols, args.spopt_grids, args.spopt_limit)
    print(json.dumps(results["mclp"]))
    results["pcenter"] = bench_pcenter(rows * cols, args.spopt_pcenter_grids, args.spopt_limit)
    print(json.dumps(results["pcenter"]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
