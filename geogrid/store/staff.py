"""Staff registry and analytic results in the store.

Writes run inside the caller's transaction and bump the ``staff`` data version. Reads leave
names and phone numbers out unless ``include_personal`` is set; who may set it is the caller's
rule (the API's access rule: analyst and admin; the CLI: ``--include-personal``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geoalchemy2 import WKBElement
from sqlalchemy import Connection, Engine, delete, func, insert, select

from geogrid.errors import NotFound
from geogrid.layers.gi_method import stored_method
from geogrid.store import staff_tables as st
from geogrid.store import tables as t
from geogrid.store._bind import fetch_all
from geogrid.store.incident_tables import Incident, IncidentGrid
from geogrid.store.plans import plan_info, read_plan
from geogrid.store.versions import INCIDENTS, bump_data_version, data_versions, plan_layer

STAFF_LAYER: Final = "staff"
RESULTS_LAYER: Final = "analysis_results"
"""Bumped by every stored result: tiles that show results key on it."""
_STAFF = t.table_of(st.Staff)
_ASSIGN = t.table_of(st.StaffAssignment)
_IMPORTS = t.table_of(st.StaffImport)
_RESULTS = t.table_of(st.AnalysisResult)
_VALUES = t.table_of(st.AnalysisValue)
_FACTS = t.table_of(IncidentGrid)


def save_staff(
    conn: Connection,
    people: gpd.GeoDataFrame,
    assignments: pd.DataFrame,
    *,
    source_file: str,
    source_crs: str,
    validation: dict[str, Any] | None = None,
    replace: bool = True,
) -> int:
    """Store people (staff_id, role, name, phone, geometry) and their assignments in the
    caller's transaction; ``replace`` first removes the whole registry. Returns the import id."""
    if replace:
        conn.execute(delete(_ASSIGN))
        conn.execute(delete(_STAFF))
    import_id = conn.execute(
        insert(_IMPORTS).returning(_IMPORTS.c.id),
        {
            "source_file": source_file,
            "source_crs": source_crs,
            "record_count": len(people),
            "imported_at": t.utcnow(),
            "validation": validation,
        },
    ).scalar_one()
    geoms = people.geometry.to_numpy()
    rows = []
    for i, record in enumerate(people.itertuples(index=False)):
        geom = geoms[i]
        rows.append(
            {
                "staff_id": str(record.staff_id),
                "role": str(record.role),
                "name": _text(getattr(record, "name", None)),
                "phone": _text(getattr(record, "phone", None)),
                "synthetic": bool(getattr(record, "synthetic", False) or False),
                "import_id": import_id,
                "geom": None
                if geom is None or geom.is_empty
                else WKBElement(shapely.to_wkb(geom, output_dimension=2), srid=t.SRID),
            }
        )
    if rows:
        conn.execute(insert(_STAFF), rows)
    pairs = assignments[["staff_id", "grid_code"]].drop_duplicates()
    if len(pairs):
        records = [
            {"staff_id": staff_id, "grid_code": code}
            for staff_id, code in pairs.astype(str).itertuples(index=False)
        ]
        conn.execute(insert(_ASSIGN), records)
    bump_data_version(conn, STAFF_LAYER)
    return int(import_id)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def read_staff(bind: Engine | Connection, *, include_personal: bool = False) -> gpd.GeoDataFrame:
    """Everyone in the registry (staff_id, role, grid_codes joined by ';', base location in
    EPSG:4326 or None); name and phone only when ``include_personal``."""
    columns = [_STAFF.c.staff_id, _STAFF.c.role]
    if include_personal:
        columns += [_STAFF.c.name, _STAFF.c.phone]
    stmt = select(*columns, func.ST_AsBinary(_STAFF.c.geom).label("wkb")).order_by(
        _STAFF.c.staff_id
    )
    frame = pd.DataFrame(fetch_all(bind, stmt), columns=[c.name for c in columns] + ["wkb"])
    wkb = frame.pop("wkb").map(lambda v: bytes(v) if v is not None else None).to_numpy()
    geometry: Any = shapely.from_wkb(wkb) if len(wkb) else []
    codes = read_assignments(bind).groupby("staff_id")["grid_code"].agg(";".join)
    frame.insert(2, "grid_codes", frame["staff_id"].map(codes).fillna(""))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"))


