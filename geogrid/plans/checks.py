"""Validation and statistics of the grids an edit touches (pure; metric CRS).

Refused (raise :class:`~geogrid.errors.EditRefused`): a grid left without units (tiling), a unit in
a grid of another community (nesting), a grid that falls apart into more polygons than it had
(connectivity), a building split between grids, a locked grid changed. Flagged only: households
outside the band of the area type, low compactness.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely

from geogrid.errors import EditRefused
from geogrid.partition.bands import band_for
from geogrid.plans.draft import Delta, Draft, part_count

LOW_COMPACTNESS = 0.15  # Polsby-Popper below this is flagged (a long thin strip)


def affected(draft: Draft, codes: set[str]) -> set[str]:
    """``codes`` with the basic grid of every micro grid among them (those that exist)."""
    out = {c for c in codes if c in draft.grids}
    out |= {draft.grids[c].parent_code for c in out if draft.grids[c].level == "micro"}
    return out


def parts_before(draft: Draft, delta: Delta) -> dict[str, int]:
    """Polygon counts of the grids the delta will touch, measured before it is applied."""
    codes = affected(draft, {old for old, _ in delta.moves.values()} | set(delta.changed))
    codes |= affected(draft, {new for _, new in delta.moves.values()})
    return {c: part_count(draft.shape(c)) for c in codes}


def refuse_locked(
    draft: Draft, delta: Delta, *, fields: tuple[str, ...] = ("locked", "name")
) -> None:
    """A locked grid keeps its units and code; only its name and lock may change."""
    moved = {c for pair in delta.moves.values() for c in pair}
    changed = {c for c, f in delta.changed.items() if set(f) - set(fields)}
    recoded = {old for old, _ in delta.recodes}
    removed = {g["code"] for g in delta.removed}
    for code in sorted(affected(draft, moved | changed | recoded | removed)):
        if draft.grids[code].locked:
            raise EditRefused(
                f"grid {code} is locked; unlock it first", check="locked", grids=[code]
            )


def validate(draft: Draft, delta: Delta, before: dict[str, int]) -> list[str]:
    """Check the touched grids of a draft that ``delta`` was just applied to.

    Returns the touched codes (basic and micro); raises EditRefused naming the check and grids.
    """
    renamed = dict(delta.recodes)
    touched = affected(draft, delta.touched())
    for code in sorted(touched):
        units = draft.units_of(code)
        if len(units) == 0:
            raise EditRefused(
                f"grid {code} would be left without any unit; merge it into a neighbour instead",
                check="tiling",
                grids=[code],
            )
        community = draft.community_of(code)
        foreign = sorted(set(draft.community[units].tolist()) - {community})
        if foreign:
            raise EditRefused(
                f"grid {code} would take units of community {foreign[0]}, outside its parent "
                f"{community}",
                check="nesting",
                grids=[code],
            )
        allowed = max(1, before.get(code, before.get(_old_code(renamed, code), 1)))
        parts = part_count(draft.shape(code))
        if parts > allowed:
            raise EditRefused(
                f"grid {code} would fall apart into {parts} pieces; move units that touch it",
                check="connectivity",
                grids=[code],
            )
    _whole_buildings(draft, delta)
    return sorted(touched)


def _old_code(renamed: dict[str, str], code: str) -> str:
    return next((old for old, new in renamed.items() if new == code), code)


def _whole_buildings(draft: Draft, delta: Delta) -> None:
    groups = {int(draft.group[draft.position[u]]) for u in delta.moves}
    for g in sorted(groups):
        codes = {draft.micro[i] for i in draft.group_members[g]}
        if len(codes) > 1:
            raise EditRefused(
                f"a building would be split between grids {', '.join(sorted(codes))}; move all "
                "of its cells",
                check="whole_buildings",
                grids=sorted(codes),
            )


def grid_stats(draft: Draft, code: str, *, metric_area: bool = True) -> dict[str, Any]:
    """Households, residents, buildings, incidents, area, compactness and band of one grid."""
    grid = draft.grids[code]
    units = draft.units_of(code)
    households = int(draft.households[units].sum())
    shape = draft.shape(code)
    area = float(shapely.area(shape))
    perimeter = float(shapely.length(shape))
    compactness = 4 * math.pi * area / perimeter**2 if perimeter > 0 else 0.0
    band = band_for(draft.area_types.get(draft.community_of(code)), grid.level)
    return {
        "code": code,
        "level": grid.level,
        "parent_code": grid.parent_code,
        "name": grid.name,
        "locked": grid.locked,
        "households": households,
        "residents": round(households * draft.persons_per_household),
        "buildings": int(draft.buildings[units].sum()),
        "incidents": draft.incidents_in(units),
        "units": len(units),
        "area_m2": round(area, 1),
        "compactness": round(compactness, 3),
        "parts": part_count(shape),
        "band": {"lo": band.lo, "hi": band.hi, "within": band.holds(households)},
        "flags": _flags(households, band.lo, band.hi, compactness),
    }


def _flags(households: int, lo: int, hi: int, compactness: float) -> list[str]:
    flags = []
    if households < lo:
        flags.append(f"below band: {households} households < {lo}")
    elif households > hi:
        flags.append(f"above band: {households} households > {hi}")
    if compactness < LOW_COMPACTNESS:
        flags.append(f"low compactness {compactness:.2f}")
    return flags


def out_of_band(households: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Mask of grids whose households leave their band."""
    return (households < lo) | (households > hi)
