"""Classes, colours and legends of the offline maps (pure: no folium, no store).

Households are classed against the basic-grid band of urban communities (300-500, see
:mod:`geogrid.partition.bands`); hot spots by their Gi* confidence; coverage by the first gap a
grid has (unmanned, then missing police, then overloaded).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Final

# (upper bound inclusive, colour, label): households of a basic grid
HOUSEHOLD_CLASSES: Final = (
    (0, "#f0f0f0", "0 (empty)"),
    (149, "#deebf7", "1-149"),
    (299, "#9ecae1", "150-299"),
    (500, "#3182bd", "300-500 (urban band)"),
    (800, "#fd8d3c", "501-800"),
    (None, "#d7301f", "over 800"),
)
HOTSPOT_COLOURS: Final = {
    "hot_99": ("#d7191c", "hot spot, 99%"),
    "hot_95": ("#f07c4a", "hot spot, 95%"),
    "hot_90": ("#fdc086", "hot spot, 90%"),
    "not_significant": ("#f7f7f7", "not significant"),
    "cold_90": ("#abd9e9", "cold spot, 90%"),
    "cold_95": ("#74add1", "cold spot, 95%"),
    "cold_99": ("#2c7bb6", "cold spot, 99%"),
}
COVERAGE_COLOURS: Final = {
    "unmanned": ("#d7191c", "unmanned (no grid worker)"),
    "missing_police": ("#fdae61", "a police officer missing"),
    "overloaded": ("#ffffbf", "overloaded worker"),
    "covered": ("#a6d96a", "covered"),
}


def household_colour(households: float) -> str:
    """The fill colour of a basic grid holding ``households``."""
    for upper, colour, _ in HOUSEHOLD_CLASSES:
        if upper is None or households <= upper:
            return colour
    raise AssertionError("the last class has no upper bound")


def coverage_class(
    *, unmanned: bool, missing_community: bool, missing_traffic: bool, overloaded: bool
) -> str:
    """The first gap of a grid: unmanned, missing_police, overloaded, else covered."""
    if unmanned:
        return "unmanned"
    if missing_community or missing_traffic:
        return "missing_police"
    return "overloaded" if overloaded else "covered"


def legend_html(title: str, rows: Sequence[tuple[str, str, int | None]], notes: list[str]) -> str:
    """A fixed legend box: a title, (colour, label, count) rows and notes (escaped text)."""
    lines = [f"<b>{html.escape(title)}</b>"]
    for colour, label, count in rows:
        tail = f" ({count:,})" if count is not None else ""
        lines.append(
            f'<span class="geogrid-swatch" style="background:{colour}"></span>'
            f"{html.escape(label)}{tail}"
        )
    lines += [f'<i class="geogrid-note">{html.escape(note)}</i>' for note in notes]
    return (
        '<div class="geogrid-legend" style="position:fixed;bottom:48px;left:12px;z-index:1000;'
        "background:#fff;padding:8px 10px;border:1px solid #888;font:12px/1.5 sans-serif;"
        'max-width:22rem">' + "<br>".join(lines) + "</div>"
        "<style>.geogrid-swatch{display:inline-block;width:12px;height:12px;margin-right:6px;"
        "border:1px solid #666;vertical-align:-2px}.geogrid-label{font:11px sans-serif;"
        "color:#111;text-shadow:0 0 2px #fff;white-space:nowrap;display:inline-block;"
        "transform:translate(-50%,-50%)}.geogrid-hide-labels .geogrid-label{display:none}</style>"
    )


def synthetic_notes(counts: dict[str, tuple[int, int]]) -> list[str]:
    """One line per source saying whether its data are synthetic, e.g. 'buildings and
    households: synthetic (12,000 of 12,000)'."""
    words = {"buildings": "buildings and households", "incidents": "incidents"}
    notes = []
    for name, (synthetic, real) in counts.items():
        total = synthetic + real
        if total == 0:
            notes.append(f"{words.get(name, name)}: none stored")
        elif synthetic == total:
            notes.append(f"{words.get(name, name)}: SYNTHETIC ({synthetic:,} of {total:,})")
        elif synthetic:
            notes.append(f"{words.get(name, name)}: {synthetic:,} of {total:,} SYNTHETIC")
        else:
            notes.append(f"{words.get(name, name)}: real data ({total:,}), none synthetic")
    return notes
