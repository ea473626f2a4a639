"""``/open311/v2``: an Open311 GeoReport v2 facade over incidents, JSON and XML.

``GET services.{format}``, ``GET requests.{format}``, ``POST requests.{format}`` (form-encoded,
as the standard says; JSON is accepted too) and ``GET requests/{id}.{format}``. The mapping of
fields lives in :mod:`geogrid.incidents.open311`; the writes go through the same incident layer
as ``/incidents``. Errors answer in the GeoReport form (``[{"code", "description"}]`` or
``<errors>``) with the HTTP status of the error table.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute

from geogrid.api.access import INCIDENT_WRITERS, Principal, PrincipalDep, current_principal
from geogrid.api.deps import SettingsDep, StoreDep
from geogrid.api.errors import status_for
from geogrid.api.incident_deps import (
    TEXT,
    FeedDep,
    check_sees,
    incident_write,
    local_time,
    within,
)
from geogrid.errors import Forbidden, GeogridError, InputError, NotFound, Unauthorized
from geogrid.incidents import open311
from geogrid.incidents.taxonomy import default_taxonomy
from geogrid.incidents.workflow import Status
from geogrid.store import tables as t
from geogrid.store._unlocated import unlocated_incidents
from geogrid.store.access import find_api_key
from geogrid.store.incident_bulk import import_incidents
from geogrid.store.incident_feed import sees
from geogrid.store.incident_query import (
    IncidentFilter,
    find_incidents,
    incident_grid_codes,
    last_events,
)
from geogrid.store.incidents import report_incident

Format = Literal["json", "xml"]
OPEN_STATES = tuple(s.value for s in Status if s not in open311.CLOSED_FOR_OPEN311)
CLOSED_STATES = tuple(s.value for s in open311.CLOSED_FOR_OPEN311)
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90


class Open311Route(APIRoute):
    """Answers geogrid errors in the GeoReport v2 error form, in the format the path asks."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except GeogridError as exc:
                status = status_for(exc)
                error = {"code": status, "description": str(exc)}
                if request.url.path.endswith(".xml"):
                    body = open311.to_xml("errors", "error", [error])
                    return Response(body, status_code=status, media_type="application/xml")
                return JSONResponse([error], status_code=status)

        return handle


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)


def _render(fmt: str, root: str, item: str, rows: list[dict[str, Any]], status: int = 200) -> Any:
    if fmt == "xml":
        return Response(open311.to_xml(root, item, rows), status, media_type="application/xml")
    return JSONResponse(rows, status_code=status)


# Open311 answers in JSON or XML, by the path's suffix: say both in the OpenAPI document.
_BOTH: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/xml": {"schema": {"type": "string"}},
        }
    },
    "4XX": {  # Open311 errors: a list of {code, description}, in the request's format
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/xml": {"schema": {"type": "string"}},
            "application/problem+json": {"schema": {"type": "object"}},
        }
    },
}


@router.get("/services.{format}", responses=_BOTH)
def services(format: Format, principal: PrincipalDep) -> Any:
    """The services: one per sub-category of the responsibility list."""
    return _render(format, "services", "service", open311.services(default_taxonomy()))


@router.get("/requests.{format}", responses=_BOTH)
def requests(
    format: Format,
    store: StoreDep,
    principal: PrincipalDep,
    service_request_id: Annotated[str | None, Query(max_length=2000, pattern=TEXT)] = None,
    service_code: Annotated[str | None, Query(max_length=200, pattern=r"^[0-9,\s]*$")] = None,
    start_date: Annotated[Any, Query(description="ISO 8601")] = None,
    end_date: Annotated[Any, Query(description="ISO 8601")] = None,
    status: Annotated[str | None, Query(max_length=20, description="open, closed")] = None,
) -> Any:
    """Service requests of the caller's jurisdiction: by ids (comma separated), or the last 90
    days (at most 1000) filtered by service code, dates and status."""
    filters = _filters(service_request_id, service_code, start_date, end_date, status)
    rows, _ = find_incidents(store.engine, filters, within=within(principal), limit=MAX_REQUESTS)
    views = _views(store, rows)
    if sees(principal.jurisdiction, None):  # address-only requests have no grid yet
        views += _unlocated_views(store, filters)[: MAX_REQUESTS - len(views)]
    return _render(format, "service_requests", "request", views)


def _unlocated_views(store: Any, filters: IncidentFilter) -> list[dict[str, Any]]:
    """The kept address-only requests that match the filters, as GeoReport requests without
    lat/long (GeoReport v2 allows a request located by its address alone); they are open."""
    if filters.status and not set(filters.status) & set(OPEN_STATES):
        return []
    with store.engine.connect() as conn:
        kept = unlocated_incidents(conn)
    names = _service_names()
    out = []
    for row in kept:
        code = (row["record"] or {}).get("subcategory_code") or row["category_code"] or ""
        at = row["reported_at"] or row["flagged_at"]
        at = at if at is None or at.tzinfo is not None else at.replace(tzinfo=UTC)
        if (
            (filters.refs and row["ref"] not in filters.refs)
            or (filters.category and not str(code).startswith(tuple(filters.category)))
            or (filters.start is not None and (at is None or at < filters.start))
            or (filters.end is not None and (at is None or at >= filters.end))
        ):
            continue
        out.append(open311.unlocated_request(row, service_name=names.get(code)))
    return out


