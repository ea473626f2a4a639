"""What ``geogrid partition`` prints after a run: the household account first, the quality
table, exemptions by reason, the fixes made to the barrier lines and the input layers it did
not read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table

from geogrid.households import use_summary
from geogrid.partition.engine import ENGINE_LEVELS
from geogrid.partition.intake import IN_HOLE
from geogrid.partition.suspects import ENCLOSES, MIN_M2_PER_HOUSEHOLD
from geogrid.partition_jobs import FILE_LAYERS


def summary_table(report: dict[str, Any]) -> Table:
    """The quality report as one rich table: a row per measure, a column per level, so that it
    fits 80 columns (a pipe or a log) without cutting a figure."""
    levels = [level for level in ENGINE_LEVELS if level in report]
    table = Table(title="partition quality")
    table.add_column("measure", overflow="fold")
    for level in levels:
        table.add_column(level, justify="right", overflow="fold")
    for measure, cell in _MEASURES:
        table.add_row(measure, *[cell(report[level]) for level in levels])
    seconds = report.get("seconds", {})
    table.caption = "seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in seconds.items())
    return table


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


_MEASURES: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("grids", lambda r: str(r["count"])),
    ("households median", lambda r: f"{r['households_median']:g}"),
    ("households CV", lambda r: f"{r['households_cv']:.2f}"),
    ("in band (all grids)", lambda r: f"{r['within_band_share']:.2%}"),
    ("misses", lambda r: str(r.get("misses", "-"))),
    ("Polsby-Popper mean", lambda r: f"{r['polsby_popper_mean']:.3f}"),
    ("Polsby-Popper min", lambda r: f"{r['polsby_popper_min']:.3f}"),
    ("boundary on barriers", lambda r: _share(r["barrier_boundary_share"])),
    ("disconnected", lambda r: str(r["disconnected"])),
    ("in pieces as the parent", lambda r: str(r.get("multipart_parent_grids", 0))),
    ("gap m²", lambda r: f"{r['gap_area_m2']:.2f}"),
    ("overlap m²", lambda r: f"{r['overlap_area_m2']:.2f}"),
    ("infeasible parents", lambda r: str(len(r["infeasible_parents"]))),
]


def household_lines(report: dict[str, Any]) -> list[str]:
    """The household account first: in, in grids, unassigned by reason, estimated."""
    acc = report.get("households")
    if not acc:
        return []
    lines = [
        f"households: {acc['households_in']:,} in, {acc['in_grids']['basic']:,} in grids, "
        f"{acc['unassigned_households']:,} unassigned ({acc['unassigned_buildings']:,} buildings)"
    ]
    for reason, n in acc["unassigned_by_reason"].items():
        lines.append(
            f"  unassigned, {reason.replace('_', ' ')}: {n['buildings']:,} buildings, "
            f"{n['households']:,} households" + _first_in_hole(reason, acc["unassigned"])
        )
    for how, n in acc["placed_from_outside"].items():
        if n["buildings"]:
            lines.append(
                f"  outside every parent, placed by {how}: {n['buildings']:,} buildings, "
                f"{n['households']:,} households"
            )
    if "estimated" in acc:
        uses = use_summary(acc["estimated"])
        lines.append(
            f"  households estimated for {acc['estimated']['estimated']:,} buildings"
            + (f" ({uses})" if uses else "")
        )
    return (
        lines
        + divided_lines(acc.get("divided_buildings") or {})
        + suspect_lines(acc.get("suspect") or {})
    )


def _first_in_hole(reason: str, rows: list[dict[str, Any]]) -> str:
    """Which parent encloses them: a hole is the user's to draw into a community or to keep
    (a military zone, an enclave outside every community), so name where."""
    if reason != IN_HOLE:
        return ""
    first = next(row for row in rows if row["reason"] == reason)
    return f" (first: {first['building']}, in a hole of {first['nearest_parent']})"


def divided_lines(divided: dict[str, Any]) -> list[str]:
    """Buildings drawn in parts apart, divided into one building per part (``pieces``)."""
    if not divided.get("buildings"):
        return []
    first = divided["listed"][0]
    return [
        f"  {divided['buildings']:,} building(s) drawn in separate parts divided into "
        f"{divided['into']:,}: first {first['building']} ({len(first['parts'])} parts "
        f"{first['apart_m']:,.0f} m apart); households shared by area, each part its own "
        "building"
    ]


def suspect_lines(suspect: dict[str, Any]) -> list[str]:
    """Buildings whose data look wrong (``partition.suspects``): counted as given, named."""
    lines = []
    over = suspect.get("overlapping_footprints") or {}
    if over.get("pairs"):
        a, b = over["first"][0]
        lines.append(
            f"  check: {over['pairs']:,} pair(s) of footprints overlap by a fifth of the smaller "
            f"or more (first: {a} and {b}), each counted: is a building there twice?"
        )
    encl = suspect.get("enclosing_footprints") or {}
    if encl.get("buildings"):
        lines.append(
            f"  check: {encl['buildings']:,} footprint(s) enclose {ENCLOSES} or more others (first: "
            f"{encl['first'][0]}, {encl['households']:,} households in all): a zone, compound "
            "wall or parcel among the buildings? Not kept whole; households counted as given"
        )
    land = suspect.get("road_land") or {}
    if land.get("buildings"):
        lines.append(
            f"  check: {land['buildings']:,} footprint(s) without households run along a road "
            f"inside them (first: {land['first'][0]}): road or river land among the "
            "buildings? Not kept whole"
        )
    dense = suspect.get("dense") or {}
    if dense.get("buildings"):
        first = dense["first"][0]
        lines.append(
            f"  check: {dense['buildings']:,} building(s) hold more households than one per "
            f"{MIN_M2_PER_HOUSEHOLD:g} m² of floor (first: {first['building_id']}, {first['households']:,} on "
            f"{first['floor_m2']:,.0f} m²), counted as given: a typing slip?"
        )
    return lines


def layer_lines(report: dict[str, Any]) -> list[str]:
    """Notes on the input file's layers, the repairs made (``--repair``), and the layers the
    engine did not read, with what it reads."""
    layers = report.get("input_layers") or {}
    lines = [f"  {note}" for note in layers.get("notes") or []]
    repairs = layers.get("repairs")
    if repairs is not None:  # --repair was given
        lines += [f"  repaired {fix}" for fix in repairs] or ["  --repair: nothing to repair"]
    straddles = layers.get("straddles_communities") or {}
    if straddles.get("buildings"):
        first = straddles["listed"][0]
        lines.append(
            f"  check: {straddles['buildings']:,} building(s) lie in two communities "
            f"({straddles['households']:,} households; first: {first['building']}, counted in "
            f"{first['parent'] or 'no grid'}): each is kept whole and counted once, in the "
            "community holding its interior point"
        )
    not_read = layers.get("not_read") or {}
    if not_read:
        listed = ", ".join(f"{name} ({n:,} features)" for name, n in not_read.items())
        lines.append(
            f"  layers not read: {listed}; partition reads "
            f"{', '.join(FILE_LAYERS)} (rename a layer to one of these to use it)"
        )
    return lines


def exemption_lines(report: dict[str, Any]) -> list[str]:
    """Per level: grids exempt from the band by reason, and basic grids without households."""
    lines = []
    for level in ENGINE_LEVELS:
        r = report.get(level, {})
        counts = {k: v for k, v in r.get("exemptions", {}).items() if v}
        if counts:
            text = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items())
            shared = r.get("over_band_building_shared", 0)
            if shared:
                text += f" ({shared:,} sharing a grid with the buildings that enclose it)"
            lines.append(f"{level}: exempt from the band: {text}")
    empty = report.get("basic", {}).get("empty_grids", [])
    if empty:
        lines.append(f"basic grids without households: {', '.join(empty)}")
    return lines


def whole_lines(report: dict[str, Any]) -> list[str]:
    """Natural villages and residential compounds kept in one basic grid, and those split."""
    lines = []
    basic = report.get("basic", {})
    for key, name in (("settlements", "natural villages"), ("compounds", "compounds")):
        found = basic.get(key) or {}
        if found.get(key):
            lines.append(
                f"{name}: {found[key]:,}, {found['fit_band']:,} fit one basic grid; "
                f"{found['split']:,} split ({found['split_fitting']:,} of those that fit)"
            )
    return lines


def street_land_lines(report: dict[str, Any]) -> list[str]:
    """Land of the streets no community covers (parks, schools left out, slivers): it is in
    the grids' gap; where it is, so a planner can tell an intended hole from a fault."""
    pieces = report.get("street_land_outside_parents") or []
    if not pieces:
        return []
    area = sum(p["area_m2"] for p in pieces)
    first = pieces[0]
    return [
        f"street land in no community: {area:,.0f} m² in {len(pieces):,} piece(s), largest "
        f"{first['area_m2']:,.0f} m² at {first['lon']}, {first['lat']} (in the gap above; the "
        "report lists each)"
    ]


