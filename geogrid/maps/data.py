"""What the offline maps show, read from a store: the published (or a chosen) plan's basic
grids with names, incident locations, hot-spot and coverage classes, and which data are
synthetic. Everything is EPSG:4326 (WGS 84), as stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import func, select

from geogrid.errors import NotFound
from geogrid.layers.gi_method import stored_method
from geogrid.settings import Settings
from geogrid.store import Store, plan_info, published_plan_id, read_plan
from geogrid.store import incident_tables as it
from geogrid.store import tables as t
from geogrid.store._bind import fetch_all
from geogrid.store.layers import place_names
from geogrid.store.staff import incident_points, read_result
from geogrid.store.staff_tables import Staff


@dataclass(frozen=True)
class MapData:
    """The inputs of every map of one plan.

    ``grids``: basic grids (code, name, households, buildings, geometry); ``incidents``: points
    of the incidents inside a basic grid; ``hotspots``: code, incidents, label (``hot_99`` ...);
    ``coverage``: code, unmanned, missing_community_police, missing_traffic_police, overloaded;
    ``synthetic``: per source ("buildings", "incidents", "staff") the count of synthetic and real rows;
    ``hotspot_method``: how the hot-spot bins were made (inference, correction), for the legend.
    """

    plan_id: int
    plan_status: str
    grids: gpd.GeoDataFrame
    incidents: gpd.GeoSeries
    hotspots: pd.DataFrame
    coverage: pd.DataFrame
    synthetic: dict[str, tuple[int, int]] = field(default_factory=dict)
    hotspot_method: str = ""


def read_map_data(store: Store, settings: Settings, *, plan_id: int | None = None) -> MapData:
    """Read a plan's map data (the published plan by default). NotFound without a plan.

    A hot-spot or coverage result that is not current is computed (and stored) the way
    ``geogrid hotspots`` and ``geogrid staff coverage`` do it.
    """
    if plan_id is None:
        plan_id = published_plan_id(store.engine)
        if plan_id is None:
            raise NotFound("no published plan to map: publish one or pass --plan ID")
    info = plan_info(store.engine, plan_id)
    grids = read_plan(store.engine, plan_id, "basic")
    if grids.empty:
        raise NotFound(f"plan {plan_id} has no basic grids to map")
    names = place_names(store.engine, grids["code"].tolist())
    grids["name"] = [names.get(c, str(n or "")) for c, n in zip(grids["code"], grids["name"], strict=True)]  # fmt: skip
    hotspots, method = _hotspots(store, settings, plan_id)
    return MapData(
        plan_id=plan_id,
        plan_status=str(info["status"]),
        grids=grids[["code", "name", "households", "buildings", "geometry"]],
        incidents=incident_points(store.engine, plan_id),
        hotspots=hotspots,
        coverage=_coverage(store, settings, plan_id),
        synthetic=synthetic_counts(store),
        hotspot_method=method,
    )


def _hotspots(store: Store, settings: Settings, plan_id: int) -> tuple[pd.DataFrame, str]:
    """The current basic hot-spot result (computed when there is none) and its ``method``."""
    from geogrid.analytics import run_hotspots

    try:
        record, frame = read_result(store.engine, kind="hotspots", plan_id=plan_id, level="basic")
    except NotFound:
        record, values = run_hotspots(store, plan_id, level="basic", settings=settings.hotspots)
        frame = _with_code(values)
    method = stored_method(record.get("params") or {}, record.get("summary") or {})
    return pd.DataFrame(frame)[["code", "incidents", "label"]], method


def _coverage(store: Store, settings: Settings, plan_id: int) -> pd.DataFrame:
    from geogrid.analytics import run_coverage

    try:
        _, frame = read_result(store.engine, kind="coverage", plan_id=plan_id)
    except NotFound:
        _, values, _ = run_coverage(store, plan_id, settings=settings.coverage)
        frame = _with_code(values)
    columns = ["code", "level", "workers", "unmanned", "overloaded"]
    columns += ["missing_community_police", "missing_traffic_police"]
    frame = pd.DataFrame(frame)
    return frame.loc[frame["level"] == "basic", columns].reset_index(drop=True)


def _with_code(values: pd.DataFrame) -> pd.DataFrame:
    """A result table indexed by grid code, with the code as a column."""
    if "code" in values.columns:
        return values
    out = values.reset_index()
    return out.rename(columns={out.columns[0]: "code"})


def synthetic_counts(store: Store) -> dict[str, tuple[int, int]]:
    """(synthetic, real) row counts of the buildings, the incidents and the staff registry."""
    counts: dict[str, tuple[int, int]] = {}
    for name, model in (("buildings", t.Building), ("incidents", it.Incident), ("staff", Staff)):
        table = t.table_of(model)
        rows: list[Any] = fetch_all(
            store.engine,
            select(table.c.synthetic, func.count()).group_by(table.c.synthetic),
        )
        by_flag = {bool(row[0]): int(row[1]) for row in rows}
        counts[name] = (by_flag.get(True, 0), by_flag.get(False, 0))
    return counts
