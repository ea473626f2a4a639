"""``/incidents``: report, bulk import, find, read, and every workflow transition.

The routes call the incident layer the CLI calls (:mod:`geogrid.store.incidents`,
:mod:`geogrid.store.incident_bulk`), so a refused transition or a bad record answers with the
same message (409 / 400 as problem details). Writes need the dispatcher or admin role and stay
inside the writer's jurisdiction; reads see only their jurisdiction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import geopandas as gpd
import shapely
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, text

from geogrid.api.access import PrincipalDep
from geogrid.api.deps import StoreDep
from geogrid.api.incident_deps import (
    TEXT,
    CategoryCode,
    CodePrefix,
    FeedDep,
    IncidentWriter,
    Text,
    check_sees,
    incident_write,
    local_time,
    within,
)
from geogrid.crs import to_storage_crs
from geogrid.errors import Forbidden, InputError
from geogrid.incidents.formats import parse_incident_bytes
from geogrid.incidents.workflow import ACTIONS, Status, allowed_actions
from geogrid.store._bind import MAX_ID
from geogrid.store._unlocated import unlocated_incidents
from geogrid.store.incident_bulk import import_incidents, place_unlocated
from geogrid.store.incident_feed import jurisdiction_sql, record_import_events
from geogrid.store.incident_query import IncidentFilter, find_incidents, incident_grid_codes
from geogrid.store.incidents import (
    flag_overdue,
    get_incident,
    incident_events,
    report_incident,
    transition,
)

router = APIRouter(prefix="/incidents", tags=["incidents"])
Crs = Literal["EPSG:4326", "EPSG:4490", "gcj02", "bd09"]


class IncidentIn(BaseModel):
    """One incident as a grid worker's app or a hotline reports it."""

    model_config = ConfigDict(extra="forbid")

    ref: Text | None = Field(None, min_length=1, max_length=64, description="generated if absent")
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    crs: Crs = Field("EPSG:4326", description="CRS of lon/lat; normalised to WGS 84")
    category: Text = Field(max_length=64, description="code (01, 0101, 010101) or exact name")
    reported_at: datetime | None = Field(None, description="default: now")
    priority: Literal["red", "yellow", "blue"] | None = None
    description: Text = Field("", max_length=4000)
    reporter: Text | None = Field(None, max_length=100)
    photos: list[Annotated[Text, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=20, description="photo references (URLs or ids)"
    )


class ActionIn(BaseModel):
    """The options of a workflow action (which ones apply depends on the action)."""

    model_config = ConfigDict(extra="forbid")

    note: Text = Field("", max_length=2000)
    department: Text | None = Field(None, max_length=60, description="dispatch")
    level: Literal["community", "street", "district"] | None = Field(None, description="dispatch")
    reason: Literal["invalid", "duplicate"] | None = Field(None, description="reject")
    satisfied: bool | None = Field(None, description="evaluate")
    at: datetime | None = Field(None, description="when it happened; default now")


def _detail(conn: Connection, incident_id: int) -> dict[str, Any]:
    incident = get_incident(conn, incident_id)
    incident["basic_code"], incident["micro_code"] = incident_grid_codes(conn, incident_id)
    incident["allowed_actions"] = allowed_actions(incident["status"])
    return incident


@router.post("", status_code=201)
def report(body: IncidentIn, store: StoreDep, hub: FeedDep, principal: IncidentWriter) -> Any:
    """File one incident (with photo references); 201 with the stored incident."""
    record = body.model_dump(exclude={"crs"}, exclude_none=True)
    if body.reported_at is not None:
        record["reported_at"] = local_time(body.reported_at).isoformat()  # type: ignore[union-attr]
    record["photos"] = body.photos or None
    with incident_write(store, hub, principal, "incident.report", body.ref or "new") as conn:
        stored = report_incident(
            conn, record, actor=principal.actor, source_crs=body.crs, source="api"
        )
        incident = _detail(conn, stored["id"])
        check_sees(principal, incident["basic_code"], what=f"incident {incident['ref']}")
    return incident


@router.post("/import", status_code=201)
async def bulk_import(
    request: Request,
    store: StoreDep,
    hub: FeedDep,
    principal: IncidentWriter,
    format: Annotated[Literal["csv", "geojson", "open311"], Query()] = "csv",
    source_crs: Annotated[Crs, Query()] = "EPSG:4326",
    name: Annotated[str, Query(max_length=200, pattern=TEXT)] = "upload",
) -> dict[str, Any]:
    """Import a CSV, GeoJSON or Open311 JSON body: every record or none (bad records listed).

    Every record must lie inside the importer's jurisdiction."""
    body = await request.body()
    frame = parse_incident_bytes(body, format, name=name)
    if (
        frame.astype(str)
        .apply(lambda column: column.str.contains("\x00", regex=False))
        .any(axis=None)
    ):
        raise InputError("a record holds a NUL character", file=name)
    return await run_in_threadpool(_import, store, hub, principal, frame, format, source_crs, name)


def _import(
    store: Any, hub: Any, principal: Any, frame: Any, fmt: str, crs: str, name: str
) -> dict[str, Any]:
    if frame.empty:
        raise InputError("the body holds no incident records", file=name)
    with incident_write(store, hub, principal, "incident.import", name) as conn:
        summary = import_incidents(
            conn, frame, source_file=name, fmt=fmt, source_crs=crs, actor=principal.actor
        )
        _check_import_inside(conn, int(summary.import_id or 0), principal.jurisdiction, name)
        record_import_events(conn, int(summary.import_id or 0), actor=principal.actor)
    return {
        "import_id": summary.import_id,
        "count": summary.count,
        "plan_id": summary.plan_id,
        "attributed": summary.attributed,
        "outside_grids": summary.outside_grids,
        "unlocated": summary.unlocated,
        "flags": summary.flags,
        # how a CSV body was read: a ';' sheet read in one column would show why
        "delimiter": frame.attrs.get("delimiter"),
    }


def _check_import_inside(conn: Connection, import_id: int, jurisdiction: str, name: str) -> None:
    """Forbidden (and nothing kept) when an imported record lies outside the jurisdiction."""
    if not jurisdiction:
        return
    clause, params = jurisdiction_sql("g.basic_code", jurisdiction)
    outside = conn.execute(
        text(
            "SELECT i.ref FROM incidents i LEFT JOIN incident_grids g ON g.incident_id = i.id"
            " AND g.plan_id = (SELECT id FROM grid_plans WHERE status = 'published')"
            f" WHERE i.import_id = :import_id AND NOT ({clause}) LIMIT 5"
        ),
        params | {"import_id": import_id},
    ).all()
    if outside:
        refs = ", ".join(r.ref for r in outside)
        raise Forbidden(
            f"{name}: records outside jurisdiction {jurisdiction} (e.g. {refs}); nothing imported"
        )


@router.get("")
def find(
    store: StoreDep,
    principal: PrincipalDep,
    status: Annotated[list[Status] | None, Query(description="workflow states")] = None,
    category: Annotated[list[CategoryCode] | None, Query(description="category codes")] = None,
    code: Annotated[CodePrefix | None, Query(description="grid/community/street code")] = None,
    start: Annotated[datetime | None, Query(description="reported at or after")] = None,
    end: Annotated[datetime | None, Query(description="reported before")] = None,
    overdue: bool | None = None,
    source: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,20}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> dict[str, Any]:
    """Incidents of the caller's jurisdiction, newest first, filtered; ``total`` counts all."""
    filters = IncidentFilter(
        status=[s.value for s in status or []],
        category=category or [],
        code=code,
        start=local_time(start),
        end=local_time(end),
        overdue=overdue,
        source=source,
    )
    rows, total = find_incidents(
        store.engine, filters, within=within(principal), limit=limit, offset=offset
    )
    return {"total": total, "limit": limit, "offset": offset, "incidents": rows}


@router.post("/overdue")
def sweep_overdue(store: StoreDep, hub: FeedDep, principal: IncidentWriter) -> dict[str, Any]:
    """Flag incidents past their handling deadline and escalate the dispatched ones (the
    sweep covers the whole store, so it needs a district-wide or unrestricted key)."""
    if len(principal.jurisdiction) > 6:
        raise Forbidden("the overdue sweep covers the whole district; use a district-wide key")
    with incident_write(store, hub, principal, "incident.overdue", "all") as conn:
        flagged = flag_overdue(conn, actor=principal.actor)
    return {"flagged": flagged, "count": len(flagged)}


@router.get("/{incident_id:int}")
def read(store: StoreDep, principal: PrincipalDep, incident_id: int) -> dict[str, Any]:
    """One incident with its grid codes, the actions allowed now, and its history."""
    with store.engine.connect() as conn:
        incident = _detail(conn, incident_id)
        check_sees(principal, incident["basic_code"], what=f"incident {incident_id}")
        incident["events"] = incident_events(conn, incident_id)
    return incident


@router.get("/{incident_id:int}/events")
def events(store: StoreDep, principal: PrincipalDep, incident_id: int) -> list[dict[str, Any]]:
    """Every recorded transition of one incident, oldest first."""
    basic, _ = incident_grid_codes(store.engine, incident_id)
    check_sees(principal, basic, what=f"incident {incident_id}")
    return incident_events(store.engine, incident_id)


@router.post("/{incident_id:int}/actions/{action}")
def act(
    store: StoreDep,
    hub: FeedDep,
    principal: IncidentWriter,
    incident_id: int,
    action: Annotated[str, Path(max_length=40, pattern=TEXT, description=", ".join(ACTIONS))],
    body: ActionIn | None = None,
) -> dict[str, Any]:
    """Apply one workflow action; 409 when the state does not allow it, 400 when an option is
    missing (a dispatch without department, a rejection without reason)."""
    options = body or ActionIn.model_validate({})
    target = f"incident {incident_id}"
    with incident_write(store, hub, principal, f"incident.{action}", target) as conn:
        basic, _ = incident_grid_codes(conn, incident_id)
        check_sees(principal, basic, what=target)
        transition(
            conn,
            incident_id,
            action,
            actor=principal.actor,
            at=local_time(options.at),
            note=options.note,
            department=options.department,
            level=options.level,
            reason=options.reason,
            satisfied=options.satisfied,
        )
        return _detail(conn, incident_id)


class PlaceIn(BaseModel):
    """Where an address-only record lies (what a dispatcher found for its address)."""

    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    crs: Crs = Field("EPSG:4326", description="CRS of lon/lat; normalised to WGS 84")


@router.get("/unlocated")
def unlocated(store: StoreDep, principal: IncidentWriter) -> list[dict[str, Any]]:
    """Records kept with an address but no coordinates, oldest first, for a dispatcher to
    place (dispatcher or admin keys: they have no grid yet, so no jurisdiction holds them)."""
    del principal
    keys = ("ref", "address", "category_code", "reported_at", "flagged_at", "import_id")
    with store.engine.connect() as conn:
        kept = unlocated_incidents(conn)
    return [
        {k: row[k] for k in keys} | {"description": (row["record"] or {}).get("description")}
        for row in kept
    ]


@router.post("/unlocated/{ref}/place", status_code=201)
def place(
    store: StoreDep,
    hub: FeedDep,
    principal: IncidentWriter,
    ref: Annotated[str, Path(min_length=1, max_length=64, pattern=TEXT)],
    body: PlaceIn,
) -> dict[str, Any]:
    """Place an address-only record (as ``geogrid incidents place`` does): it becomes a stored
    incident attributed to its grids, with a ``place`` event on the feed. The place must lie in
    the dispatcher's jurisdiction (403, nothing stored, otherwise)."""
    lon, lat = _wgs84(body.lon, body.lat, body.crs)
    with incident_write(store, hub, principal, "incident.place", f"unlocated {ref}") as conn:
        place_unlocated(conn, ref, lon, lat, actor=principal.actor)
        incident_id = conn.execute(
            text("SELECT id FROM incidents WHERE ref = :ref"), {"ref": ref}
        ).scalar_one()
        incident = _detail(conn, int(incident_id))
        check_sees(principal, incident["basic_code"], what=f"incident {ref} placed there")
    return incident


def _wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """lon/lat in ``crs`` (WGS 84, CGCS2000, GCJ-02, BD-09) as WGS 84."""
    if crs == "EPSG:4326":
        return lon, lat
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(lon, lat)], crs=None)
    out, _ = to_storage_crs(frame, source_crs=crs)
    point = out.geometry.iloc[0]
    return float(point.x), float(point.y)
