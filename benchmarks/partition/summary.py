"""Markdown tables of ``results/partition.json`` for the partition section of the README.

Run: ``.venv/bin/python benchmarks/partition/summary.py`` (prints; the prose is written by hand).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results" / "partition.json"
TOOL_NAMES = {
    "geogrid": "geogrid (engine's plan_parent)",
    "pymetis": "pymetis k-way, contig",
    "gerrychain": "GerryChain recursive_tree_part ε=0.1",
    "spopt_maxp": "spopt MaxPHeuristic",
    "spopt_kmeans": "spopt RegionKMeansHeuristic",
}


def main() -> None:
    res = json.loads(RESULTS.read_text())
    print(f"machine: {res['machine']}\n")
    if "scale" in res:
        print(scale_table(res["scale"]))
    if "compare" in res:
        print(compare_table(res["compare"]))
    if "redraw" in res:
        print(json.dumps(res["redraw"]["redraw"], indent=1))
    if "liechtenstein" in res:
        print(level_table(res["liechtenstein"]["report"]))
    if "figures" in res:
        from figures import figures_table

        print(figures_table(res["figures"]["runs"]))


def _pct(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{100 * x:.{digits}f}%"


def scale_table(scale: dict[str, Any]) -> str:
    rows = [
        "| district | scale | mode | buildings | households | large / medium / basic / micro "
        "| prepare | units | basic | micro | merge | quality | collect | total | wall | peak RSS |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in scale["runs"]:
        if "report" not in r:
            rows.append(f"| {r['district']} | {r['scale']} | {r['mode']} | {r.get('skipped')} |")
            continue
        rep, s = r["report"], r["report"]["seconds"]
        counts = " / ".join(str(rep[lv]["count"]) for lv in ("large", "medium", "basic", "micro"))
        stages = " | ".join(
            f"{s.get(k, 0):.1f}"
            for k in ("prepare", "units", "basic", "micro", "merge", "quality", "collect")
        )
        rows.append(
            f"| {r['district']} | {r['scale']:g}x | {r['mode']} | {r['buildings']:,} | "
            f"{r['households']:,} | {counts} | {stages} | **{s['total']:.1f} s** | "
            f"{r['partition_wall_seconds']:.1f} s | {r['peak_rss_mb']:.0f} MB |"
        )
    rows.append(
        f"\ndeterministic (two runs): {scale['deterministic_two_runs']}; local dask cluster "
        f"gives the same plan: {scale['local_cluster_same_plan']}\n"
    )
    for r in scale["runs"]:
        if "report" in r:
            rows.append(f"**{r['district']} {r['scale']:g}x {r['mode']}**\n")
            rows.append(level_table(r["report"]))
    return "\n".join(rows)


def level_table(report: dict[str, Any]) -> str:
    rows = [
        "| level | grids | within band | feasible parents | all grids | hh median | CV | PP mean "
        "| PP min | on barriers | disconnected | gap / overlap m² | infeasible | dedicated |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for level in ("large", "medium", "basic", "micro"):
        if level not in report:
            continue
        r = report[level]
        rows.append(
            f"| {level} | {r['count']:,} | {_pct(r.get('within_band_share_judged', r['within_band_share']), 2)} | "
            f"{_pct(r.get('within_band_share_feasible_parents'), 2)} | "
            f"{_pct(r.get('within_band_share_all'), 1)} | {r['households_median']:g} | "
            f"{r['households_cv']:.2f} | {r['polsby_popper_mean']:.3f} | "
            f"{r['polsby_popper_min']:.3f} | {_pct(r['barrier_boundary_share'])} | "
            f"{r['disconnected']} | {r['gap_area_m2']:g} / {r['overlap_area_m2']:g} | "
            f"{len(r['infeasible_parents'])} | {len(r.get('dedicated_grids', []))} |"
        )
    return "\n".join(rows) + "\n"


def compare_table(cmp: dict[str, Any]) -> str:
    rows = [
        "| tool | parents / nodes | grids | within ±10% of target | within band | band, "
        "feasible connected parents | CV | disconnected (in connected parents) | PP mean | "
        "time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in cmp["runs"]:
        name = TOOL_NAMES[r["tool"]]
        if "skipped" in r:
            rows.append(f"| {name} | {r['parents_requested']} / - | {r['skipped']} |||||||")
            continue
        rows.append(
            f"| {name} | {r['parents']} / {r['units']:,} | {r['grids']} | "
            f"{_pct(r['within_10pct_of_target_share'])} | {_pct(r['within_band_share'])} | "
            f"{_pct(r['within_band_share_feasible_connected_parents'])} | "
            f"{r['households_cv']:.2f} | {r['disconnected']} "
            f"({r['disconnected_in_connected_parents']}) | {r['polsby_popper_mean']:.3f} | "
            f"{r['seconds']:.2f} s |"
        )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
