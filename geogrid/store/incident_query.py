"""Find incidents: filters over state, category, place and report time, one jurisdiction, pages.

Each row is an incident as :func:`geogrid.store.incidents.get_incident` returns it plus its basic
and micro grid code under the plan asked for (default: the published plan; null codes: outside
every grid).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select

from geogrid.errors import NotFound
from geogrid.store import incident_tables as it
from geogrid.store import tables as t
from geogrid.store._bind import connected, existing_id
from geogrid.store._incident_sql import utc
from geogrid.store.incidents import _xy
from geogrid.store.plans import published_plan_id

_INCIDENTS = t.table_of(it.Incident)
_GRIDS = t.table_of(it.IncidentGrid)
_EVENTS = t.table_of(it.IncidentEvent)
MAX_PAGE = 1000


@dataclass(frozen=True)
class IncidentFilter:
    """What to keep; every field is optional. Codes and categories match as prefixes."""

    status: Sequence[str] = ()
    category: Sequence[str] = ()
    code: str | None = None  # a basic grid, community, street or district code (prefix)
    start: datetime | None = None  # report time, inclusive
    end: datetime | None = None  # report time, exclusive
    overdue: bool | None = None
    source: str | None = None
    refs: Sequence[str] = ()


def _prefix(column: Any, value: str) -> Any:
    return func.substr(column, 1, len(value)) == value


def _where(filters: IncidentFilter, within: str | None) -> list[Any]:
    i, g = _INCIDENTS.c, _GRIDS.c
    clauses: list[Any] = []
    if filters.status:
        clauses.append(i.status.in_(list(filters.status)))
    if filters.category:
        codes = [c for c in filters.category if c]
        clauses.append(
            or_(
                *(
                    _prefix(func.coalesce(i.item_code, i.subcategory_code, i.category_code), c)
                    for c in codes
                )
            )
        )
    if filters.code:
        clauses.append(_prefix(g.basic_code, filters.code))
    if filters.start is not None:
        clauses.append(i.reported_at >= utc(filters.start))
    if filters.end is not None:
        clauses.append(i.reported_at < utc(filters.end))
    if filters.overdue is not None:
        clauses.append(i.overdue == filters.overdue)
    if filters.source:
        clauses.append(i.source == filters.source)
    if filters.refs:
        clauses.append(i.ref.in_(list(filters.refs)))
    if within:
        inside = _prefix(g.basic_code, within)
        # district-wide jurisdictions also see incidents outside every grid or not located
        clauses.append(or_(inside, g.basic_code.is_(None)) if len(within) <= 6 else inside)
    return clauses


def find_incidents(
    bind: Engine | Connection,
    filters: IncidentFilter,
    *,
    within: str | None = None,
    plan_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """A page of incidents (newest report first, then id) and how many match in all."""
    with connected(bind) as conn:
        plan_id = plan_id if plan_id is not None else published_plan_id(conn)
        joined = _INCIDENTS.outerjoin(
            _GRIDS,
            and_(_GRIDS.c.incident_id == _INCIDENTS.c.id, _GRIDS.c.plan_id == (plan_id or -1)),
        )
        clauses = _where(filters, within)
        total = conn.execute(select(func.count()).select_from(joined).where(*clauses)).scalar_one()
        x, y = _xy(conn)
        columns = [c for c in _INCIDENTS.c if c.name != "geom"]
        stmt = (
            select(
                *columns, x.label("lon"), y.label("lat"), _GRIDS.c.basic_code, _GRIDS.c.micro_code
            )
            .select_from(joined)
            .where(*clauses)
            .order_by(_INCIDENTS.c.reported_at.desc(), _INCIDENTS.c.id.desc())
            .limit(min(int(limit), MAX_PAGE))
            .offset(int(offset))
        )
        rows = [_plain(r._mapping) for r in conn.execute(stmt).all()]
    return rows, int(total)


def incident_grid_codes(
    bind: Engine | Connection, incident_id: int, *, plan_id: int | None = None
) -> tuple[str | None, str | None]:
    """(basic, micro) code of one incident under a plan (default: published); NotFound if the
    incident does not exist."""
    existing_id(incident_id, "incident")
    with connected(bind) as conn:
        exists = conn.execute(select(_INCIDENTS.c.id).where(_INCIDENTS.c.id == incident_id)).first()
        if exists is None:
            raise NotFound(f"incident {incident_id} does not exist")
        plan_id = plan_id if plan_id is not None else published_plan_id(conn)
        row = conn.execute(
            select(_GRIDS.c.basic_code, _GRIDS.c.micro_code).where(
                _GRIDS.c.incident_id == incident_id, _GRIDS.c.plan_id == (plan_id or -1)
            )
        ).first()
    return (row.basic_code, row.micro_code) if row else (None, None)


def incident_id_of(bind: Engine | Connection, ref: str) -> int:
    """The id of the incident with ``ref``; NotFound otherwise."""
    with connected(bind) as conn:
        found = conn.execute(select(_INCIDENTS.c.id).where(_INCIDENTS.c.ref == ref)).first()
    if found is None:
        raise NotFound(f"incident {ref} does not exist")
    return int(found.id)


def _plain(row: Any) -> dict[str, Any]:
    out = dict(row)
    for key, value in out.items():
        if isinstance(value, datetime):
            out[key] = utc(value)
    return out


def last_events(
    bind: Engine | Connection, incident_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """The newest recorded transition of each incident (incident id -> event)."""
    if not incident_ids:
        return {}
    newest = (
        select(func.max(_EVENTS.c.id))
        .where(_EVENTS.c.incident_id.in_([int(i) for i in incident_ids]))
        .group_by(_EVENTS.c.incident_id)
    )
    with connected(bind) as conn:
        rows = conn.execute(select(_EVENTS).where(_EVENTS.c.id.in_(newest))).all()
    return {int(r.incident_id): _plain(r._mapping) for r in rows}
