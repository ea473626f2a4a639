"""Benchmark: bulk import of synthetic incidents and the per-grid statistics query.

Builds a plan of ~1,400 square basic grids (4 micro grids each) in a fresh database, generates a
synthetic year of incidents, imports them (all or nothing) and times the statistics of all basic
grids of the district. Writes benchmarks/results/incidents.json.

    .venv/bin/python benchmarks/bench_incidents.py --count 1000000 --stores postgis,spatialite
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from geogrid.incidents.deadlines import WorkCalendar
from geogrid.incidents.synthetic import synthesize_incidents
from geogrid.store import publish_plan, save_plan
from geogrid.store.incident_bulk import import_incidents
from geogrid.store.incident_stats import incident_stats

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "benchmarks"), str(REPO / "tests" / "incidents")]
from _stores import throwaway_store  # noqa: E402
from incident_plans import square_grids  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "incidents.json"
DISTRICT = "370212"


def _community(k: int) -> str:
    """The community of basic grid k: 20 grids to a community, 10 communities to a street."""
    return f"{DISTRICT}{1 + k // 200:03d}{1 + (k // 20) % 10:03d}"


def run(kind: str, count: int, seed: int, tmp: Path, repeats: int) -> dict[str, object]:
    with throwaway_store(kind, tmp) as store:
        store.migrate()
        grids = square_grids(
            n=38, size=0.006, origin=(120.40, 36.05), community=_community, per_community=20
        )
        with store.transaction() as conn:
            plan = save_plan(conn, grids, report={}, author="bench")
            publish_plan(conn, plan)
        t0 = time.perf_counter()
        frame = synthesize_incidents(
            grids["basic"], year=2025, count=count, seed=seed, calendar=WorkCalendar()
        )
        synth_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with store.transaction() as conn:
            summary = import_incidents(
                conn,
                frame,
                source_file=f"synthetic:seed={seed}",
                fmt="synthetic",
                calendar=WorkCalendar(),
                synthetic=True,
            )
        import_s = time.perf_counter() - t0
        if kind == "postgis":
            with store.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE incidents")
                conn.exec_driver_sql("ANALYZE incident_grids")
                conn.commit()
        else:
            with store.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        as_of = datetime(2026, 1, 1, tzinfo=UTC)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            stats = incident_stats(store.engine, by="basic", within=DISTRICT, as_of=as_of)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        incident_stats(
            store.engine,
            by="basic",
            within=DISTRICT,
            as_of=as_of,
            categories=["01", "02"],
            start=datetime(2025, 6, 1, tzinfo=UTC),
            end=datetime(2025, 9, 1, tzinfo=UTC),
        )
        filtered_s = time.perf_counter() - t0
        return {
            "store": kind,
            "incidents": count,
            "basic_grids": len(grids["basic"]),
            "micro_grids": len(grids["micro"]),
            "synthesize_s": round(synth_s, 2),
            "import_s": round(import_s, 2),
            "import_rate_per_s": round(count / import_s),
            "import_inner_s": round(summary.seconds, 2),
            "import_steps_s": summary.steps,
            "stats_rows": len(stats),
            "stats_median_s": round(statistics.median(times), 3),
            "stats_runs_s": [round(x, 3) for x in times],
            "stats_filtered_s": round(filtered_s, 3),
            "settlement_rate": round(float(stats["closed"].sum() / stats["accepted"].sum()), 4),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stores", default="postgis,spatialite")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tmp", type=Path, default=Path("/tmp"))
    args = parser.parse_args()
    results = []
    for kind in args.stores.split(","):
        result = run(kind, args.count, args.seed, args.tmp, args.repeats)
        print(json.dumps(result))
        results.append(result)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "date": datetime.now(UTC).date().isoformat(),
                "machine": f"{os.cpu_count()} cores (shared), Python {platform.python_version()}",
                "results": results,
            },
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
