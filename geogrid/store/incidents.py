"""Incident repository: intake of one incident, workflow transitions, the overdue sweep, reads.

Every function works inside the caller's transaction (``with store.transaction() as conn``), so a
refused transition or a bad record changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, func, insert, select, update

from geogrid.crs import STORAGE_CRS
from geogrid.errors import Conflict, InputError, NotFound
from geogrid.incidents.deadlines import CHINESE_WEEK, WorkCalendar
from geogrid.incidents.intake import canonical_columns
from geogrid.incidents.taxonomy import Taxonomy
from geogrid.incidents.workflow import CLOSED_STATES, State, Status, apply
from geogrid.store import incident_tables as it
from geogrid.store import tables as t
from geogrid.store._bind import existing_id, fetch_all, store_kind
from geogrid.store._incident_copy import LoadTarget
from geogrid.store._incident_sql import bind_time, utc
from geogrid.store.incident_bulk import PlanGrids, prepare_records, write_records
from geogrid.store.incident_feed import record_events
from geogrid.store.incident_tables import grid_facts
from geogrid.store.plans import published_plan_id
from geogrid.store.versions import INCIDENTS, bump_data_version

_INCIDENTS = t.table_of(it.Incident)
_EVENTS = t.table_of(it.IncidentEvent)
_INCIDENT_GRIDS = t.table_of(it.IncidentGrid)
_GRIDS = t.table_of(t.Grid)
_NEAR_DEG = 0.1  # grids within ~10 km are enough to attribute one point and judge "far outside"
# A point inside a grid needs only the grids within ~1.7 km: GCJ-02 / BD-09 offsets are under
# 1 km. Reading this window first keeps a single report fast on a district of 5,000 grids.
_INSIDE_DEG = 0.015


def report_incident(
    conn: Connection,
    record: Mapping[str, Any],
    *,
    actor: str,
    source_crs: str = "EPSG:4326",
    plan_id: int | None = None,
    taxonomy: Taxonomy | None = None,
    calendar: WorkCalendar | None = CHINESE_WEEK,
    source: str = "app",
) -> dict[str, Any]:
    """File one incident: validate, normalise its location, attribute it to its grids, store it.

    ``record`` holds ``ref`` (generated when missing), ``lon``/``lat`` (or ``longitude``...),
    ``category``, ``reported_at`` (default: now), ``priority``, ``description``, ``reporter``,
    ``photos``. Bad input raises InputError naming the field, and the record where the caller
    gave its ref or id (a reference made up here names a report never filed); a stored id,
    Conflict.
    """
    data = dict(record)
    data.setdefault("reported_at", t.utcnow().isoformat())
    named = bool(data.get("ref") or data.get("id"))
    if not named:
        data["ref"] = f"INC-{t.utcnow():%Y%m%d%H%M%S%f}"
    plan_id = plan_id if plan_id is not None else published_plan_id(conn)
    frame = pd.DataFrame([data])
    grids = _grids_near(conn, plan_id, frame)
    batch, _ = prepare_records(
        conn,
        frame,
        source_crs=source_crs,
        plan_id=plan_id,
        taxonomy=taxonomy,
        calendar=calendar,
        source=source,
        grids=grids,
    )
    if batch.errors:
        problem = batch.errors[0]
        feature = problem.record if named else None
        raise InputError(problem.message, feature=feature, field=problem.field)
    records = batch.records
    ref = str(records["ref"].iloc[0])
    if bool(records["unlocated"].iloc[0]):
        flags = str(records["flags"].iloc[0])
        why = (
            "lon/lat 0,0 places nothing (an app without a position fix)"
            if "zero_position" in flags
            else "lon/lat are out of range"
            if "position_out_of_range" in flags
            else "the incident has an address but no lon/lat"
        )
        raise InputError(
            f"{why}; a single report needs coordinates (a bulk import keeps records without a "
            "position for a dispatcher to place)",
            feature=ref if named else None,
            field="location",
        )
    if conn.execute(select(_INCIDENTS.c.id).where(_INCIDENTS.c.ref == ref)).first():
        raise Conflict(f"incident {ref} already exists")
    records["status"] = Status.REPORTED.value
    write_records(conn, records, LoadTarget(plan_id=plan_id, import_id=None))
    incident_id = conn.execute(select(_INCIDENTS.c.id).where(_INCIDENTS.c.ref == ref)).scalar_one()
    reported = datetime.fromtimestamp(int(records["reported_at"].iloc[0]), tz=UTC)
    _event(
        conn,
        incident_id,
        action="report",
        before=None,
        after=Status.REPORTED.value,
        actor=actor,
        at=reported,
    )
    return get_incident(conn, incident_id)


def _grids_near(conn: Connection, plan_id: int | None, frame: pd.DataFrame) -> PlanGrids:
    """The basic and micro grids of the plan around the one record's location."""
    if plan_id is None:
        return None, None
    columns = canonical_columns(frame)
    if "lon" not in columns or "lat" not in columns:
        return None, None
    lon = pd.to_numeric(columns["lon"], errors="coerce")
    lat = pd.to_numeric(columns["lat"], errors="coerce")
    if lon.isna().any() or lat.isna().any():
        return None, None
    x, y = float(lon.iloc[0]), float(lat.iloc[0])
    if x == 0 and y == 0:  # an app without a position fix: the intake says so, not "far outside"
        return None, None
    rows = _grids_in_window(conn, plan_id, x, y, half=_INSIDE_DEG)
    if not _inside_a_basic_grid(rows, x, y):
        rows = _grids_in_window(conn, plan_id, x, y, half=_NEAR_DEG)
    basic, micro = (_level_frame(rows, level) for level in ("basic", "micro"))
    if basic is None:
        raise InputError(
            f"location ({x:.5f}, {y:.5f}) lies far outside the district: no grid of plan "
            f"{plan_id} within {_NEAR_DEG * 111:.0f} km",
            feature=str(columns["ref"].iloc[0]) if "ref" in columns else None,
            field="location",
        )
    return basic, micro


