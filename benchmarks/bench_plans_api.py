"""Benchmark: draft editing, concurrency and diff over HTTP on a Laoshan-scale plan, both stores.

Builds synthetic Laoshan (``synth_city("370212", seed=1)``), partitions it (basic and micro
grids, seed 1) and derives the plan's units once; then per store: imports the layers and a year
of synthetic incidents, stores the plan as a draft with its units, and through the real app
(in-process ASGI client, real store) times
- edits moving 1-50 units between neighbouring basic grids (each followed by an undo),
- two planners (two apps, i.e. two caches) editing one draft at once: lost updates, 409s, replay,
- the diff of the plan against its edited copy and against a plan of another seed.
Writes benchmarks/results/plans_api.json.

    .venv/bin/python benchmarks/bench_plans_api.py --edits 200 --concurrent 500 --stores spatialite,postgis
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from fastapi.testclient import TestClient

from geogrid.api import create_app
from geogrid.incidents.deadlines import WorkCalendar
from geogrid.incidents.synthetic import synthesize_incidents
from geogrid.partition_jobs import BARRIERS, parents_of, run_partition
from geogrid.plans.draft import Delta, draft_from_frames
from geogrid.plans.editing import adjacency_lists
from geogrid.plans.units import plan_units
from geogrid.roles import Role
from geogrid.settings import Settings, StoreSettings
from geogrid.store import Store, save_plan, write_layer
from geogrid.store.access import create_api_key
from geogrid.store.drafts import edits, read_units, save_units
from geogrid.store.incident_bulk import import_incidents
from geogrid.synth import synth_city

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "benchmarks")]
from _stores import throwaway_store  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "plans_api.json"
LAYERS = ("streets", "communities", "buildings", "roads", "waterways", "railways", "compounds")
SIZES = (1, 5, 10, 25, 50)
CLIENTS: list[TestClient] = []  # the apps started, stopped before their store is dropped


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare(scale: float, cache: Path) -> dict[str, Any]:
    """The city, plans of seeds 1 and 2, and the units of plan 1 (kept in ``cache`` between
    runs: they are deterministic, and building them takes minutes)."""
    path = cache / f"plans_api_prepared_{scale}.pickle"
    if path.exists():
        log(f"prepared data from {path}")
        with path.open("rb") as fh:
            data: dict[str, Any] = pickle.load(fh)
        return data
    t0 = time.perf_counter()
    city = synth_city("370212", seed=1, scale=scale)
    layers = {k: city.get(k) for k in ("communities", "streets", "buildings", *BARRIERS)}
    plans = {seed: run_partition(layers, seed=seed) for seed in (1, 2)}
    units = plan_units(
        parents_of(layers),
        city["buildings"],
        plans[1].grids["micro"],
        basic=plans[1].grids["basic"],
        barriers=[layers.get(b) for b in BARRIERS],
    )
    log(f"prepared city, 2 plans and {len(units):,} units in {time.perf_counter() - t0:.0f} s")
    data = {"city": city, "plans": plans, "units": units}
    with path.open("wb") as fh:
        pickle.dump(data, fh)
    return data


def _load() -> dict[str, float]:
    """The machine's load average (1 and 5 minutes) when a phase ends: it is shared."""
    one, five, _ = os.getloadavg()
    return {"load_1min": round(one, 1), "load_5min": round(five, 1)}


def percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else float("nan")


