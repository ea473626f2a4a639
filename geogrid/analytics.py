"""Hot spots, emerging hot spots, kernel density, staff coverage and recommendations for a plan
in the store: read grids, incidents and staff, run the pure functions of :mod:`geogrid.layers`,
store each result keyed by plan and the data versions it was computed from.

Used by the CLI (and later the API); every ``run_*`` takes an open store and settings and
returns (stored record summary, values per grid code).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from libpysal.weights import Queen

from geogrid.crs import metric_crs
from geogrid.errors import InputError
from geogrid.layers.coverage import WORKER_ROLES, coverage_layer
from geogrid.layers.density import DensitySurface, kernel_density
from geogrid.layers.emerging import emerging_hot_spots
from geogrid.layers.hotspots import gi_star
from geogrid.layers.recommend import Recommendation, maximal_covering, p_center
from geogrid.settings import CoverageSettings, HotspotSettings
from geogrid.store import Store, read_plan
from geogrid.store.staff import (
    data_key,
    incident_points,
    incident_rows,
    read_assignments,
    read_staff,
    save_result,
)

Step = Literal["week", "month"]
STEPS: Final = ("week", "month")
_PERIOD: Final = {"week": "W-SUN", "month": "M"}


def contiguity(grids: gpd.GeoDataFrame) -> sp.csr_matrix:
    """Queen contiguity of grids (shared edge or corner), n x n in the order of ``grids``."""
    w = Queen.from_dataframe(grids, use_index=False, silence_warnings=True)
    return sp.csr_matrix(w.sparse)


def _window(start: datetime | None, end: datetime | None, category: str | None) -> dict[str, Any]:
    return {"start": start, "end": end, "category": category}


def run_hotspots(
    store: Store,
    plan_id: int,
    *,
    level: str = "basic",
    rate: bool = False,
    start: datetime | None = None,
    end: datetime | None = None,
    category: str | None = None,
    settings: HotspotSettings | None = None,
    seed: int | None = 0,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Gi* of incident counts (or rates per household) per grid of ``level``, binned as
    ``settings`` say (inference, FDR; see :mod:`geogrid.layers.hotspots`).

    Grids without households are left out of a rate analysis and counted in the summary. The
    summary carries ``method`` (the legend line), ``inference``, ``correction``,
    ``permutations`` (run), ``confidence_levels`` and ``min_grids`` besides the bin counts.
    """
    settings = settings or HotspotSettings()
    grids = read_plan(store.engine, plan_id, level)
    if grids.empty:
        raise InputError(f"plan {plan_id} has no {level} grids", field="level")
    counts = _counts(store, plan_id, level, grids, start, end, category)
    excluded = {}
    if rate:
        keep = grids["households"].to_numpy() > 0
        excluded = {"no_households": int((~keep).sum())} if (~keep).any() else {}
        grids, counts = grids[keep].reset_index(drop=True), counts[keep]
        values = counts / grids["households"].to_numpy()
    else:
        values = counts.astype(float)
    result = gi_star(
        values,
        contiguity(grids),
        inference=settings.inference,
        permutations=settings.permutations,
        fdr=settings.fdr,
        max_permutations=settings.max_permutations,
        seed=seed,
    )
    frame = result.frame(grids["code"].to_list())
    frame.insert(0, "incidents", counts.astype(int))
    if rate:
        frame.insert(1, "rate", values)
    params = {"rate": rate, **_window(start, end, category), "permutations": settings.permutations}
    params |= {"fdr": settings.fdr, "inference": settings.inference}
    # The summary says how the bins were made (what every legend shows): the permutations
    # actually run, the correction and any level the permutation floor keeps out of reach.
    summary = {
        "grids": len(frame),
        "incidents": int(counts.sum()),
        "excluded": excluded,
        "method": result.method(),
        **result.parameters(),
        **{label: int((frame["label"] == label).sum()) for label in sorted(set(frame["label"]))},
    }
    return _store(store, "hotspots", plan_id, level, params, summary, frame, ("plan", "incidents"))


def _counts(
    store: Store,
    plan_id: int,
    level: str,
    grids: gpd.GeoDataFrame,
    start: datetime | None,
    end: datetime | None,
    category: str | None,
) -> np.ndarray:
    rows = incident_rows(
        store.engine, plan_id, level=level, start=start, end=end, category=category
    )
    return rows["code"].value_counts().reindex(grids["code"], fill_value=0).to_numpy()


