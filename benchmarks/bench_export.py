"""Benchmark: streamed export of N synthetic incidents in every format: time and peak memory.

Fills a throwaway store once per scale (synthetic year on a published 1,444-grid plan), then
exports the incidents collection in each format, by each path:

- ``http``: in a fresh child process, the code the HTTP route runs (``export_source`` and the
  writers), recording wall time, file size and the child's peak RSS above its baseline;
- ``cli``: ``geogrid export --collection incidents --out FILE`` run as its own process (from a
  small wrapper, so its peak RSS is its own), end to end: interpreter start, imports, store.

Two scales side by side show whether memory grows with the row count.
Writes benchmarks/results/export.json (or ``--results``).

    .venv/bin/python benchmarks/bench_export.py --counts 100000,1000000 --store postgis
    .venv/bin/python benchmarks/bench_export.py --paths cli --formats geojson,gpkg,csv \
        --results benchmarks/results/export_cli.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "benchmarks"), str(REPO / "tests" / "incidents")]
from geogrid.io.stream_export import EXPORT_FORMATS  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "export.json"
DISTRICT = "370212"
FORMATS = tuple(EXPORT_FORMATS)


def _community(k: int) -> str:
    return f"{DISTRICT}{1 + k // 200:03d}{1 + (k // 20) % 10:03d}"


def _peak_mb() -> float:
    """This process's peak RSS (VmHWM: reset at exec, unlike ru_maxrss, which a child
    inherits from the parent that filled the store)."""
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(x for x in status if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def child(url: str, fmt: str, out: Path) -> None:
    """One export in this process; prints seconds, rows, size and peak RSS as JSON."""
    from geogrid.io.export_files import write_export
    from geogrid.ogc_crs import export_crs
    from geogrid.settings import StoreSettings
    from geogrid.store import open_store
    from geogrid.store.feature_catalog import collection
    from geogrid.store.feature_export import export_source
    from geogrid.store.feature_query import FeatureQuery, Scope

    store = open_store(StoreSettings(database_url=url))
    coll = collection(store.engine, "incidents")
    baseline = _peak_mb()
    t0 = time.perf_counter()
    with store.engine.connect() as conn:
        source = export_source(
            conn, coll, Scope(personal=True), FeatureQuery(), crs=export_crs(None)
        )
        rows = write_export(source, out, fmt)
    seconds = time.perf_counter() - t0
    size = out.stat().st_size
    out.unlink()
    print(json.dumps({"format": fmt, "rows": rows, "seconds": round(seconds, 2),
                      "rows_per_s": round(rows / seconds), "size_mb": round(size / 2**20, 1),
                      "peak_rss_mb": round(_peak_mb(), 1),
                      "peak_above_start_mb": round(_peak_mb() - baseline, 1)}))  # fmt: skip


def cli_child(url: str, fmt: str, out: Path) -> None:
    """``geogrid export`` as a process of its own; prints seconds, rows, size and its peak RSS
    (this wrapper is small, so the child's ru_maxrss is the CLI's own)."""
    env = os.environ | {"DATABASE_URL": url}
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "geogrid", "export", "--collection", "incidents", "--format", fmt, "--out", str(out)],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    rows = int(done.stdout.rsplit("incidents", 1)[1].strip().replace(",", ""))
    size = out.stat().st_size
    out.unlink()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"path": "cli", "format": fmt, "rows": rows, "seconds": round(seconds, 2),
                      "rows_per_s": round(rows / seconds), "size_mb": round(size / 2**20, 1),
                      "peak_rss_mb": round(peak, 1)}))  # fmt: skip


def fill(store: object, count: int) -> None:
    from incident_plans import square_grids

    from geogrid.incidents.deadlines import WorkCalendar
    from geogrid.incidents.synthetic import synthesize_incidents
    from geogrid.store import publish_plan, save_plan
    from geogrid.store.incident_bulk import import_incidents

    grids = square_grids(n=38, size=0.006, origin=(120.40, 36.05), community=_community, per_community=20)  # fmt: skip
    with store.transaction() as conn:  # type: ignore[attr-defined]
        plan = save_plan(conn, grids, report={}, author="bench")
        publish_plan(conn, plan)
    frame = synthesize_incidents(grids["basic"], year=2025, count=count, seed=1, calendar=WorkCalendar())  # fmt: skip
    with store.transaction() as conn:  # type: ignore[attr-defined]
        import_incidents(conn, frame, source_file="synthetic", fmt="synthetic", calendar=WorkCalendar(), synthetic=True)  # fmt: skip


def run(
    kind: str, count: int, tmp: Path, formats: list[str], paths: list[str]
) -> list[dict[str, object]]:
    from _stores import throwaway_store

    results = []
    with throwaway_store(kind, tmp, prefix="export_bench") as store:
        store.migrate()
        t0 = time.perf_counter()
        fill(store, count)
        print(f"{kind}: {count:,} incidents loaded in {time.perf_counter() - t0:.0f} s", flush=True)
        url = store.engine.url.render_as_string(hide_password=False)
        for fmt in formats:
            for path in paths:
                out = tmp / f"bench-export-{os.getpid()}{EXPORT_FORMATS[fmt][1][0]}"
                child_flag = "--child" if path == "http" else "--cli-child"
                done = subprocess.run(
                    [sys.executable, __file__, child_flag, fmt, "--url", url, "--out", str(out)],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                result = {"path": path} | json.loads(done.stdout.strip().splitlines()[-1])
                result |= {"store": kind, "count": count, "load_avg_1m": os.getloadavg()[0]}
                print(json.dumps(result), flush=True)
                results.append(result)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", default="100000,1000000")
    parser.add_argument("--store", default="postgis")
    parser.add_argument("--tmp", type=Path, default=Path("/tmp"))
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--paths", default="http,cli")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--child")
    parser.add_argument("--cli-child")
    parser.add_argument("--url")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.url, args.child, args.out)
        return
    if args.cli_child:
        cli_child(args.url, args.cli_child, args.out)
        return
    results = []
    formats, paths = args.formats.split(","), args.paths.split(",")
    for count in (int(c) for c in args.counts.split(",")):
        results += run(args.store, count, args.tmp, formats, paths)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps({
        "date": datetime.now(UTC).date().isoformat(),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO).stdout.strip(),
        "machine": f"{os.cpu_count()} cores (shared with other engineers), Python {platform.python_version()}",
        "results": results,
    }, indent=2), encoding="utf-8")  # fmt: skip


if __name__ == "__main__":
    main()