def move_sets(data: dict[str, Any], count: int, seed: int) -> list[tuple[list[int], str]]:
    """Unit sets of 1-50 units of one basic grid, grown along its edge with a neighbour, whose
    removal leaves every grid connected and non-empty, and the neighbour's micro grid to take them."""
    units: gpd.GeoDataFrame = data["units"]
    parent = data["plans"][1].grids["micro"].set_index("code")["parent_code"].to_dict()
    geoms = units.to_crs(units.estimate_utm_crs()).geometry.to_numpy()
    adj = adjacency_lists(geoms)
    micro_of = units["micro_code"].to_numpy()
    basic_of = np.asarray([parent[m] for m in micro_of], dtype=object)
    members: dict[str, list[int]] = {}
    for k, code in enumerate(micro_of.tolist()):
        members.setdefault(code, []).append(k)
    for k, code in enumerate(basic_of.tolist()):
        members.setdefault(code, []).append(k)
    rng = np.random.default_rng(seed)
    out: list[tuple[list[int], str]] = []
    for tries in range(count * 40):
        if len(out) >= count:
            break
        i = int(rng.integers(len(geoms)))
        others = [j for j in adj[i] if basic_of[j] != basic_of[i]]
        others = [j for j in others if units["community"].iat[j] == units["community"].iat[i]]
        if not others:
            continue
        size = int(SIZES[tries % len(SIZES)])
        target = shapely.union_all(geoms[members[basic_of[others[0]]]])
        chosen = _grow(i, size, adj, basic_of, micro_of, members, geoms, target)
        if len(chosen) == size and _keeps_grids(chosen, geoms, micro_of, basic_of, members):
            out.append(([int(units["unit_id"].iat[k]) for k in chosen], str(micro_of[others[0]])))
    return out


def _grow(
    start: int,
    size: int,
    adj: list[list[int]],
    basic_of: np.ndarray,
    micro_of: np.ndarray,
    members: dict[str, list[int]],
    geoms: np.ndarray,
    target: Any,
) -> list[int]:
    """Grow from ``start`` inside its basic grid, nearest the target grid first, never taking the
    last unit of a micro grid."""
    chosen = [start]
    left = {
        m: len(members[m]) - 1 if m == micro_of[start] else len(members[m])
        for m in {micro_of[start]}
    }
    frontier = set(adj[start])
    while len(chosen) < size and frontier:
        cands = [j for j in frontier if basic_of[j] == basic_of[start] and j not in chosen]
        cands = [j for j in cands if left.get(micro_of[j], len(members[micro_of[j]])) > 1]
        if not cands:
            break
        j = min(cands, key=lambda c: shapely.distance(geoms[c], target))
        chosen.append(j)
        left[micro_of[j]] = left.get(micro_of[j], len(members[micro_of[j]])) - 1
        frontier |= set(adj[j])
    return chosen


def _keeps_grids(
    chosen: list[int],
    geoms: np.ndarray,
    micro_of: np.ndarray,
    basic_of: np.ndarray,
    members: dict[str, list[int]],
) -> bool:
    picked = set(chosen)
    for codes in (micro_of, basic_of):
        for code in {codes[k] for k in chosen}:
            rest = [k for k in members[code] if k not in picked]
            if not rest or shapely.union_all(geoms[rest]).geom_type != "Polygon":
                return False
    return True


def client_for(store: Store, name: str) -> TestClient:
    url = store.engine.url.render_as_string(hide_password=False)
    client = TestClient(create_app(Settings(store=StoreSettings(database_url=url))))
    with store.transaction() as conn:
        client.headers["X-API-Key"] = create_api_key(
            conn, name=name, role=Role.planner, jurisdiction="370212"
        )
    CLIENTS.append(client.__enter__())
    return CLIENTS[-1]


def fill(store: Store, data: dict[str, Any], incidents: int) -> tuple[int, int, float]:
    city = data["city"]
    t0 = time.perf_counter()
    with store.transaction() as conn:
        for name in LAYERS:
            if city.get(name) is not None:
                write_layer(conn, name, city[name], source_file="synth", source_crs="EPSG:4326")
        plan_id = save_plan(conn, data["plans"][1].grids, report={}, author="bench")
        other = save_plan(conn, data["plans"][2].grids, report={}, author="bench")
        save_units(conn, plan_id, data["units"])
    if incidents:
        frame = synthesize_incidents(
            data["plans"][1].grids["basic"],
            year=2025,
            count=incidents,
            seed=1,
            calendar=WorkCalendar(),
        )
        with store.transaction() as conn:
            import_incidents(
                conn,
                frame,
                source_file="synthetic",
                fmt="synthetic",
                calendar=WorkCalendar(),
                synthetic=True,
            )
    return plan_id, other, time.perf_counter() - t0


