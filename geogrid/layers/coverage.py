"""Staff coverage per grid: who answers for it, unmanned grids, missing police, load per worker,
people spread over too many grids, overloaded grids, and the load change a redraw brings.

Assignments name a grid code; an assignment to a code also reaches every grid whose code starts
with it (a community police officer assigned to community 370212001001 covers its basic grids).
Only workers (full-time, part-time, building heads) carry load; chiefs and police do not.
Pure pandas/geopandas; thresholds come from :class:`geogrid.settings.CoverageSettings`.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from geogrid.crs import metric_crs
from geogrid.errors import InputError
from geogrid.settings import STAFF_ROLES, CoverageSettings

WORKER_ROLES: Final = ("grid_worker", "part_time_worker", "building_head")
POLICE_ROLES: Final = ("community_police", "traffic_police")
_ASSIGNMENT_COLUMNS: Final = ("staff_id", "role", "grid_code")


def coverage_layer(
    grids: pd.DataFrame,
    assignments: pd.DataFrame,
    *,
    incidents: pd.Series | None = None,
    settings: CoverageSettings | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The coverage of each grid and the load of each person.

    ``grids``: code, level, households (a GeoDataFrame keeps its geometry); ``assignments``:
    staff_id, role, grid_code; ``incidents``: counts per grid code (missing codes count 0).
    Returns (per grid, indexed by code; per person, indexed by staff_id). Raises InputError for
    missing columns or unknown roles.
    """
    settings = settings or CoverageSettings()
    _require(grids, ("code", "level", "households"), "grids")
    _require(assignments, _ASSIGNMENT_COLUMNS, "assignments")
    unknown = sorted(set(assignments["role"]) - set(STAFF_ROLES))
    if unknown:
        raise InputError(f"unknown staff role(s) {', '.join(unknown)}", field="role")
    out = grids.set_index("code", drop=False).copy()
    out["incidents"] = _incidents(out.index, incidents)
    out["residents"] = out["households"] * settings.persons_per_household
    direct = assignments.groupby(["grid_code", "role"]).size().unstack(fill_value=0)
    reach = _reach(out.index, assignments)
    for role in STAFF_ROLES:
        out[f"{role}s"] = direct[role].reindex(out.index, fill_value=0) if role in direct else 0
    workers = out[[f"{r}s" for r in WORKER_ROLES]].sum(axis=1)
    out["workers"] = workers
    out["staff"] = [",".join(sorted(reach.get(code, {}).keys())) for code in out.index]
    reached_roles = [set(reach.get(code, {}).values()) for code in out.index]
    out["unmanned"] = [not (roles & set(WORKER_ROLES)) for roles in reached_roles]
    is_basic = (out["level"] == "basic").to_numpy()
    for role in POLICE_ROLES:
        out[f"missing_{role}"] = is_basic & np.array([role not in r for r in reached_roles])
    shares = workers.where(workers > 0)
    out["households_per_worker"] = out["households"] / shares
    out["residents_per_worker"] = out["residents"] / shares
    out["incidents_per_worker"] = out["incidents"] / shares
    out["overloaded"] = _overloaded(out, settings)
    return out, _staff_loads(out, assignments, settings)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{name} lack column(s) {', '.join(missing)}", field=missing[0])


def _incidents(codes: pd.Index, incidents: pd.Series | None) -> pd.Series:
    if incidents is None:
        return pd.Series(0, index=codes, dtype="int64")
    return incidents.reindex(codes, fill_value=0).astype("int64")


def _reach(codes: pd.Index, assignments: pd.DataFrame) -> dict[str, dict[str, str]]:
    """For each grid code: staff id -> role of everyone assigned to it or to a code prefix."""
    by_code: dict[str, list[tuple[str, str]]] = {}
    for staff_id, role, code in assignments[list(_ASSIGNMENT_COLUMNS)].itertuples(index=False):
        by_code.setdefault(str(code), []).append((str(staff_id), str(role)))
    lengths = sorted({len(c) for c in by_code})
    reach: dict[str, dict[str, str]] = {}
    for code in codes:
        found: dict[str, str] = {}
        for length in lengths:
            if length > len(code):
                break
            for staff_id, role in by_code.get(code[:length], ()):
                found.setdefault(staff_id, role)
        reach[code] = found
    return reach


