"""What each move of the refinement does (issue 12, "which pass fixes what"): the basic-grid
figures with every move of ``balance.REFINEMENT`` in place, and with each one left out in turn.

Run: ``.venv/bin/python benchmarks/partition/ablation.py`` (about 10 minutes on 2 cores);
results in ``benchmarks/results/partition_ablation.json`` and a markdown table on stdout.
Inputs: synthetic Laoshan 1x (seed 1), real Liechtenstein (OSM 2013) and the irregular old city
(``old_city.py``, seed 1) with Voronoi communities and with communities along the streets.
Each run is one process (``workers=1``): the move left out is taken out of this process's
``REFINEMENT``, which worker processes would not see.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks"), str(REPO / "tests" / "partition")]

RESULTS = REPO / "benchmarks" / "results" / "partition_ablation.json"
KEYS = (
    "within_band_share_judged", "convexity_mean", "wraps_around", "barrier_boundary_share",
    "road_proximity_share", "disconnected",
)  # fmt: skip


def main() -> None:
    from geogrid.partition import balance

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--inputs", default="laoshan,liechtenstein,old_city,old_city_streets")
    args = ap.parse_args()
    inputs = {name: _layers(name) for name in args.inputs.split(",")}
    every = balance.REFINEMENT
    out: dict[str, Any] = {}
    for left_out in ("", *(name for name, _ in every[1:])):  # the band move is not optional
        balance.REFINEMENT = tuple(m for m in every if m[0] != left_out)  # type: ignore[misc]
        label = f"without {left_out}" if left_out else "all moves"
        out[label] = {name: _figures(layers) for name, layers in inputs.items()}
        print(label, json.dumps(out[label]), flush=True)
    balance.REFINEMENT = every  # type: ignore[misc]
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(_table(out))


def _layers(name: str) -> dict[str, Any]:
    if name == "laoshan":
        from geogrid.synth import synth_city

        return synth_city("370212", seed=1, scale=1.0)
    if name == "liechtenstein":
        from partition_liechtenstein import liechtenstein

        return liechtenstein()
    from partition.old_city import old_city

    return old_city(seed=1, boundaries="streets" if name.endswith("streets") else "voronoi")


def _figures(layers: dict[str, Any]) -> dict[str, Any]:
    from geogrid.partition.engine import partition_plan

    t0 = time.perf_counter()
    plan = partition_plan(
        layers["communities"], layers["buildings"], roads=layers["roads"],
        waterways=layers.get("waterways"), levels=("basic", "micro"), workers=1,
    )  # fmt: skip
    basic = plan.report["basic"]
    row = {key: basic.get(key) for key in KEYS}
    row["micro_within_band_share_judged"] = plan.report["micro"]["within_band_share_judged"]
    row["seconds"] = round(time.perf_counter() - t0, 1)
    return row


def _table(out: dict[str, Any]) -> str:
    inputs = list(next(iter(out.values())))
    lines = [
        "| moves | " + " | ".join(inputs) + " |",
        "|---|" + "---|" * len(inputs),
    ]
    for label, runs in out.items():
        cells = [
            f"{r['convexity_mean']:.3f} / {r['wraps_around']} / "
            f"{100 * r['barrier_boundary_share']:.1f}% / {100 * r['road_proximity_share']:.1f}%"
            + ("" if r["within_band_share_judged"] == 1 else f" / band {r['within_band_share_judged']:.4f}")
            + ("" if r["micro_within_band_share_judged"] == 1 else f" / micro band {r['micro_within_band_share_judged']:.4f}")
            for r in runs.values()
        ]  # fmt: skip
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