def bench_edits(
    client: TestClient, plan_id: int, sets: list[tuple[list[int], str]]
) -> dict[str, Any]:
    t0 = time.perf_counter()
    version = client.get(f"/plans/{plan_id}/draft").json()["version"]
    load_s = time.perf_counter() - t0
    by_size: dict[int, list[float]] = {}
    undo_times: list[float] = []
    statuses: dict[int, int] = {}
    for units, to in sets:
        t0 = time.perf_counter()
        r = client.post(
            f"/plans/{plan_id}/edits",
            json={"op": "move", "units": units, "to": to},
            headers={"If-Match": f'"{plan_id}.{version}"'},
        )
        took = time.perf_counter() - t0
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        if r.status_code != 200:
            continue
        by_size.setdefault(len(units), []).append(took)
        version = r.json()["version"]
        t0 = time.perf_counter()
        u = client.post(f"/plans/{plan_id}/undo", headers={"If-Match": f'"{plan_id}.{version}"'})
        undo_times.append(time.perf_counter() - t0)
        version = u.json()["version"]
    accepted = [t for v in by_size.values() for t in v]
    return {
        "draft_load_s": round(load_s, 2),
        "statuses": statuses,
        "edit_p50_ms": percentile(accepted, 50),
        "edit_p95_ms": percentile(accepted, 95),
        "edit_max_ms": percentile(accepted, 100),
        "p95_ms_by_units": {str(k): percentile(v, 95) for k, v in sorted(by_size.items())},
        "n_by_units": {str(k): len(v) for k, v in sorted(by_size.items())},
        "undo_p95_ms": percentile(undo_times, 95),
    }


