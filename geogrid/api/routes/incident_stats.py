"""``/incidents/stats``, ``/trend``, ``/ranking`` and ``/kpis``: the command centre's numbers,
as the incident layer computes them, for the caller's jurisdiction only."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from geogrid.api.access import Principal, PrincipalDep
from geogrid.api.deps import StoreDep
from geogrid.api.incident_deps import CategoryCode, CodePrefix, local_time, within
from geogrid.api.kpi_service import KpiService
from geogrid.errors import Forbidden
from geogrid.store._bind import MAX_ID
from geogrid.store.incident_kpis import json_records
from geogrid.store.incident_stats import department_ranking, incident_stats, incident_trend
from geogrid.store.kpi_answers import minute_key

router = APIRouter(prefix="/incidents", tags=["incident statistics"])
Start = Annotated[datetime | None, Query(description="reported at or after (naive: Beijing)")]
End = Annotated[datetime | None, Query(description="reported before (naive: Beijing)")]
Categories = Annotated[list[CategoryCode] | None, Query(description="category codes")]
Plan = Annotated[int | None, Query(ge=1, le=MAX_ID, description="grid plan (default: published)")]
AsOf = Annotated[datetime | None, Query(description="the moment to report on (default: now)")]
Code = Annotated[
    CodePrefix | None,
    Query(description="only this street, community or grid (a code inside the caller's area)"),
]


def scope(principal: Principal, code: str | None) -> str | None:
    """The code prefix a request reports on: the narrower of the caller's jurisdiction and
    ``code`` (a big screen drilling down); Forbidden when ``code`` lies outside it."""
    area = within(principal)
    if code is None or (area is not None and area.startswith(code)):
        return area
    if area is not None and not code.startswith(area):
        raise Forbidden(f"code {code} lies outside jurisdiction {area}")
    return code


@router.get("/stats")
def stats(
    store: StoreDep,
    principal: PrincipalDep,
    by: Literal[
        "basic", "micro", "community", "street", "district", "department", "category"
    ] = "basic",
    start: Start = None,
    end: End = None,
    category: Categories = None,
    plan_id: Plan = None,
) -> dict[str, Any]:
    """Reported, accepted, open, closed, overdue, on time, rework, satisfaction and their rates
    and medians (hours), one row per grid, community, street, department or category."""
    frame = incident_stats(
        store.engine,
        by=by,
        plan_id=plan_id,
        start=local_time(start, field="start"),
        end=local_time(end, field="end"),
        categories=category,
        within=within(principal),
    )
    return {"by": by, "rows": json_records(frame)}


@router.get("/trend")
def trend(
    store: StoreDep,
    principal: PrincipalDep,
    period: Literal["day", "week", "month"] = "month",
    start: Start = None,
    end: End = None,
    category: Categories = None,
) -> dict[str, Any]:
    """Reported, closed and on-time counts per day, week (from Monday) or month (Beijing)."""
    frame = incident_trend(
        store.engine,
        period=period,
        start=local_time(start, field="start"),
        end=local_time(end, field="end"),
        categories=category,
        within=within(principal),
    )
    return {"period": period, "rows": json_records(frame)}


@router.get("/ranking")
def ranking(
    store: StoreDep,
    principal: PrincipalDep,
    by: Literal["department", "street", "community", "basic"] = "department",
    start: Start = None,
    end: End = None,
    top: Annotated[int, Query(ge=1, le=50, description="entries on each list")] = 3,
    code: Code = None,
    as_of: AsOf = None,
) -> dict[str, Any]:
    """The red and black list: ranked by overdue and rework per accepted incident; ``code``
    ranks only inside one street or community (e.g. its communities or grids), ``as_of``
    decides what is overdue (as ``/kpis`` does)."""
    frame = department_ranking(
        store.engine,
        by=by,
        start=local_time(start, field="start"),
        end=local_time(end, field="end"),
        top=top,
        within=scope(principal, code),
        as_of=local_time(as_of, field="as_of"),
    )
    return {"by": by, "rows": json_records(frame)}


def get_kpis(request: Request) -> KpiService:
    """The process's KPI service (started by the app's lifespan)."""
    service: KpiService = request.app.state.kpis
    return service


async def kpi_principal(request: Request) -> Principal:
    """The caller, as the access rule says, without a thread hop for a key already checked."""
    request.state.kpi_started = time.perf_counter()
    return await get_kpis(request).principal(request)


@router.get("/kpis")
async def kpis(
    request: Request,
    principal: Annotated[Principal, Depends(kpi_principal)],
    service: Annotated[KpiService, Depends(get_kpis)],
    as_of: Annotated[
        datetime | None, Query(description="the moment to report on (default: now)")
    ] = None,
    code: Code = None,
) -> dict[str, Any]:
    """Everything a big screen shows, in one call: today's reported, closed and overdue, the
    year's settlement and on-time rates, trends by day / week / month, top categories, and
    the street and department red and black lists. ``code`` narrows all of it to one street,
    community or grid (drill-down). ``as_of`` counts to that minute. Shared by the server's
    processes and cached per area and data version: ``computed_at`` says when the answer was
    computed, ``data_version`` which incidents it counted, ``current_data_version`` the
    newest, ``cache`` hit / stale / miss; a stale answer is recomputed ``kpi_refresh_s``
    after it was computed (then it takes one computation) and never served older than
    ``kpi_max_stale_s``."""
    moment = local_time(as_of, field="as_of")
    area = scope(principal, code)
    key = (area or "", minute_key(moment) if moment else "now")
    body = await service.answer(key)
    # the time spent here, apart from the event loop's and the network's queues
    spent = (time.perf_counter() - request.state.kpi_started) * 1000
    headers = {"Server-Timing": f"kpi;dur={spent:.1f}, loop;dur={service.loop_lag_ms:.1f}"}
    return Response(body, media_type="application/json", headers=headers)  # type: ignore[return-value]
