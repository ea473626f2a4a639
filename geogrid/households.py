"""Households of buildings: keep the given counts, estimate the missing ones.

estimate = footprint area (m²) × levels × residential share ÷ dwelling size, each a setting
(:class:`geogrid.settings.HouseholdSettings`). Estimates may be scaled so that an area (a district
or street, or the whole file) adds up to a known total, such as its census households; the
integers then add up exactly (largest remainder). Every figure is marked ``given`` or
``estimated`` and the assumptions travel with the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geogrid.crs import metric_crs
from geogrid.errors import InputError
from geogrid.settings import HouseholdSettings

METHOD = "footprint_m2 * levels * residential_share / dwelling_size_m2"


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
    levels = _levels(buildings, settings)
    estimate = area * levels * settings.residential_share / settings.dwelling_size_m2
    return estimate.where(area >= settings.min_footprint_m2, 0.0).astype(float)


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
