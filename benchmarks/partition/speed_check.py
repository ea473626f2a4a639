"""Speed check of ``partition_plan`` on synthetic Laoshan (issue 12): CPU seconds per stage and
a digest of the plan, to compare two trees side by side (the same plan, less CPU?).

Run from a tree with its own venv, e.g. ``.venv/bin/python benchmarks/partition/speed_check.py
--out /tmp/speed.json``; then ``speed_check.py --compare a.json b.json`` says whether the plans
are equal (digest of every level's codes, parents, households, buildings and WKB; per parent
too) and prints the stages side by side. ``--profile FILE`` writes a cProfile dump.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from plan_digest import digest  # this script's folder is first on sys.path

LEVELS = ("large", "medium", "basic", "micro")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--district", default="370212", help="synthetic district, or LI")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--profile", type=Path)
    ap.add_argument("--compare", nargs=2, type=Path)
    args = ap.parse_args()
    if args.compare:
        compare(*args.compare)
        return
    result = run(args.district, args.scale, args.profile)
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "parents"}, indent=1))


def run(district: str, scale: float, profile: Path | None) -> dict[str, Any]:
    """One plan with every stage timed in CPU seconds of this process."""
    import geogrid

    tree = Path(geogrid.__file__).resolve().parents[1]
    if district == "LI":  # real Liechtenstein (tests/partition/partition_liechtenstein.py)
        sys.path.insert(0, str(tree / "tests" / "partition"))
        from partition_liechtenstein import liechtenstein

        city = liechtenstein()
    else:
        from geogrid.synth import synth_city

        city = synth_city(district, seed=1, scale=scale)
    # the engine's stage clock reads time.perf_counter: count CPU seconds instead
    wall_clock = time.perf_counter
    time.perf_counter = time.process_time  # type: ignore[assignment]
    from geogrid.partition.engine import partition_plan

    load0 = os.getloadavg()
    prof = cProfile.Profile(time.process_time) if profile else None
    w0, c0 = wall_clock(), time.process_time()
    if prof:
        prof.enable()
    plan = partition_plan(
        city["communities"], city["buildings"], roads=city["roads"],
        waterways=city["waterways"], levels=LEVELS,
    )  # fmt: skip
    if prof:
        prof.disable()
        prof.dump_stats(str(profile))
    cpu, wall = time.process_time() - c0, wall_clock() - w0
    return {
        "tree": str(tree),
        "cpu_seconds": round(cpu, 2),
        "wall_seconds": round(wall, 2),
        "stage_cpu_seconds": plan.report["seconds"],
        "load_before": [round(v, 2) for v in load0],
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "digest": digest(plan.grids),
        "figures": _figures(plan.report),
        "parents": _per_parent(plan.grids),
    }


def _per_parent(grids: dict[str, Any]) -> dict[str, str]:
    """A digest of the basic and micro grids of each parent (to find where plans differ)."""
    basic, micro = grids["basic"], grids["micro"]
    parent_of_basic = dict(zip(basic["code"], basic["parent_code"], strict=True))
    out: dict[str, str] = {}
    for level, frame, key in (
        ("basic", basic, basic["parent_code"]),
        ("micro", micro, micro["parent_code"].map(parent_of_basic)),
    ):
        for parent, rows in frame.groupby(key, sort=True):
            out[f"{level}:{parent}"] = digest({level: rows})
    return out


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    keep = ("grids", "in_band_share", "judged_in_band_share", "disconnected", "multipart",
            "gap_area_m2", "overlap_area_m2")  # fmt: skip
    return {
        level: {k: v for k, v in report[level].items() if k in keep}
        for level in LEVELS
        if level in report
    }


def compare(a: Path, b: Path) -> None:
    """Print whether two runs gave the same plan, and their stages side by side."""
    ra, rb = json.loads(a.read_text()), json.loads(b.read_text())
    print(f"same plan: {ra['digest'] == rb['digest']} ({ra['digest']} vs {rb['digest']})")
    differ = sorted(k for k in ra["parents"] if ra["parents"][k] != rb["parents"].get(k))
    print(f"parents differing: {len(differ)} {differ[:10]}")
    print(f"{'stage':<10}{'A cpu s':>10}{'B cpu s':>10}")
    for stage in ra["stage_cpu_seconds"]:
        va, vb = ra["stage_cpu_seconds"][stage], rb["stage_cpu_seconds"].get(stage, float("nan"))
        print(f"{stage:<10}{va:>10.2f}{vb:>10.2f}")
    print(f"{'process':<10}{ra['cpu_seconds']:>10.2f}{rb['cpu_seconds']:>10.2f}")
    print(f"load A {ra['load_before']}  B {rb['load_before']}")


if __name__ == "__main__":
    main()