def read_assignments(bind: Engine | Connection) -> pd.DataFrame:
    """One row per (staff_id, role, grid_code), ordered."""
    stmt = (
        select(_ASSIGN.c.staff_id, _STAFF.c.role, _ASSIGN.c.grid_code)
        .join(_STAFF, _STAFF.c.staff_id == _ASSIGN.c.staff_id)
        .order_by(_ASSIGN.c.staff_id, _ASSIGN.c.grid_code)
    )
    return pd.DataFrame(fetch_all(bind, stmt), columns=["staff_id", "role", "grid_code"])


def incident_rows(
    bind: Engine | Connection,
    plan_id: int,
    *,
    level: str = "basic",
    start: datetime | None = None,
    end: datetime | None = None,
    category: str | None = None,
) -> pd.DataFrame:
    """Incidents attributed to ``level`` grids of a plan: columns code and reported_at (UTC),
    in a time window and for a category code prefix (e.g. '03'); outside any grid left out."""
    code = _FACTS.c.micro_code if level == "micro" else _FACTS.c.basic_code
    stmt = select(code.label("code"), _FACTS.c.reported_at).where(
        _FACTS.c.plan_id == plan_id, code.is_not(None)
    )
    stmt = _window(stmt, start, end, category)
    frame = pd.DataFrame(fetch_all(bind, stmt), columns=["code", "reported_at"])
    frame["reported_at"] = pd.to_datetime(frame["reported_at"], utc=True)
    return frame


def _window(stmt: Any, start: datetime | None, end: datetime | None, category: str | None) -> Any:
    """``stmt`` limited to incidents reported in [start, end) of a category code prefix."""
    if start is not None:
        stmt = stmt.where(_FACTS.c.reported_at >= start)
    if end is not None:
        stmt = stmt.where(_FACTS.c.reported_at < end)
    if category:
        stmt = stmt.where(func.substr(_FACTS.c.class_code, 1, len(category)) == category)
    return stmt


def incident_points(
    bind: Engine | Connection,
    plan_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    category: str | None = None,
) -> gpd.GeoSeries:
    """Locations (EPSG:4326) of the incidents inside a basic grid of the plan, filtered alike."""
    incidents = t.table_of(Incident)
    stmt = (
        select(func.ST_AsBinary(incidents.c.geom))
        .join(_FACTS, _FACTS.c.incident_id == incidents.c.id)
        .where(_FACTS.c.plan_id == plan_id, _FACTS.c.basic_code.is_not(None))
    )
    stmt = _window(stmt, start, end, category)
    wkb = [bytes(row[0]) for row in fetch_all(bind, stmt)]
    return gpd.GeoSeries(shapely.from_wkb(wkb) if wkb else [], crs="EPSG:4326")


def data_key(
    bind: Engine | Connection, plan_id: int, layers: tuple[str, ...]
) -> tuple[str, dict[str, int]]:
    """The data versions a result of ``plan_id`` depends on, as a key and a dict."""
    current = data_versions(bind)
    names = {"plan": plan_layer(plan_id), "incidents": INCIDENTS, "staff": STAFF_LAYER}
    versions = {name: current.get(names[name], 0) for name in layers}
    return ";".join(f"{k}={v}" for k, v in sorted(versions.items())), versions


