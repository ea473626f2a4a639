"""Validation and statistics of the grids an edit touches (pure; metric CRS).

Refused (raise :class:`~geogrid.errors.EditRefused`): a grid left without units (tiling), a unit in
a grid of another community (nesting), a grid that falls apart into more polygons than it had
(connectivity), a building split between grids, a locked grid changed. Flagged only: households
outside the band of the area type (a grid that is a single building over it is exempt: buildings
are kept whole), low compactness.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import shapely

from geogrid.errors import EditRefused
from geogrid.grid_bands import band_summary
from geogrid.partition.bands import band_for
from geogrid.partition.exemptions import drawn_exemptions
from geogrid.plans.draft import Delta, Draft, part_count
from geogrid.touching import pieces

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


FREE_FIELDS = ("locked", "name")  # what a locked grid may still change


def changed_grids(draft: Draft, delta: Delta) -> set[str]:
    """Codes (as the draft has them before ``delta``) of every grid whose units, micro grids,
    parent or code the delta changes, with the basic grid of each micro grid among them.

    Both ends count: the grid units or micro grids leave and the grid they go to (a merge's kept
    grid, a rebalance's receiving grid), and a basic grid that gains or loses a micro grid.
    """
    back = {new: old for old, new in delta.recodes}
    codes = {c for pair in delta.moves.values() for c in pair}
    for code, fields in delta.changed.items():
        if set(fields) - set(FREE_FIELDS):
            codes.add(code)
        codes |= set(fields.get("parent_code", ()))
    codes |= {old for old, _ in delta.recodes}
    codes |= {back.get(g["code"], g["code"]) for g in delta.removed}
    codes |= {g["parent_code"] for g in delta.added}
    return affected(draft, codes)


def refuse_locked(draft: Draft, delta: Delta, *, edit: str = "edit") -> None:
    """A locked grid keeps its units, micro grids and code; only its name and lock may change.

    Checked on the computed delta (what the ``edit`` would change), before it is applied."""
    locked = sorted(c for c in changed_grids(draft, delta) if draft.grids[c].locked)
    if locked:
        more = f" (and {len(locked) - 1} more locked grid(s))" if len(locked) > 1 else ""
        raise EditRefused(
            f"grid {locked[0]} is locked and this {edit} would change it{more}; unlock it first",
            check="locked",
            grids=locked,
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


def grid_stats(
    draft: Draft, code: str, *, bands: pd.DataFrame | None = None, metric_area: bool = True
) -> dict[str, Any]:
    """Households, residents, buildings, incidents, area, compactness and band of one grid;
    ``bands``: :func:`draft_bands` of the draft as it is (found here when not given)."""
    grid = draft.grids[code]
    units = draft.units_of(code)
    households = int(draft.households[units].sum())
    shape = draft.shape(code)
    area = float(shapely.area(shape))
    perimeter = float(shapely.length(shape))
    compactness = 4 * math.pi * area / perimeter**2 if perimeter > 0 else 0.0
    band = band_for(draft.area_types.get(draft.community_of(code)), grid.level)
    buildings = int(draft.buildings[units].sum())
    bands = draft_bands(draft) if bands is None else bands
    found = bands.at[code, "exempt"] if code in bands.index else None
    exempt = found if isinstance(found, str) else None
    return {
        "code": code,
        "level": grid.level,
        "parent_code": grid.parent_code,
        "name": grid.name,
        "locked": grid.locked,
        "households": households,
        "residents": round(households * draft.persons_per_household),
        "buildings": buildings,
        "incidents": draft.incidents_in(units),
        "units": len(units),
        "area_m2": round(area, 1),
        "compactness": round(compactness, 3),
        "parts": part_count(shape),
        "band": {"lo": band.lo, "hi": band.hi, "within": band.holds(households)},
        "exempt": exempt,
        "flags": _flags(households, band.lo, band.hi, compactness, exempt),
    }


EXEMPT_WHY = {
    "single_over_band_building": "a single building, kept whole",
    "parent_too_small": "its parent holds fewer households than the band",
    "parent_indivisible": "its parent's households fit no whole number of grids",
    "detached_piece": "a detached piece of its parent that fits no whole number of grids",
}


def _flags(households: int, lo: int, hi: int, compactness: float, exempt: str | None) -> list[str]:
    flags = []
    why = f" (exempt: {EXEMPT_WHY.get(exempt, exempt)})" if exempt else ""
    if households < lo:
        flags.append(f"below band: {households} households < {lo}{why}")
    elif households > hi:
        flags.append(f"above band: {households} households > {hi}{why}")
    if compactness < LOW_COMPACTNESS:
        flags.append(f"low compactness {compactness:.2f}")
    return flags


def band_of_draft(draft: Draft) -> dict[str, Any]:
    """The draft's band check (:func:`geogrid.grid_bands.band_summary`) from its units: every
    basic and micro grid that holds units, headline over all, exemptions beside it."""
    bands = draft_bands(draft)
    return band_summary(
        {"within": w, "exempt": e if isinstance(e, str) else None}
        for w, e in zip(bands["within"], bands["exempt"], strict=True)
    )


def draft_bands(draft: Draft) -> pd.DataFrame:
    """Every basic and micro grid of the draft that holds units, indexed by code: households,
    ``within`` its band and ``exempt`` (the reason no edit can bring it within,
    :func:`~geogrid.partition.exemptions.drawn_exemptions`, or None)."""
    units = pd.DataFrame({"households": draft.households, "micro": draft.micro})
    buildings = units.groupby(["micro", draft.group], sort=False)["households"].sum()
    micro = units.groupby("micro", sort=False)[["households"]].sum()
    micro["largest"] = buildings.groupby(level=0).max()
    micro["parent"] = [draft.grids[str(c)].parent_code for c in micro.index]
    basic = micro.groupby("parent", sort=False).agg(
        households=("households", "sum"), largest=("largest", "max")
    )
    basic["parent"] = [draft.grids[str(c)].parent_code for c in basic.index]
    grids = pd.concat([micro.assign(level="micro"), basic.assign(level="basic")])
    communities = [draft.community_of(str(c)) for c in grids.index]
    # one band per area type and level, not one look-up per grid
    types = {*draft.area_types.values(), None}
    bands = {(t, lv): band_for(t, lv) for t in types for lv in ("micro", "basic")}
    levels = grids["level"].to_numpy()
    found = [bands[draft.area_types.get(c), lv] for c, lv in zip(communities, levels, strict=True)]
    grids["lo"] = [b.lo for b in found]
    grids["hi"] = [b.hi for b in found]
    grids["within"] = ~out_of_band(
        grids["households"].to_numpy(), grids["lo"].to_numpy(), grids["hi"].to_numpy()
    )

    def grid_pieces(rows: np.ndarray) -> np.ndarray:
        return _grid_pieces(draft, grids.index[rows], micro["parent"])

    grids["exempt"] = drawn_exemptions(
        grids["households"].to_numpy(),
        grids["largest"].to_numpy(),
        lo=grids["lo"].to_numpy(),
        hi=grids["hi"].to_numpy(),
        parent=(grids["level"] + ":" + grids["parent"]).to_numpy(),
        pieces=grid_pieces,
    )
    return grids


def _grid_pieces(draft: Draft, codes: pd.Index, basic_of: pd.Series) -> np.ndarray:
    """The piece of its parent each grid of ``codes`` lies in: its units joined to the
    touching units of grids of ``codes`` with the same parent (a micro grid's basic grid, a
    basic grid's community)."""
    micro = draft.micro
    basic = pd.Series(micro).map(basic_of).to_numpy()
    found = []
    for grid, parent in ((micro, basic), (basic, draft.community)):
        keep = np.isin(grid, codes)
        if keep.any():
            pairs = draft.touching_units({str(c) for c in draft.community[keep]})
            labels = pieces(len(grid), pairs, groups=parent, keep=keep)
            found.append(pd.Series(labels[keep]).groupby(grid[keep]).max())
    return pd.concat(found).reindex(codes).to_numpy()


def out_of_band(households: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Mask of grids whose households leave their band."""
    return (households < lo) | (households > hi)
