"""Run ``geogrid partition FILE`` on every case written by ``cases.py`` and check each plan.

Run: .venv/bin/python benchmarks/partition/messy/run.py CASES_DIR [--geogrid PATH] [--only A,B]

Prints one JSON line per case: exit code, seconds, the last stderr line, whether a traceback
was printed, the CLI's household line and the ``check`` figures and faults.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pyogrio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from messy.check import check


def run_case(d: Path, geogrid: str, meta: dict) -> dict:
    plan, report = d / "plan.gpkg", d / "report.json"
    plan.unlink(missing_ok=True)
    report.unlink(missing_ok=True)
    start = time.perf_counter()
    p = subprocess.run(
        [geogrid, "partition", str(d / "input.gpkg"), "--out", str(plan), "--report", str(report)],
        capture_output=True,
        text=True,
    )
    out = {
        "case": d.name,
        "rc": p.returncode,
        "s": round(time.perf_counter() - start, 1),
        "traceback": "Traceback" in p.stderr or "Traceback" in p.stdout,
        "stderr": p.stderr.strip().splitlines()[-1:] if p.returncode else [],
        "stdout_head": [
            ln
            for ln in p.stdout.splitlines()
            if ln.startswith(
                ("households", "  unassigned", "  outside", "  households", "basic:", "basic grids")
            )
        ],
    }
    (d / "stdout.txt").write_text(p.stdout + "\n--- stderr\n" + p.stderr)
    if p.returncode == 0:
        names = [n for n, _ in pyogrio.list_layers(d / "input.gpkg")]
        parents = gpd.read_file(
            d / "input.gpkg", layer="communities" if "communities" in names else "streets"
        )
        roads = gpd.read_file(d / "input.gpkg", layer="roads") if "roads" in names else None
        rep = json.loads(report.read_text())
        truth = meta.get(
            "households_dedup", meta.get("households_readable", meta.get("households_in"))
        )
        out["check"] = check(plan, rep, parents, roads, truth)
        out["network"] = rep.get("network")
        out["estimated"] = rep.get("households", {}).get("estimated", {}).get("estimated")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", type=Path)
    ap.add_argument("--geogrid", default=str(Path(sys.executable).with_name("geogrid")))
    ap.add_argument("--only")
    a = ap.parse_args()
    listing = json.loads((a.cases / "cases.json").read_text())
    for name, meta in listing.items():
        if a.only and name not in a.only.split(","):
            continue
        print(json.dumps(run_case(a.cases / name, a.geogrid, meta), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