def params_key(params: dict[str, Any]) -> str:
    """A stable hash of a result's parameters."""
    text = json.dumps(params, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def save_result(
    conn: Connection,
    *,
    kind: str,
    plan_id: int,
    level: str,
    params: dict[str, Any],
    versions: tuple[str, dict[str, int]],
    summary: dict[str, Any],
    values: pd.DataFrame,
) -> int:
    """Store one result (``values`` indexed by grid code) replacing the same kind, plan, level,
    parameters and data versions. Returns its id."""
    key, version_map = versions
    pkey = params_key(params)
    old = select(_RESULTS.c.id).where(
        _RESULTS.c.kind == kind,
        _RESULTS.c.plan_id == plan_id,
        _RESULTS.c.level == level,
        _RESULTS.c.params_key == pkey,
        _RESULTS.c.data_key == key,
    )
    for (result_id,) in conn.execute(old).all():
        conn.execute(delete(_VALUES).where(_VALUES.c.result_id == result_id))
        conn.execute(delete(_RESULTS).where(_RESULTS.c.id == result_id))
    result_id = conn.execute(
        insert(_RESULTS).returning(_RESULTS.c.id),
        {
            "kind": kind,
            "plan_id": plan_id,
            "level": level,
            "params_key": pkey,
            "data_key": key,
            "params": json.loads(json.dumps(params, default=str)),
            "versions": version_map,
            "summary": json.loads(json.dumps(summary, default=str)),
            "created_at": t.utcnow(),
        },
    ).scalar_one()
    records = json.loads(values.to_json(orient="index", default_handler=str))
    rows = [{"result_id": result_id, "code": str(c), "values": v} for c, v in records.items()]
    if rows:
        conn.execute(insert(_VALUES), rows)
    bump_data_version(conn, RESULTS_LAYER)
    return int(result_id)


def read_result(
    bind: Engine | Connection,
    *,
    kind: str,
    plan_id: int,
    level: str | None = None,
    current_only: bool = True,
) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    """The newest stored result of a kind for a plan (only one computed from the current data
    versions when ``current_only``): its record and a GeoDataFrame of values per grid code,
    with the grid geometry (EPSG:4326). NotFound when there is none."""
    plan_info(bind, plan_id)
    stmt = select(_RESULTS).where(_RESULTS.c.kind == kind, _RESULTS.c.plan_id == plan_id)
    if level is not None:
        stmt = stmt.where(_RESULTS.c.level == level)
    rows = [dict(r._mapping) for r in fetch_all(bind, stmt.order_by(_RESULTS.c.id.desc()))]
    if current_only:
        current = data_versions(bind)
        rows = [r for r in rows if _is_current(r["versions"], current, plan_id, lagging=set())]
    if not rows:
        raise NotFound(f"no current {kind} result for plan {plan_id}; compute it first")
    record = rows[0]
    values: list[Any] = fetch_all(
        bind, select(_VALUES.c.code, _VALUES.c["values"]).where(_VALUES.c.result_id == record["id"])
    )
    table = pd.DataFrame([row[1] for row in values], index=[str(row[0]) for row in values])
    level = None if record["level"] == "all" else record["level"]
    grids = read_plan(bind, plan_id, level)[["code", "geometry"]].set_index("code")
    joined = grids.join(table, how="inner")
    joined.index.name = "code"
    return record, gpd.GeoDataFrame(joined.reset_index(), geometry="geometry", crs="EPSG:4326")


def current_result_id(
    bind: Engine | Connection,
    *,
    kind: str,
    plan_id: int,
    level: str,
    incidents_may_be_newer: bool = False,
) -> int | None:
    """Id of the newest result of ``kind`` for ``plan_id`` covering ``level`` (a result of
    level "all" covers every level) computed from the current data versions, or None.

    ``incidents_may_be_newer``: a result of the current plan and staff registry stays
    usable after incidents arrived (a map's colours between two analyses: a command centre
    takes incidents all day, and a result of this morning's incidents is what it shows)."""
    stmt = select(_RESULTS.c.id, _RESULTS.c.versions).where(
        _RESULTS.c.kind == kind,
        _RESULTS.c.plan_id == plan_id,
        _RESULTS.c.level.in_([level, "all"]),
    )
    current = data_versions(bind)
    rows: list[Any] = fetch_all(bind, stmt.order_by(_RESULTS.c.id.desc()))
    lagging = {"incidents"} if incidents_may_be_newer else set()
    for row in rows:
        if _is_current(row[1], current, plan_id, lagging=lagging):
            return int(row[0])
    return None


def hotspot_method(bind: Engine | Connection, result_id: int) -> str | None:
    """How the bins of hot-spot result ``result_id`` were made, as one legend line (inference,
    correction; see :func:`geogrid.layers.gi_method.stored_method`), or None without it."""
    stmt = select(_RESULTS.c.params, _RESULTS.c.summary).where(
        _RESULTS.c.id == result_id, _RESULTS.c.kind == "hotspots"
    )
    rows: list[Any] = fetch_all(bind, stmt)
    return stored_method(rows[0][0] or {}, rows[0][1] or {}) if rows else None


def _is_current(
    versions: dict[str, int], current: dict[str, int], plan_id: int, *, lagging: set[str]
) -> bool:
    names = {"plan": plan_layer(plan_id), "incidents": INCIDENTS, "staff": STAFF_LAYER}
    return all(current.get(names[k], 0) == v for k, v in versions.items() if k not in lagging)


__all__ = [
    "RESULTS_LAYER",
    "STAFF_LAYER",
    "current_result_id",
    "data_key",
    "incident_rows",
    "read_assignments",
    "read_result",
    "read_staff",
    "save_result",
    "save_staff",
]