@router.get("/requests/{service_request_id}.{format}", responses=_BOTH)
def one_request(
    service_request_id: Annotated[str, Path(max_length=64, pattern=TEXT)],
    format: Format,
    store: StoreDep,
    principal: PrincipalDep,
) -> Any:
    """One service request (a list of one, as the standard has it)."""
    rows, _ = find_incidents(store.engine, IncidentFilter(refs=[service_request_id]), limit=1)
    if rows:
        check_sees(principal, rows[0]["basic_code"], what=f"service request {service_request_id}")
        return _render(format, "service_requests", "request", _views(store, rows))
    with store.engine.connect() as conn:
        kept = [u for u in unlocated_incidents(conn) if u["ref"] == service_request_id]
    if not kept:
        raise NotFound(f"service request {service_request_id} does not exist")
    check_sees(principal, None, what=f"service request {service_request_id}")
    code = kept[0]["record"].get("subcategory_code") or kept[0]["category_code"]
    view = open311.unlocated_request(kept[0], service_name=_service_names().get(code))
    return _render(format, "service_requests", "request", [view])


@router.post(
    "/requests.{format}",
    status_code=201,
    responses={201: _BOTH[200], "4XX": _BOTH["4XX"]},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["service_code"],
                        "properties": {
                            name: {"type": "string"}
                            for name in (
                                "api_key",
                                "service_code",
                                "lat",
                                "long",
                                "address_string",
                                "address_id",
                                "email",
                                "device_id",
                                "account_id",
                                "first_name",
                                "last_name",
                                "phone",
                                "description",
                                "media_url",
                            )
                        },
                    }
                }
            }
        }
    },
)
async def post_request(
    format: Format, request: Request, store: StoreDep, settings: SettingsDep, hub: FeedDep
) -> Any:
    """File a service request: ``service_code`` and ``lat``/``long`` (WGS 84) or an address;
    ``api_key`` in the form or the usual headers, with the dispatcher or admin role."""
    form = await _form(request)
    principal = await run_in_threadpool(_writer, request, store, settings, form)
    ref = f"311-{uuid.uuid4().hex[:16]}"
    record = open311.incident_record(form, ref=ref) | {"reported_at": t.utcnow().isoformat()}
    unlocated = open311.is_unlocated(form)

    def write() -> None:
        with incident_write(store, hub, principal, "open311.request", ref) as conn:
            if unlocated:  # kept for a dispatcher to place (the intake's unlocated records)
                import_incidents(
                    conn,
                    pd.DataFrame([record]),
                    source_file=f"open311 request {ref}",
                    fmt="open311",
                    actor=principal.actor,
                )
                return
            stored = report_incident(conn, record, actor=principal.actor, source="open311")
            basic, _ = incident_grid_codes(conn, stored["id"])
            check_sees(principal, basic, what=f"service request {ref}")

    await run_in_threadpool(write)
    notice = "kept unlocated: a dispatcher will place it" if unlocated else None
    answer = {"service_request_id": ref, "service_notice": notice, "account_id": None}
    return _render(format, "service_requests", "request", [answer], status=201)


async def _form(request: Request) -> dict[str, Any]:
    """The POSTed fields: form-encoded (the standard) or a JSON object."""
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            doc = json.loads(body or b"{}")
        except ValueError as exc:
            raise InputError(f"the body is not JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise InputError("the body must be a JSON object of request fields")
        return _checked({str(k): v for k, v in doc.items()})
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as exc:
        raise InputError(f"the form is not UTF-8: {exc}") from exc
    form = {k: v[-1] for k, v in fields.items()}
    return _checked(form)


def _checked(form: dict[str, Any]) -> dict[str, Any]:
    """The fields, refused with a named field when one holds a NUL character."""
    for name, value in form.items():
        if "\x00" in str(name) + str(value):
            raise InputError("a field holds a NUL character", field=str(name))
    if not form.get("service_code"):
        raise InputError("a service request needs a service_code", field="service_code")
    return form


def _writer(request: Request, store: Any, settings: Any, form: dict[str, Any]) -> Principal:
    """The principal of the form's ``api_key`` (GeoReport's way) or of the request headers."""
    key = form.pop("api_key", None)
    if key:
        record = find_api_key(store.engine, str(key))
        if record is None:
            raise Unauthorized("the api_key is unknown or revoked")
        principal = Principal(record.name, record.role, record.jurisdiction)
    else:
        principal = current_principal(request, store, settings)
    if principal.role not in INCIDENT_WRITERS:
        raise Forbidden(f"role {principal.role.value} may not file service requests")
    return principal


def _filters(
    ids: str | None, code: str | None, start: Any, end: Any, status: str | None
) -> IncidentFilter:
    refs = [r.strip() for r in (ids or "").split(",") if r.strip()]
    if refs:
        return IncidentFilter(refs=refs)
    states: tuple[str, ...] = ()
    for word in (status or "").split(","):
        word = word.strip().lower()
        if word and word not in ("open", "closed"):
            raise InputError(f"unknown status {word!r}; use open or closed", field="status")
        states += OPEN_STATES if word == "open" else CLOSED_STATES if word == "closed" else ()
    begin, finish = (_date(start, "start_date"), _date(end, "end_date"))
    if begin is None:
        begin = (finish or t.utcnow()) - timedelta(days=DEFAULT_DAYS)
    codes = [c.strip() for c in (code or "").split(",") if c.strip()]
    return IncidentFilter(status=states, category=codes, start=begin, end=finish)


def _date(value: Any, name: str) -> Any:
    if value is None or value == "":
        return None
    try:
        return local_time(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        raise InputError(f"{value!r} is not an ISO 8601 date or time", field=name) from None


def _service_names() -> dict[str, str]:
    return {e.code: e.name for e in default_taxonomy().entries.values()}


def _views(store: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = _service_names()
    events = last_events(store.engine, [r["id"] for r in rows])
    return [
        open311.service_request(
            row,
            service_name=names.get(row.get("subcategory_code") or row["category_code"]),
            last_event=events.get(row["id"]),
        )
        for row in rows
    ]