def _inside_a_basic_grid(rows: list[Any], x: float, y: float) -> bool:
    """Does a basic grid among (level, code, WKB) rows contain (x, y)? Then the small window
    holds every grid the point can belong to, or lie nearest to, after a datum shift."""
    point = shapely.Point(x, y)
    return any(
        level == "basic" and shapely.from_wkb(bytes(wkb)).covers(point) for level, _, wkb in rows
    )


def _grids_in_window(
    conn: Connection, plan_id: int, x: float, y: float, *, half: float
) -> list[Any]:
    """(level, code, WKB) of the basic and micro grids whose boxes meet a window of ``half``
    degrees around (x, y)."""
    box = shapely.box(x - half, y - half, x + half, y + half).wkt
    envelope = func.ST_GeomFromText(box, t.SRID)
    near = (
        _GRIDS.c.geom.op("&&")(envelope)
        if store_kind(conn) == "postgis"
        else func.MbrIntersects(_GRIDS.c.geom, envelope)
    )
    stmt = select(_GRIDS.c.level, _GRIDS.c.code, func.ST_AsBinary(_GRIDS.c.geom)).where(
        _GRIDS.c.plan_id == plan_id, _GRIDS.c.level.in_(("basic", "micro")), near
    )
    return list(conn.execute(stmt).all())


def _level_frame(rows: list[Any], level: str) -> gpd.GeoDataFrame | None:
    """The grids of one level among (level, code, WKB) rows; None when there are none."""
    picked = [(code, wkb) for row_level, code, wkb in rows if row_level == level]
    if not picked:
        return None
    return gpd.GeoDataFrame(
        {"code": [code for code, _ in picked]},
        geometry=[shapely.from_wkb(bytes(wkb)) for _, wkb in picked],
        crs=STORAGE_CRS,
    )


def get_incident(bind: Engine | Connection, incident_id: int) -> dict[str, Any]:
    """One incident with its current state, deadlines and location (lon/lat in WGS 84)."""
    x, y = _xy(bind)
    incident_id = existing_id(incident_id, "incident")
    rows = fetch_all(
        bind,
        select(_INCIDENTS, x.label("lon"), y.label("lat")).where(_INCIDENTS.c.id == incident_id),
    )
    if not rows:
        raise NotFound(f"incident {incident_id} does not exist")
    out = {k: v for k, v in rows[0]._mapping.items() if k != "geom"}
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = utc(value)
    return out


def _xy(bind: Engine | Connection) -> tuple[Any, Any]:
    if store_kind(bind) == "postgis":
        return func.ST_X(_INCIDENTS.c.geom), func.ST_Y(_INCIDENTS.c.geom)
    return func.X(_INCIDENTS.c.geom), func.Y(_INCIDENTS.c.geom)


def incident_events(bind: Engine | Connection, incident_id: int) -> list[dict[str, Any]]:
    """Every recorded transition of an incident, oldest first."""
    stmt = select(_EVENTS).where(_EVENTS.c.incident_id == incident_id).order_by(_EVENTS.c.id)
    rows = fetch_all(bind, stmt)
    return [dict(r._mapping) | {"at": utc(r.at)} for r in rows]


