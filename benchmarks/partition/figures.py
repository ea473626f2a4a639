"""The figures of issue 12 ("the engine on real data") from a plan's report, and their table.

Synthetic Laoshan and real Liechtenstein side by side: all-grid within-band share, exemptions
by reason, households unassigned, convexity against the parents, boundary share on barriers
per class, multi-part grids, network fixes.
"""

from __future__ import annotations

from typing import Any

LEVELS = ("basic", "micro")


def figures(report: dict[str, Any]) -> dict[str, Any]:
    """The issue-12 figures of one plan report (small: no per-grid lists)."""
    acc = report["households"]
    out: dict[str, Any] = {
        "households_in": acc["households_in"],
        "households_unassigned": acc["unassigned_households"],
        "unassigned_by_reason": acc["unassigned_by_reason"],
        "placed_from_outside": acc["placed_from_outside"],
        "balanced": acc["balanced"],
        "network": report.get("network", {}),
        "seconds": report.get("seconds", {}).get("total"),
    }
    for level in LEVELS:
        r = report[level]
        out[level] = {
            key: r.get(key)
            for key in (
                "count", "within_band_share", "within_band_share_judged", "misses",
                "exemptions", "convexity_mean", "convexity_min", "parent_convexity_mean",
                "convex_under_half_parent_above", "barrier_boundary_share",
                "barrier_boundary_share_by_class", "disconnected", "multipart_parent_grids",
                "polsby_popper_mean",
                "gap_area_m2", "overlap_area_m2", "over_band_building_shared", "settlements",
                "wraps_around",
            )
        }  # fmt: skip
        out[level]["empty_grids"] = len(r.get("empty_grids", []))
    for key in ("road_proximity_share", "river_proximity_share", "internal_boundary_m"):
        out["basic"][key] = report["basic"].get(key)  # the held-back criterion (issue 12)
    return out


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def figures_table(runs: dict[str, dict[str, Any]]) -> str:
    """A markdown table, one column per run (e.g. Laoshan 1x, Liechtenstein)."""
    names = list(runs)
    rows = [
        "| figure | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]

    def add(label: str, get: Any) -> None:
        rows.append(f"| {label} | " + " | ".join(str(get(runs[n])) for n in names) + " |")

    add(
        "households in / unassigned",
        lambda f: f"{f['households_in']:,} / {f['households_unassigned']:,}",
    )
    add(
        "placed from outside (overlap / nearest)",
        lambda f: " / ".join(
            str(f["placed_from_outside"][k]["buildings"]) for k in ("overlap", "nearest")
        ),
    )
    add(
        "network fixes (dangles / gaps / duplicates / false nodes)",
        lambda f: " / ".join(
            str(f["network"].get(k, "-"))
            for k in (
                "dangles_extended",
                "gaps_closed",
                "duplicates_removed",
                "false_nodes_removed",
            )
        ),
    )
    for level in LEVELS:
        add(f"{level}: grids", lambda f, lv=level: f"{f[lv]['count']:,}")
        add(
            f"{level}: within band, all grids (judged)",
            lambda f, lv=level: (
                f"{_pct(f[lv]['within_band_share'])} ({_pct(f[lv]['within_band_share_judged'])})"
            ),
        )
        add(
            f"{level}: exempt by reason",
            lambda f, lv=level: (
                ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in f[lv]["exemptions"].items() if v)
                or "none"
            ),
        )
        add(f"{level}: empty grids", lambda f, lv=level: f[lv]["empty_grids"])
        add(
            f"{level}: convexity mean (parents' mean) / min",
            lambda f, lv=level: (
                f"{f[lv]['convexity_mean']:.3f} ({f[lv]['parent_convexity_mean']:.3f}) / "
                f"{f[lv]['convexity_min']:.3f}"
            ),
        )
        add(
            f"{level}: under 0.5 where the parent is above",
            lambda f, lv=level: f[lv]["convex_under_half_parent_above"],
        )
        add(
            f"{level}: grids wrapping around a neighbour",
            lambda f, lv=level: f[lv].get("wraps_around", "-"),
        )
        add(
            f"{level}: boundary on barriers (major / secondary / local)",
            lambda f, lv=level: (
                f"{_pct(f[lv]['barrier_boundary_share'])} ("
                + " / ".join(_pct(v) for v in f[lv]["barrier_boundary_share_by_class"].values())
                + ")"
            ),
        )
        add(
            f"{level}: multi-part grids (more, as their parent is)",
            lambda f, lv=level: (
                f"{f[lv]['disconnected']} ({f[lv].get('multipart_parent_grids', 0)})"
            ),
        )
        add(f"{level}: PP mean", lambda f, lv=level: f"{f[lv]['polsby_popper_mean']:.3f}")
    add(
        "basic: internal boundary within 5 m of a road (of a river)",
        lambda f: (
            f"{_pct(f['basic'].get('road_proximity_share'))} "
            f"({_pct(f['basic'].get('river_proximity_share'))})"
        ),
    )
    add(
        "basic: settlements (fit band / split / split that fit)",
        lambda f: (
            lambda s: f"{s['settlements']} ({s['fit_band']} / {s['split']} / {s['split_fitting']})"
        )(f["basic"]["settlements"]),
    )
    add("partition seconds (engine total)", lambda f: f"{f['seconds']:.1f}")
    add(
        "partition seconds, wall: one process / one per core",
        lambda f: (
            f"{f['partition_wall_seconds']:.1f} / {f['partition_wall_seconds_workers']:.1f} "
            f"({f['workers']} processes)"
            if "workers" in f
            else f"{f['partition_wall_seconds']:.1f} / -"
        ),
    )
    return "\n".join(rows) + "\n"