def network_lines(report: dict[str, Any]) -> list[str]:
    """The fixes made to the barrier lines, and class values no table knows."""
    fixes = report.get("network") or {}
    if not fixes:
        return []
    made = ", ".join(
        f"{fixes.get(key, 0):,} {what}"
        for key, what in (
            ("dangles_extended", "dangles extended"),
            ("gaps_closed", "near-misses closed"),
            ("duplicates_removed", "duplicates removed"),
            ("false_nodes_removed", "false nodes removed"),
        )
    )
    if not fixes.get("lines_in") and not fixes.get("off_street"):
        return ["barrier lines: none; the grids follow no road, river or railway (add a 'roads' "
                "layer of centre lines)"]  # fmt: skip
    lines = [f"barrier lines: {fixes.get('lines_in', 0):,} in; {made}"]
    if fixes.get("along_outlines_removed_m"):
        lines.append(
            f"  {fixes['along_outlines_removed_m']:,.0f} m of lines running along a community's "
            "edge (within 1 m) taken as that edge: they would cut strips of empty land"
        )
    if fixes.get("empty_lines"):
        lines.append(
            f"  check: {fixes['empty_lines']:,} line(s) without length (null, empty or two "
            "equal points) left out"
        )
    off = fixes.get("off_street") or {}
    if off:
        listed = ", ".join(f"{layer} {n:,}" for layer, n in off.items())
        lines.append(
            f"  check: {sum(off.values()):,} line(s) on a bridge or viaduct or in a tunnel "
            f"({listed}; bridge, tunnel, layer, 高架, 隧道) are not barriers: no grid boundary "
            "follows them"
        )
    for layer, blank in (fixes.get("unclassed") or {}).items():
        default = "secondary roads" if layer == "roads" else "rivers"
        why = (
            "a blank class value"
            if blank["column"]
            else "no class column (road_class, 道路等级, highway; waterway_class, 水系等级)"
        )
        lines.append(
            f"  {layer}: {blank['lines']:,} line(s) with {why}, taken as {default} "
            f"(--map {layer}.{'road' if layer == 'roads' else 'waterway'}_class=COLUMN reads a "
            "column as the class)"
        )
    for layer, values in (fixes.get("unknown_classes") or {}).items():
        default = "secondary roads" if layer == "roads" else "rivers"
        listed = ", ".join(f"{v!r} ({n})" for v, n in list(values.items())[:8])
        more = f" and {len(values) - 8} more" if len(values) > 8 else ""
        lines.append(f"  {layer}: class values not known, taken as {default}: {listed}{more}")
    return lines
