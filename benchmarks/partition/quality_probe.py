"""Quality probe of the basic and micro grids on synthetic Laoshan (issue 3).

Run: .venv/bin/python benchmarks/partition/quality_probe.py [--label NAME] [--cache]
(writes benchmarks/results/partition_quality_probe.json, one entry per label).

Besides the engine's own report it measures, independently of the engine, on the output
polygons: the share of interior boundary length (grid boundaries minus the parent's outline)
lying within 1.5 m of a road, waterway or railway line; grids with holes their parent lacks;
and a digest of the plan (codes, households, WKB) to check determinism.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import pickle
import platform
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geogrid.crs import metric_crs
from geogrid.partition.engine import partition_plan
from geogrid.synth import synth_city

RESULTS = Path(__file__).resolve().parents[1] / "results" / "partition_quality_probe.json"
CACHE = Path("/tmp/geogrid_probe_laoshan.pkl")
TOLERANCE = 1.5  # metres from a barrier line that still counts as on it


def city(*, cache: bool, paths: bool = True) -> tuple[dict[str, gpd.GeoDataFrame], float]:
    """Synthetic Laoshan, seed 1; without compound paths if ``paths`` is False (the city as it
    was before they were added: the paths draw no random numbers, so all else is the same)."""
    if not paths:
        import geogrid.synth.city as synth_module

        synth_module.community_paths = lambda *a, **k: np.empty(0, dtype=object)  # type: ignore[assignment]
        start = time.perf_counter()
        return synth_city("370212", seed=1), time.perf_counter() - start
    if cache and CACHE.exists():
        return pickle.loads(CACHE.read_bytes()), 0.0
    start = time.perf_counter()
    layers = synth_city("370212", seed=1)
    took = time.perf_counter() - start
    CACHE.write_bytes(pickle.dumps(layers))
    return layers, took


def on_barrier_share(
    grids: gpd.GeoDataFrame, parents: gpd.GeoDataFrame, lines: np.ndarray
) -> float:
    """Interior boundary length within TOLERANCE of a barrier line, over all interior length."""
    outline = shapely.union_all(shapely.boundary(parents.geometry.to_numpy()))
    edges = shapely.union_all(shapely.boundary(grids.geometry.to_numpy()))
    interior = shapely.difference(edges, shapely.buffer(outline, 0.01))
    zone = shapely.union_all(shapely.buffer(lines, TOLERANCE, quad_segs=2))
    on = shapely.intersection(interior, zone)
    total = shapely.length(interior)
    return round(float(shapely.length(on) / total), 4) if total else float("nan")


def new_holes(grids: gpd.GeoDataFrame, parents: gpd.GeoDataFrame) -> int:
    """Grids with an interior ring that does not lie on a hole of their parent."""
    parent_holes = [
        shapely.Polygon(r)
        for p in shapely.get_parts(parents.geometry.to_numpy())
        for r in p.interiors
    ]
    tree = shapely.STRtree(np.asarray(parent_holes, dtype=object)) if parent_holes else None
    count = 0
    for g in grids.geometry.to_numpy():
        for ring in (r for part in shapely.get_parts(g) for r in part.interiors):
            hole = shapely.Polygon(ring)
            hit = tree.query(hole, predicate="intersects") if tree is not None else []
            covered = sum(shapely.area(shapely.intersection(hole, parent_holes[i])) for i in hit)
            if covered < hole.area - 1.0:
                count += 1
                break
    return count


def digest(plan: Any) -> str:
    h = hashlib.sha256()
    for level in sorted(plan.grids):
        g = plan.grids[level]
        h.update("|".join(g.code).encode())
        h.update(np.asarray(g.households, dtype=np.int64).tobytes())
        for wkb in shapely.to_wkb(g.geometry.to_numpy()):
            h.update(wkb)
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", default="run")
    ap.add_argument("--cache", action="store_true", help="reuse /tmp city pickle")
    ap.add_argument("--twice", action="store_true", help="run twice and compare digests")
    ap.add_argument("--levels", default="large,medium,basic,micro")
    ap.add_argument("--no-paths", action="store_true", help="the city without compound paths")
    args = ap.parse_args()
    layers, synth_s = city(cache=args.cache, paths=not args.no_paths)
    kw = dict(
        roads=layers["roads"],
        waterways=layers["waterways"],
        levels=tuple(args.levels.split(",")),
        seed=0,
    )
    start, cpu = time.perf_counter(), time.process_time()
    plan = partition_plan(layers["communities"], layers["buildings"], **kw)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    out: dict[str, Any] = {
        "label": args.label,
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_avg": os.getloadavg()[0],
        "synth_s": round(synth_s, 2),
        "buildings": len(layers["buildings"]),
        "roads": len(layers["roads"]),
        "road_classes": layers["roads"]["road_class"].value_counts().to_dict(),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "report": {k: v for k, v in plan.report.items()},
    }
    crs = metric_crs(layers["communities"])
    parents = layers["communities"].to_crs(crs)
    lines = np.concatenate(
        [layers[k].to_crs(crs).geometry.to_numpy() for k in ("roads", "waterways")]
    )
    checks: dict[str, Any] = {}
    for level in ("basic", "micro"):
        grids = plan.grids[level].to_crs(crs)
        rep = plan.report[level]
        checks[level] = {
            "barrier_share_measured": on_barrier_share(grids, parents, lines),
            "new_holes": new_holes(grids, parents),
            "infeasible_parents": len(rep["infeasible_parents"]),
        }
    checks["digest"] = digest(plan)
    if args.twice:
        again = partition_plan(layers["communities"], layers["buildings"], **kw)
        checks["deterministic"] = digest(again) == checks["digest"]
    out["checks"] = checks
    for level in ("basic", "micro"):
        rep = dict(plan.report[level])
        rep["infeasible_parents"] = len(rep["infeasible_parents"])
        print(level, json.dumps(rep))
    print(
        "seconds", json.dumps(plan.report["seconds"]), "cpu", round(cpu, 2), "load", out["load_avg"]
    )
    print("checks", json.dumps(checks))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": []}
    old["runs"] = [r for r in old["runs"] if r["label"] != args.label] + [out]
    RESULTS.write_text(json.dumps(old, indent=1, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