def _overloaded(frame: pd.DataFrame, settings: CoverageSettings) -> pd.Series:
    """Incidents per worker above the threshold, or above a multiple of the level's median."""
    per_worker = frame["incidents_per_worker"]
    median = per_worker.groupby(frame["level"]).transform("median")
    over = (per_worker > settings.overload_incidents_per_worker) | (
        per_worker > settings.overload_median_share * median
    )
    return over.fillna(False).astype(bool)


def _staff_loads(
    grids: pd.DataFrame, assignments: pd.DataFrame, settings: CoverageSettings
) -> pd.DataFrame:
    """Per person: grids, and for workers their share of households, residents and incidents."""
    rows = assignments[list(_ASSIGNMENT_COLUMNS)].copy()
    codes = grids.index.astype(str)
    # a community, street or district code above the grids is known too (it reaches them)
    areas = {c[:n] for c in codes for n in (6, 9, 12) if len(c) > n}
    known = rows["grid_code"].isin(grids.index) | rows["grid_code"].isin(areas)
    on_grid = rows["grid_code"].isin(grids.index)
    shares = grids.reindex(rows["grid_code"])
    is_worker = rows["role"].isin(WORKER_ROLES).to_numpy()
    for name in ("households", "residents", "incidents"):
        per = shares[f"{name}_per_worker"].fillna(0.0).to_numpy()
        rows[name] = np.where(is_worker & on_grid.to_numpy(), per, 0.0)
    rows["known"] = known.to_numpy()
    staff = rows.groupby("staff_id").agg(
        role=("role", "first"),
        grids=("grid_code", "nunique"),
        unknown_grids=("known", lambda k: int((~k).sum())),
        households=("households", "sum"),
        residents=("residents", "sum"),
        incidents=("incidents", "sum"),
    )
    limit = staff["role"].map(settings.max_grids).fillna(np.inf)
    staff["spread_too_thin"] = staff["grids"] > limit
    return staff


def plan_change_loads(
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    assignments: pd.DataFrame,
    *,
    incidents_before: pd.Series | None = None,
    incidents_after: pd.Series | None = None,
    settings: CoverageSettings | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each person's load before and after a redraw, and the grids of the new plan that lose or
    gain a responsible worker (compared with the old grid they overlap most).

    Returns (per person: households/incidents before and after, grids before and after; per new
    grid: code, predecessor, manned_before, manned_after, change in {"loses", "gains", ""}).
    """
    old, old_staff = coverage_layer(
        before, assignments, incidents=incidents_before, settings=settings
    )
    new, new_staff = coverage_layer(
        after, assignments, incidents=incidents_after, settings=settings
    )
    loads = old_staff[["role", "grids", "households", "incidents"]].merge(
        new_staff[["grids", "households", "incidents"]],
        left_index=True,
        right_index=True,
        how="outer",
        suffixes=("_before", "_after"),
    )
    predecessor = _predecessors(before, after)
    changes = pd.DataFrame(
        {
            "code": new.index,
            "level": new["level"].to_numpy(),
            "predecessor": predecessor.reindex(new.index).to_numpy(),
        }
    )
    changes["manned_after"] = ~new["unmanned"].to_numpy()
    manned_old = ~old["unmanned"]
    changes["manned_before"] = changes["predecessor"].map(manned_old).fillna(False).astype(bool)
    changes["change"] = np.select(
        [
            changes["manned_before"] & ~changes["manned_after"],
            ~changes["manned_before"] & changes["manned_after"],
        ],
        ["loses", "gains"],
        "",
    )
    return loads, changes.set_index("code")


def _predecessors(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> pd.Series:
    """For each grid of ``after``: the code of the same-level ``before`` grid it overlaps most."""
    crs = metric_crs(after)
    old = before.to_crs(crs)[["code", "level", "geometry"]]
    new = after.to_crs(crs)[["code", "level", "geometry"]]
    pieces = gpd.overlay(
        new.rename(columns={"code": "new_code"}),
        old.rename(columns={"code": "old_code", "level": "old_level"}),
        how="intersection",
        keep_geom_type=True,
    )
    pieces = pieces[pieces["level"] == pieces["old_level"]]
    if pieces.empty:
        return pd.Series(dtype=object)
    pieces["area"] = pieces.geometry.area
    best = pieces.sort_values("area").groupby("new_code").tail(1)
    return best.set_index("new_code")["old_code"]
