"""Households of buildings: keep the given counts, estimate the missing ones.

estimate = floor area (m²) × residential share ÷ dwelling size, each a setting
(:class:`geogrid.settings.HouseholdSettings`); the floor area is the building's own
``floor_area`` (建筑面积) where it has one, else its footprint times its ``floor_area_ratio`` (a
parcel's 容积率), else its footprint times its levels; times the building's use weight where it has a
``use`` (:mod:`geogrid.building_uses`: 0 for a school, an office, a park's parcel; the mixed
share for homes above shops; 1 for homes and for a use no table knows, which is listed). Estimates may be scaled so that an area (a district
or street, or the whole file) adds up to a known total, such as its census households; the
integers then add up exactly (largest remainder). Every figure is marked ``given`` or
``estimated`` and the assumptions travel with the data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geogrid.building_uses import canonical_use, residential_weight
from geogrid.crs import metric_crs
from geogrid.errors import InputError
from geogrid.settings import HouseholdSettings

METHOD = (
    "floor_m2 (floor_area, else footprint_m2 * floor_area_ratio, else footprint_m2 * levels) "
    "* residential_share * use_weight / dwelling_size_m2"
)


@dataclass(frozen=True)
class HouseholdTotal:
    """A known total for the buildings inside ``scope`` (all buildings when scope is None)."""

    households: int
    source: str
    scope: str | None = None


def estimate_households(
    buildings: gpd.GeoDataFrame, *, settings: HouseholdSettings | None = None
) -> pd.Series:
    """Unrounded household estimates of every building, from its footprint and levels."""
    settings = settings or HouseholdSettings()
    if buildings.empty:
        return pd.Series(dtype=float, index=buildings.index)
    area = buildings.to_crs(metric_crs(buildings)).geometry.area
    floor = _floor_source(buildings)
    floor_m2 = (area * _levels(buildings, settings)).where(
        floor == "levels", floor_m2_given(buildings, area)
    )
    weight = use_weights(buildings, mixed_share=settings.mixed_residential_share)
    estimate = floor_m2 * settings.residential_share * weight / settings.dwelling_size_m2
    # the minimum footprint tells sheds by their area alone; a floor area given is the word
    return estimate.where((area >= settings.min_footprint_m2) | (floor != "levels"), 0.0)


# a floor area ratio (容积率) above this is a typing slip (25 for 2.5): the densest towers
# reach about 10-12; such a value is not read (counted, footprint x levels used)
MAX_FLOOR_AREA_RATIO: Final = 15.0
_UNIT = re.compile(r"(平方米|平米|㎡|m²|m2|sqm)$", re.IGNORECASE)


def _positive(buildings: gpd.GeoDataFrame, name: str) -> pd.Series:
    """A column as positive finite numbers, read as people write them (1,234.5; 1234㎡;
    full-width digits), NaN where absent, not a number, 0, negative, infinite, or a ratio
    above ``MAX_FLOOR_AREA_RATIO``."""
    if name not in buildings.columns:
        return pd.Series(np.nan, index=buildings.index)
    values = pd.to_numeric(buildings[name].map(_number_text), errors="coerce").astype(float)
    top = MAX_FLOOR_AREA_RATIO if name == "floor_area_ratio" else np.inf
    return values.where((values > 0) & (values <= top) & np.isfinite(values))


def _number_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
    return _UNIT.sub("", text).strip()


def floor_m2_given(buildings: gpd.GeoDataFrame, area: pd.Series) -> pd.Series:
    """Floor area (m²) a building's own fields give: its ``floor_area``, else its footprint
    times its ``floor_area_ratio`` (a parcel's 容积率); NaN where neither does."""
    return _positive(buildings, "floor_area").fillna(
        area * _positive(buildings, "floor_area_ratio")
    )


def _unread_floor(buildings: gpd.GeoDataFrame) -> int:
    """Buildings with a floor area or ratio written that is not read (not a positive finite
    number, or a ratio over ``MAX_FLOOR_AREA_RATIO``): footprint times levels is used for
    them, and they are counted."""
    written = pd.Series(False, index=buildings.index)
    for name in ("floor_area", "floor_area_ratio"):
        if name in buildings.columns:
            text = buildings[name].map(lambda v: str(v).strip() if pd.notna(v) else "")
            written |= (text != "") & _positive(buildings, name).isna()
    return int((written & (_floor_source(buildings) == "levels")).sum())


def _floor_source(buildings: gpd.GeoDataFrame) -> pd.Series:
    """Where each building's floor area comes from: floor_area, floor_area_ratio or levels."""
    source = pd.Series("levels", index=buildings.index, dtype=object)
    source[_positive(buildings, "floor_area_ratio").notna()] = "floor_area_ratio"
    source[_positive(buildings, "floor_area").notna()] = "floor_area"
    return source


def use_weights(buildings: gpd.GeoDataFrame, *, mixed_share: float) -> pd.Series:
    """Each building's use weight (:func:`geogrid.building_uses.residential_weight`); 1 for
    all when the frame has no ``use`` column."""
    if "use" not in buildings.columns:
        return pd.Series(1.0, index=buildings.index)
    uses = buildings["use"].map(canonical_use)
    return uses.map(lambda u: residential_weight(u, mixed_share=mixed_share)).astype(float)


def use_account(buildings: gpd.GeoDataFrame, estimated: pd.Series) -> dict[str, Any]:
    """Of the buildings estimated: where the floor area came from (its own floor area, a
    parcel's ratio, or footprint times levels) when a building gave either, how many of each
    use, and the use values no table knows (read as homes) with how many carry each."""
    if not estimated.any():
        return {}
    sources = _floor_source(buildings)[estimated]
    unread = _unread_floor(buildings[estimated])
    floor = (
        {str(k): int(v) for k, v in sources.value_counts().sort_index().items()}
        if (sources != "levels").any() or unread
        else {}
    )
    if unread:
        floor["not_read"] = unread
    if "use" not in buildings.columns:
        return {"floor_from": floor} if floor else {}
    raw = buildings.loc[estimated, "use"]
    uses = raw.map(canonical_use)
    text = raw.map(lambda v: str(v).strip() if pd.notna(v) else "")
    unknown = text[uses.isna() & (text != "")]
    return ({"floor_from": floor} if floor else {}) | {
        "by_use": {
            str(k): int(v) for k, v in uses.fillna("none").value_counts().sort_index().items()
        },
        "unknown_uses": {str(k): int(v) for k, v in unknown.value_counts().sort_index().items()},
    }


def _levels(buildings: gpd.GeoDataFrame, settings: HouseholdSettings) -> pd.Series:
    if "levels" not in buildings.columns:
        return pd.Series(float(settings.default_levels), index=buildings.index)
    levels = pd.to_numeric(buildings["levels"], errors="coerce").astype(float)
    return levels.where(levels >= 1, float(settings.default_levels))


def largest_remainder(weights: NDArray[np.float64] | pd.Series, total: int) -> NDArray[np.int64]:
    """Integers proportional to ``weights`` that add up to exactly ``total``.

    Each gets the floor of its quota; the units left go to the largest remainders (ties to the
    earlier item). All-zero weights share the total evenly.
    """
    w = np.asarray(weights, dtype=float)
    if total < 0:
        raise InputError(f"a household total cannot be negative ({total})")
    if len(w) == 0:
        if total:
            raise InputError(f"no buildings to hold {total} households")
        return np.zeros(0, dtype=np.int64)
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise InputError("household weights must be finite and not negative")
    if w.sum() == 0:
        w = np.ones_like(w)
    quotas = w / w.sum() * total
    floors = np.floor(quotas).astype(np.int64)
    left = int(total - floors.sum())
    order = np.argsort(-(quotas - floors), kind="stable")
    floors[order[:left]] += 1
    return floors


def fill_households(
    buildings: gpd.GeoDataFrame,
    *,
    settings: HouseholdSettings | None = None,
    total: HouseholdTotal | None = None,
    in_scope: pd.Series | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Keep given household counts, estimate the rest; returns the frame and the assumptions.

    Parameters
    ----------
    buildings
        Buildings with an optional ``households`` column (missing values are estimated).
    total
        A known total: the estimated buildings inside the scope are scaled so that the given and
        estimated counts there add up to it.
    in_scope
        Which buildings the total covers (all when None).
    """
    settings = settings or HouseholdSettings()
    out = buildings.copy()
    given = (
        pd.to_numeric(out["households"], errors="coerce")
        if "households" in out.columns
        else pd.Series(np.nan, index=out.index)
    )
    has = given.notna()
    raw = estimate_households(out, settings=settings)
    counts = given.copy()
    assumptions: dict[str, Any] = {
        "method": METHOD,
        **settings.model_dump(),
        "given": int(has.sum()),
        "estimated": int((~has).sum()),
        **use_account(out, ~has),
    }
    if total is not None:
        scope = in_scope if in_scope is not None else pd.Series(True, index=out.index)
        scope = scope.reindex(out.index, fill_value=False).astype(bool)
        assumptions |= _scale_to_total(counts, raw, has & scope, scope & ~has, total)
    rest = ~has & counts.isna()
    counts[rest] = largest_remainder(raw[rest], round(float(raw[rest].sum())))
    out["households"] = counts.round().astype("Int64")
    incoming = (
        out["households_source"]
        if "households_source" in out.columns
        else pd.Series(None, index=out.index, dtype=object)
    )
    # A count read back from an export keeps its label; any other count is given.
    out["households_source"] = incoming.where(has, "estimated").fillna("given").astype(object)
    return out, assumptions


def _scale_to_total(
    counts: pd.Series,
    raw: pd.Series,
    given_in_scope: pd.Series,
    pick: pd.Series,
    total: HouseholdTotal,
) -> dict[str, Any]:
    """Fill ``counts`` of the ``pick`` buildings so that the scope adds up to ``total``.

    Returns the assumptions to keep: the total, its source and scope, and the scale factor.
    """
    inside = int(counts[given_in_scope].sum())
    target = total.households - inside
    where = total.scope or "the file"
    if target < 0:
        raise InputError(
            f"the given households inside {where} ({inside}) exceed the total "
            f"{total.households} ({total.source})",
            field="households",
        )
    if not pick.any() and target:
        raise InputError(
            f"no building without a household count inside {where} can take the {target} "
            f"households left of the total {total.households}",
            field="households",
        )
    counts[pick] = largest_remainder(raw[pick], target)
    raw_sum = float(raw[pick].sum())
    return {
        "total": total.households,
        "total_source": total.source,
        "scope": total.scope,
        "scale_factor": round(target / raw_sum, 6) if raw_sum else None,
    }


def use_summary(assumptions: dict[str, Any]) -> str:
    """The estimate's uses in words for a summary line ("" when no building had a use): how
    many estimated buildings of a non-residential use hold 0 households, how many mixed, and
    the values no table knows (estimated as homes; ``--map buildings.use=...`` or fix them)."""
    by_use: dict[str, int] = assumptions.get("by_use") or {}
    unknown: dict[str, int] = assumptions.get("unknown_uses") or {}
    none = {u: n for u, n in by_use.items() if u not in ("residential", "mixed", "none")}
    said = []
    if none:
        listed = ", ".join(f"{u} {n:,}" for u, n in sorted(none.items(), key=lambda x: -x[1]))
        said.append(f"{sum(none.values()):,} of a non-residential use at 0: {listed}")
    if by_use.get("mixed"):
        share = assumptions.get("mixed_residential_share", 0.5)
        said.append(f"{by_use['mixed']:,} mixed-use at {share:g} of their floor")
    floor: dict[str, int] = assumptions.get("floor_from") or {}
    if floor:
        said.append(
            "floor from "
            + ", ".join(f"{k.replace('_', ' ')} {n:,}" for k, n in floor.items())
            + (
                " (not read: not a positive number, or a ratio over "
                f"{MAX_FLOOR_AREA_RATIO:g}; footprint x levels used)"
                if floor.get("not_read")
                else ""
            )
        )
    if unknown:
        first = ", ".join(f"{v} {n:,}" for v, n in list(unknown.items())[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        said.append(f"use not known, estimated as homes: {first}{more}")
    return "; ".join(said)