def bench_concurrency(
    store: Store, plan_id: int, data: dict[str, Any], each: int, sets: list[tuple[list[int], str]]
) -> dict[str, Any]:
    one, two = client_for(store, "planner-one"), client_for(store, "planner-two")
    basics = sorted(data["plans"][1].grids["basic"]["code"])[:20]
    units, to = next(s for s in sets if len(s[0]) == 1)
    home = data["units"].set_index("unit_id").loc[units[0], "micro_code"]
    jobs = [
        [{"op": "rename", "grid": basics[i % len(basics)], "name": f"n{i}"} for i in range(each)],
        [{"op": "move", "units": units, "to": to if i % 2 == 0 else home} for i in range(each)],
    ]
    answers: list[list[tuple[int, int, dict[str, Any]]]] = [[], []]

    def planner(client: TestClient, bodies: list[dict[str, Any]], out: list) -> None:
        version = client.get(f"/plans/{plan_id}/draft").json()["version"]
        for body in bodies:
            r = client.post(
                f"/plans/{plan_id}/edits", json=body, headers={"If-Match": f'"{plan_id}.{version}"'}
            )
            out.append((version, r.status_code, r.json()))
            version = (
                r.json()["version"] if r.status_code == 200 else r.json().get("current", version)
            )

    t0 = time.perf_counter()
    threads = [
        threading.Thread(target=planner, args=(c, j, a))
        for c, j, a in zip((one, two), jobs, answers, strict=True)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    flat = answers[0] + answers[1]
    ok = [a for a in flat if a[1] == 200]
    stale = [a for a in flat if a[1] == 409]
    log_rows = edits(store.engine, plan_id)
    first = min((a[2]["version"] for a in ok), default=1)
    accepted_versions = sorted(a[2]["version"] for a in ok)
    replay_equal = _replay_equal(store, plan_id, data, log_rows)
    return {
        "edits": len(flat),
        "accepted": len(ok),
        "stale_409": len(stale),
        "other": len(flat) - len(ok) - len(stale),
        "every_409_stale": all(a[2]["current"] > a[0] for a in stale),
        "lost_updates": len(ok) - len([r for r in log_rows if r["version"] >= first]),
        "versions_contiguous": accepted_versions == list(range(first, first + len(ok))),
        "replay_equals_store": replay_equal,
        "wall_s": round(wall, 1),
    }


def _replay_equal(
    store: Store, plan_id: int, data: dict[str, Any], log_rows: list[dict[str, Any]]
) -> bool:
    plan = data["plans"][1]
    grids = pd.concat([plan.grids["basic"], plan.grids["micro"]], ignore_index=True)
    grids["name"] = None
    replay = draft_from_frames(plan_id, data["units"], grids, area_types={})
    for row in log_rows:
        replay.apply(Delta.from_json(row["delta"]))
    stored = read_units(store.engine, plan_id)
    return dict(zip(stored["unit_id"], stored["micro_code"], strict=True)) == replay.assignment()


def bench_diff(
    client: TestClient, plan_id: int, other: int, sets: list[tuple[list[int], str]]
) -> dict[str, Any]:
    copied = client.post(f"/plans/{plan_id}/copy", json={"note": "bench"}).json()["plan_id"]
    version = 0
    for units, to in sets[:20]:  # the copy gets up to 20 moves of 1-50 units
        r = client.post(
            f"/plans/{copied}/edits",
            json={"op": "move", "units": units, "to": to},
            headers={"If-Match": f'"{copied}.{version}"'},
        )
        version = r.json()["version"] if r.status_code == 200 else version
    out: dict[str, Any] = {"copy_edits_accepted": version}
    for label, target in (("edited copy", copied), ("plan of seed 2", other)):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            r = client.get(f"/plans/{plan_id}/diff/{target}")
            times.append(time.perf_counter() - t0)
        body = r.json()["levels"]
        t0 = time.perf_counter()
        g = client.get(f"/plans/{plan_id}/diff/{target}", params={"format": "geojson"})
        out[label] = {
            "json_best_s": round(min(times), 2),
            "json_worst_s": round(max(times), 2),
            "geojson_s": round(time.perf_counter() - t0, 2),
            "features": len(g.json()["features"]),
            "basic": {k: (len(v) if isinstance(v, list) else v) for k, v in body["basic"].items()},
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="Laoshan households x scale")
    parser.add_argument("--edits", type=int, default=200, help="single-planner edits to time")
    parser.add_argument(
        "--concurrent", type=int, default=500, help="edits per planner, two planners"
    )
    parser.add_argument("--incidents", type=int, default=300_000)
    parser.add_argument("--stores", default="spatialite,postgis")
    parser.add_argument("--phases", default="edits,concurrency,diff", help="which to run")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the results file")
    parser.add_argument("--tmp", type=Path, default=REPO / "benchmarks" / "out")
    args = parser.parse_args()
    args.tmp.mkdir(parents=True, exist_ok=True)
    data = prepare(args.scale, args.tmp)
    sets = move_sets(data, args.edits, seed=7)
    log(f"{len(sets)} move sets")
    results: dict[str, Any] = {
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores shared, load {os.getloadavg()[0]:.1f}",
        "python": platform.python_version(),
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "scale": args.scale,
        "basic_grids": len(data["plans"][1].grids["basic"]),
        "micro_grids": len(data["plans"][1].grids["micro"]),
        "units": len(data["units"]),
        "incidents": args.incidents,
        "stores": {},
    }
    for kind in args.stores.split(","):
        with throwaway_store(kind, args.tmp) as store:
            store.migrate()
            plan_id, other, fill_s = fill(store, data, args.incidents)
            log(f"{kind}: filled in {fill_s:.0f} s")
            client = client_for(store, "planner")
            res: dict[str, Any] = {"fill_s": round(fill_s, 1)}
            phases = args.phases.split(",")
            if "edits" in phases:
                res["edits"] = bench_edits(client, plan_id, sets) | _load()
                log(f"{kind}: edits {res['edits']}")
            if "concurrency" in phases:
                res["concurrency"] = (
                    bench_concurrency(store, plan_id, data, args.concurrent, sets) | _load()
                )
                log(f"{kind}: concurrency {res['concurrency']}")
            if "diff" in phases:
                res["diff"] = bench_diff(client, plan_id, other, sets) | _load()
                log(f"{kind}: diff {res['diff']}")
            results["stores"][kind] = res
            for opened in CLIENTS:  # stop their apps (feed listeners) before the store goes
                opened.__exit__(None, None, None)
            CLIENTS.clear()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