def transition(
    conn: Connection,
    incident_id: int,
    action: str,
    *,
    actor: str,
    at: datetime | None = None,
    note: str = "",
    department: str | None = None,
    level: str | None = None,
    reason: str | None = None,
    satisfied: bool | None = None,
) -> dict[str, Any]:
    """Apply one workflow action and record it; IllegalTransition changes nothing."""
    state = _locked_state(conn, incident_id)
    when = utc(at) or t.utcnow()
    change = apply(
        state,
        action,
        at=when,
        incident=incident_id,
        department=department,
        level=level,
        reason=reason,
        satisfied=satisfied,
    )
    conn.execute(update(_INCIDENTS).where(_INCIDENTS.c.id == incident_id).values(**change.values))
    _event(
        conn,
        incident_id,
        action=action,
        before=state.status.value,
        after=change.after.status.value,
        actor=actor,
        at=when,
        note=note,
        details=change.details or None,
    )
    incident = get_incident(conn, incident_id)
    # keep the copy that statistics read in step, under every plan
    conn.execute(
        update(_INCIDENT_GRIDS)
        .where(_INCIDENT_GRIDS.c.incident_id == incident_id)
        .values(**grid_facts(incident))
    )
    bump_data_version(conn, INCIDENTS)
    return incident


def _locked_state(conn: Connection, incident_id: int) -> State:
    """The workflow state of an incident, locked against concurrent transitions on PostGIS."""
    stmt = select(
        _INCIDENTS.c.status,
        _INCIDENTS.c.dispatch_level,
        _INCIDENTS.c.department,
        _INCIDENTS.c.rework_count,
        _INCIDENTS.c.reopen_count,
        _INCIDENTS.c.escalation_count,
    ).where(_INCIDENTS.c.id == existing_id(incident_id, "incident"))
    if store_kind(conn) == "postgis":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).first()
    if row is None:
        raise NotFound(f"incident {incident_id} does not exist")
    return State(
        Status(row.status),
        row.dispatch_level,
        row.department,
        row.rework_count,
        row.reopen_count,
        row.escalation_count,
    )


def _event(
    conn: Connection,
    incident_id: int,
    *,
    action: str,
    before: str | None,
    after: str,
    actor: str,
    at: datetime,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Record one transition in incident_events, in feed order, and announce it."""
    record_events(
        conn,
        insert(_EVENTS),
        {
            "incident_id": incident_id,
            "action": action,
            "from_status": before,
            "to_status": after,
            "actor": actor,
            "at": at,
            "note": note,
            "details": details,
        },
    )


_NEXT_LEVEL = {"community": "street", "street": "district"}


@dataclass(frozen=True)
class OverdueChange:
    """What the overdue sweep does to one incident: flag it, and escalate it when dispatched."""

    id: int
    ref: str
    status: str
    department: str | None
    handling_due: datetime
    escalate_to: str | None  # the next dispatch level, or None: flagged only


def overdue_changes(conn: Connection, *, now: datetime | None = None) -> list[OverdueChange]:
    """The incidents the sweep would change at ``now``, oldest deadline first; changes nothing.

    Open incidents past their handling deadline and not flagged yet are flagged; those being
    handled below district level are also escalated one level.
    """
    now = utc(now) or t.utcnow()
    open_states = [s.value for s in Status if s not in CLOSED_STATES and s != Status.REJECTED]
    c = _INCIDENTS.c
    rows = conn.execute(
        select(c.id, c.ref, c.status, c.department, c.dispatch_level, c.handling_due)
        .where(
            c.status.in_(open_states),
            c.handling_due < bind_time(now, store_kind(conn)),
            c.overdue == False,  # noqa: E712
        )
        .order_by(c.handling_due, c.id)
    ).all()
    escalating = (Status.DISPATCHED.value, Status.HANDLING.value)
    return [
        OverdueChange(
            id=int(r.id),
            ref=str(r.ref),
            status=str(r.status),
            department=r.department,
            handling_due=utc(r.handling_due) or now,
            escalate_to=_NEXT_LEVEL.get(r.dispatch_level) if r.status in escalating else None,
        )
        for r in rows
    ]


def flag_overdue(
    conn: Connection, *, now: datetime | None = None, actor: str = "system"
) -> list[int]:
    """Apply :func:`overdue_changes`: flag each incident once, escalate the dispatched ones.

    Returns the ids newly flagged.
    """
    now = utc(now) or t.utcnow()
    changes = overdue_changes(conn, now=now)
    ids = [change.id for change in changes]
    if ids:
        conn.execute(update(_INCIDENTS).where(_INCIDENTS.c.id.in_(ids)).values(overdue=True))
        bump_data_version(conn, INCIDENTS)
    for change in changes:
        if change.escalate_to is not None:
            transition(
                conn,
                change.id,
                "escalate",
                actor=actor,
                at=now,
                note="overdue: escalated automatically",
            )
    return ids
