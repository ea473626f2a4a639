"""Partition benchmark: scale, determinism, dedicated grids, side-by-side tools, redraw, and
real Liechtenstein data.

Run: ``.venv/bin/python benchmarks/bench_partition.py`` (all parts) or
``--parts scale,compare,redraw,liechtenstein``; results go to benchmarks/results/partition.json.
Every heavy run is a subprocess: peak memory is its own, and a tool past ``--timeout`` is stopped.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks"), str(REPO / "tests" / "partition")]
RESULTS = REPO / "benchmarks" / "results" / "partition.json"
LEVELS = ("large", "medium", "basic", "micro")
# district, scale, mode: "" single process; "again" the same run once more (determinism);
# "local" on a local dask cluster (same plan?); "workers" in one worker process per core, as the
# CLI does by default (same plan?); "dedicated" schools and hospitals get own grids
SCALE_RUNS = (
    ("370212", 1.0, ""),
    ("370212", 1.0, "again"),
    ("370212", 1.0, "local"),
    ("370212", 1.0, "workers"),
    ("370212", 1.0, "dedicated"),
    ("370212", 2.0, ""),
    ("370212", 4.0, ""),
    ("610116", 1.0, ""),
)
DEDICATED = ("hospital", "school")
COMPARE_PARENTS = (1, 6, 40, 167)  # about 450, 2,900, 17,000 and all 78,000 nodes of Laoshan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--parts", default="scale,compare,redraw,liechtenstein,figures")
    ap.add_argument(
        "--scale", type=float, default=1.0, help="Laoshan scale of the figures part (issue 12)"
    )
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per tool and size")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--tool", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(_scale_one(*args.one.split(":"))))
        return
    if args.tool:
        from partition.compare import run_tool

        print(json.dumps(run_tool(args.tool[0], args.tool[1], int(args.tool[2]))))
        return
    out: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    out["machine"] = {
        "cores": 2,
        "shared": "with other engineers' jobs",
        "python": platform.python_version(),
        "date": str(date.today()),
        "load_average_at_start": [round(v, 2) for v in _loadavg()],
        "commit": _commit(),
    }
    for part in args.parts.split(","):
        print(f"== {part}", flush=True)
        # the figures of each Laoshan scale are kept apart: figures (1x), figures_2x, ...
        key = part if part != "figures" or args.scale == 1 else f"figures_{args.scale:g}x"
        out[key] = {"scale": _scale, "compare": _compare, "redraw": _redraw,
                    "liechtenstein": _liechtenstein, "figures": _figures}[part](args)  # fmt: skip
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {RESULTS}")


def _loadavg() -> tuple[float, ...]:
    import os

    return os.getloadavg()


def _commit() -> str:
    """HEAD and whether the tree had changes (the measured state)."""
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "geogrid"],
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
    return head + (" + uncommitted changes in geogrid/" if dirty else "")


def _sub(args: list[str], timeout: float) -> dict[str, Any]:
    t0 = time.perf_counter()
    try:
        run = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                             timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"skipped": f"did not finish within {timeout:.0f} s"}
    if run.returncode != 0:
        return {"skipped": "failed: " + run.stderr.strip().splitlines()[-1][:300]}
    return json.loads(run.stdout.strip().splitlines()[-1]) | {
        "wall_seconds": round(time.perf_counter() - t0, 1)
    }


def _scale(args: argparse.Namespace) -> dict[str, Any]:
    rows = []
    for code, scale, mode in SCALE_RUNS:
        row = {"district": code, "scale": scale, "mode": mode or "single process"}
        row |= _sub(["--one", f"{code}:{scale}:{mode}"], 1800)
        print(json.dumps({k: v for k, v in row.items() if k != "report"}), flush=True)
        rows.append(row)
    return {"runs": rows} | same_plans(rows)


def same_plans(rows: list[dict[str, Any]]) -> dict[str, bool]:
    """Whether Laoshan 1x gave one plan twice, and the same plan on a local dask cluster and in
    worker processes."""
    digest = {
        r["mode"]: r.get("digest") for r in rows if r["district"] == "370212" and r["scale"] == 1.0
    }
    first = digest.get("single process")
    return {
        "deterministic_two_runs": first is not None and digest.get("again") == first,
        "local_cluster_same_plan": first is not None and digest.get("local") == first,
        "workers_same_plan": first is not None and digest.get("workers") == first,
    }


def _scale_one(code: str, scale: str, mode: str = "") -> dict[str, Any]:
    from partition.plan_digest import digest

    from geogrid.partition.engine import partition_plan
    from geogrid.settings import PartitionSettings
    from geogrid.synth import synth_city

    workers = PartitionSettings().process_count()
    t0 = time.perf_counter()
    city = synth_city(code, seed=1, scale=float(scale))
    synth = time.perf_counter() - t0
    t1 = time.perf_counter()
    plan = partition_plan(
        city["communities"], city["buildings"], roads=city["roads"],
        waterways=city["waterways"], levels=LEVELS,
        scheduler="local" if mode == "local" else None,
        workers=workers if mode == "workers" else 1,
        dedicated_uses=DEDICATED if mode == "dedicated" else (),
    )  # fmt: skip
    wall = time.perf_counter() - t1
    return {
        "workers": workers if mode == "workers" else 1,
        "buildings": len(city["buildings"]),
        "households": int(city["buildings"]["households"].sum()),
        "communities": len(city["communities"]),
        "synth_seconds": round(synth, 2),
        "partition_wall_seconds": round(wall, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "digest": digest(plan.grids),
        "report": plan.report,
    }


def _compare(args: argparse.Namespace) -> dict[str, Any]:
    from partition.compare import GIVEN, TOOLS, build_graphs

    from geogrid.synth import synth_city

    path = str(Path(tempfile.gettempdir()) / "geogrid_bench_graphs.pkl")
    graphs = build_graphs(synth_city("370212", seed=1), path)
    print(json.dumps(graphs), flush=True)
    out: dict[str, Any] = {
        "graphs": graphs, "timeout_seconds": args.timeout, "given": GIVEN, "runs": [],
    }  # fmt: skip
    for tool in TOOLS:
        stop = ""
        for n in COMPARE_PARENTS:
            if stop:
                row = {"skipped": stop}  # it did not finish a smaller size
            else:
                row = _sub(["--tool", tool, path, str(n)], args.timeout)
                if "skipped" in row:
                    stop = f"not run: {row['skipped']} at {n} parents"
            row = {"tool": tool, "parents_requested": n} | row
            print(json.dumps(row), flush=True)
            out["runs"].append(row)
    return out


def _redraw(args: argparse.Namespace) -> dict[str, Any]:
    from partition_growth import add_buildings

    from geogrid.partition.engine import partition_plan
    from geogrid.partition.redraw import redraw_plan
    from geogrid.synth import synth_city

    city = synth_city("370212", seed=1)
    barriers = {"roads": city["roads"], "waterways": city["waterways"]}
    first = partition_plan(city["communities"], city["buildings"], **barriers)
    grown = add_buildings(city, share=0.05, seed=1)
    t0 = time.perf_counter()
    plan = redraw_plan(first.grids, city["communities"], grown, **barriers)
    out = {
        "buildings_before": len(city["buildings"]),
        "buildings_added": len(grown) - len(city["buildings"]),
        "households_added": int(grown["households"].sum() - city["buildings"]["households"].sum()),
        "redraw_seconds": round(time.perf_counter() - t0, 2),
        "redraw": plan.report["redraw"],
        "report": {k: v for k, v in plan.report.items() if k != "redraw"},
    }
    print(json.dumps(out["redraw"]), flush=True)
    return out


def _liechtenstein(args: argparse.Namespace) -> dict[str, Any]:
    from partition.li_map import write_map
    from partition_liechtenstein import liechtenstein

    from geogrid.partition.engine import partition_plan

    layers = liechtenstein()
    plan = partition_plan(
        layers["communities"], layers["buildings"], roads=layers["roads"],
        waterways=layers["waterways"],
    )  # fmt: skip
    path = write_map(plan.grids, layers["roads"], REPO / "maps" / "liechtenstein_partition.html")
    print(json.dumps({k: plan.report[k]["within_band_share"] for k in ("basic", "micro")}))
    return {
        "municipalities": len(layers["communities"]),
        "buildings": len(layers["buildings"]),
        "households_estimated": int(layers["buildings"]["households"].sum()),
        "report": plan.report,
        "map": str(path.relative_to(REPO)),
    }


def _figures(args: argparse.Namespace) -> dict[str, Any]:
    """Issue 12's figures: synthetic Laoshan and real Liechtenstein side by side."""
    from partition.figures import figures, figures_table
    from partition_liechtenstein import liechtenstein

    from geogrid.partition.engine import partition_plan

    laoshan = _sub(["--one", f"370212:{args.scale}:"], 1800)
    # the same plan in one worker process per core, as the CLI runs it by default
    spread = _sub(["--one", f"370212:{args.scale}:workers"], 1800)
    if spread["digest"] != laoshan["digest"]:
        raise SystemExit(f"the workers' plan differs: {spread['digest']} != {laoshan['digest']}")
    layers = liechtenstein()
    t0 = time.perf_counter()
    plan = partition_plan(
        layers["communities"], layers["buildings"], roads=layers["roads"],
        waterways=layers["waterways"],
    )  # fmt: skip
    li_wall = round(time.perf_counter() - t0, 2)
    runs = {
        f"synthetic Laoshan {args.scale:g}x": figures(laoshan["report"])
        | {
            "partition_wall_seconds": laoshan["partition_wall_seconds"],
            "workers": spread["workers"],
            "partition_wall_seconds_workers": spread["partition_wall_seconds"],
        },
        "Liechtenstein (OSM 2013)": figures(plan.report) | {"partition_wall_seconds": li_wall},
    }
    print(figures_table(runs))
    return {"scale": args.scale, "runs": runs}


if __name__ == "__main__":
    main()