def _store(
    store: Store,
    kind: str,
    plan_id: int,
    level: str,
    params: dict[str, Any],
    summary: dict[str, Any],
    frame: pd.DataFrame,
    layers: tuple[str, ...],
) -> tuple[dict[str, Any], pd.DataFrame]:
    with store.transaction() as conn:
        versions = data_key(conn, plan_id, layers)
        result_id = save_result(
            conn,
            kind=kind,
            plan_id=plan_id,
            level=level,
            params=params,
            versions=versions,
            summary=summary,
            values=frame,
        )
    record = {"id": result_id, "kind": kind, "plan_id": plan_id, "level": level}
    return record | {"versions": versions[1], "params": params, "summary": summary}, frame


def run_emerging(
    store: Store,
    plan_id: int,
    *,
    level: str = "basic",
    step: Step = "month",
    start: datetime | None = None,
    end: datetime | None = None,
    category: str | None = None,
    settings: HotspotSettings | None = None,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Emerging hot spots on a cube of incident counts per grid and week or month."""
    settings = settings or HotspotSettings()
    if step not in STEPS:
        raise InputError(f"step must be one of {', '.join(STEPS)}", field="step")
    grids = read_plan(store.engine, plan_id, level)
    rows = incident_rows(
        store.engine, plan_id, level=level, start=start, end=end, category=category
    )
    if rows.empty:
        raise InputError("no incidents in the window: nothing to analyse")
    periods = rows["reported_at"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    rows = rows.assign(period=periods.dt.to_period(_PERIOD[step]))
    span = pd.period_range(rows["period"].min(), rows["period"].max(), freq=_PERIOD[step])
    cube = (
        rows.groupby(["period", "code"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=span, columns=grids["code"], fill_value=0)
    )
    result = emerging_hot_spots(
        cube.to_numpy(dtype=float),
        contiguity(grids),
        time_lag=settings.time_lag,
        confidence=settings.emerging_confidence,
        trend_alpha=settings.trend_alpha,
    )
    frame = result.frame(grids["code"].to_list())
    frame.insert(0, "incidents", cube.sum(axis=0).to_numpy())
    params = {"step": step, **_window(start, end, category), "time_lag": settings.time_lag}
    params["confidence"] = settings.emerging_confidence
    summary = {
        "grids": len(frame),
        "steps": len(span),
        "first": str(span[0]),
        "last": str(span[-1]),
        **{str(k): int(v) for k, v in frame["pattern"].value_counts().sort_index().items()},
    }
    return _store(store, "emerging", plan_id, level, params, summary, frame, ("plan", "incidents"))


def run_density(
    store: Store,
    plan_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    category: str | None = None,
    cell_size: float | None = None,
    bandwidth: float | None = None,
    settings: HotspotSettings | None = None,
) -> DensitySurface:
    """Kernel density of the plan's incidents (a raster for the heat-map layer)."""
    settings = settings or HotspotSettings()
    points = incident_points(store.engine, plan_id, start=start, end=end, category=category)
    return kernel_density(
        points, cell_size=cell_size or settings.density_cell_m, bandwidth=bandwidth
    )


def run_coverage(
    store: Store,
    plan_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    settings: CoverageSettings | None = None,
) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Coverage of the plan's basic and micro grids; returns summary, per grid, per person."""
    settings = settings or CoverageSettings()
    grids = read_plan(store.engine, plan_id)
    grids = grids[grids["level"].isin(["basic", "micro"])]
    incidents = pd.concat(
        [
            incident_rows(store.engine, plan_id, level=level, start=start, end=end)[
                "code"
            ].value_counts()
            for level in ("basic", "micro")
        ]
    )
    assignments = read_assignments(store.engine)
    per_grid, per_staff = coverage_layer(grids, assignments, incidents=incidents, settings=settings)
    table = pd.DataFrame(per_grid.drop(columns=["geometry", "code"]))
    summary = {
        "grids": {lvl: int((table["level"] == lvl).sum()) for lvl in ("basic", "micro")},
        "unmanned": {
            lvl: int((table["unmanned"] & (table["level"] == lvl)).sum())
            for lvl in ("basic", "micro")
        },
        "missing_community_police": int(table["missing_community_police"].sum()),
        "missing_traffic_police": int(table["missing_traffic_police"].sum()),
        "overloaded": int(table["overloaded"].sum()),
        "staff": len(per_staff),
        "spread_too_thin": int(per_staff["spread_too_thin"].sum()),
        "assignments_to_unknown_grids": int(per_staff["unknown_grids"].sum()),
    }
    params = _window(start, end, None)
    record, _ = _store(
        store, "coverage", plan_id, "all", params, summary, table, ("plan", "incidents", "staff")
    )
    return record, table, per_staff


def run_recommend(
    store: Store,
    plan_id: int,
    *,
    problem: Literal["mclp", "pcenter"] = "mclp",
    level: str = "micro",
    add: int = 5,
    radius: float | None = None,
    weight: Literal["households", "incidents"] = "households",
    time_limit: float | None = None,
    settings: CoverageSettings | None = None,
) -> tuple[dict[str, Any], pd.DataFrame, Recommendation]:
    """Where to add ``add`` workers among the grid centroids of ``level``: the most weight
    within ``radius`` metres (MCLP) or the least worst distance (p-center). Workers already in
    place stand at their base location, or at the centroid of their first grid."""
    settings = settings or CoverageSettings()
    grids = read_plan(store.engine, plan_id, level)
    if grids.empty:
        raise InputError(f"plan {plan_id} has no {level} grids", field="level")
    crs = metric_crs(grids)
    centroids = grids.geometry.to_crs(crs).centroid
    xy = np.column_stack([centroids.x, centroids.y])
    existing = _existing_sites(store, plan_id, crs)
    limit = time_limit or settings.time_limit_s
    if problem == "mclp":
        w = _weights(store, plan_id, level, grids, weight)
        reach = radius or settings.walk_distance_m
        found = maximal_covering(
            xy, w, xy, facilities=add, radius=reach, existing=existing, time_limit=limit
        )
    elif problem == "pcenter":
        reach = 0.0
        found = p_center(xy, xy, facilities=add, existing=existing, time_limit=limit)
    else:
        raise InputError("problem must be mclp or pcenter", field="problem")
    frame = pd.DataFrame(
        {"rank": range(1, len(found.sites) + 1)}, index=grids["code"].iloc[found.sites]
    )
    params = {"problem": problem, "add": add, "radius": reach, "weight": weight}
    summary = {
        "objective": found.objective,
        "bound": found.bound,
        "gap": found.gap,
        "baseline": found.baseline,
        "optimal": found.optimal,
        "method": found.method,
        "seconds": round(found.seconds, 3),
        "existing_sites": len(existing),
        "notes": found.notes,
    }
    record, _ = _store(
        store, "recommend", plan_id, level, params, summary, frame, ("plan", "incidents", "staff")
    )
    return record, frame, found


def _weights(
    store: Store, plan_id: int, level: str, grids: gpd.GeoDataFrame, weight: str
) -> np.ndarray:
    if weight == "households":
        return grids["households"].to_numpy(dtype=float)
    if weight == "incidents":
        return _counts(store, plan_id, level, grids, None, None, None).astype(float)
    raise InputError("weight must be households or incidents", field="weight")


def _existing_sites(store: Store, plan_id: int, crs: object) -> np.ndarray:
    """Base locations of the workers (metres), or the centroid of the first grid of the plan
    (any level) they answer for."""
    staff = read_staff(store.engine)
    staff = staff[staff["role"].isin(WORKER_ROLES)]
    if staff.empty:
        return np.zeros((0, 2))
    located = staff[staff.geometry.notna()].geometry.to_crs(crs)
    xy = [np.column_stack([located.x, located.y])]
    every = read_plan(store.engine, plan_id)
    centroids = every.geometry.to_crs(crs).centroid
    where = dict(zip(every["code"], zip(centroids.x, centroids.y, strict=True), strict=True))
    for codes in staff[staff.geometry.isna()]["grid_codes"]:
        first = next((where[c] for c in str(codes).split(";") if c in where), None)
        if first is not None:
            xy.append(np.array([first]))
    return np.vstack(xy)
