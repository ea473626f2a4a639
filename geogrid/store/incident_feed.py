"""The incident feed: every recorded transition, in one durable, gap-free order.

``incident_events.id`` is the feed's sequence (an SSE ``Last-Event-ID``). A reader that has seen
event ``n`` must never later find a committed event below ``n``; on PostGIS two transactions
could commit their serial ids out of order. So on PostGIS a writer does not insert its events
at once: :func:`record_events` queues them, and the commit hook (:func:`install_feed_hooks`)
takes one transaction-scoped advisory lock, inserts them and sends ``NOTIFY`` on
:data:`FEED_CHANNEL` inside the commit. Ids are then handed out in commit order, and the lock is
held only for that moment: a report never waits for another transaction's workflow update.
SQLite serialises writers anyway, so there the events are written at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.sql.expression import Executable

from geogrid.store._bind import fetch_all, store_kind
from geogrid.store._incident_sql import utc
from geogrid.store.plans import published_plan_id

FEED_CHANNEL = "geogrid_incident_events"
_ORDER_LOCK = 7_370_212  # the advisory lock key that orders event ids (any fixed bigint)
_PENDING = "geogrid_pending_events"
FEED_PAGE = 500


def record_events(conn: Connection, statement: Executable, params: dict[str, Any]) -> None:
    """Insert into ``incident_events`` in feed order: inside the commit on PostGIS (see the
    module's docstring), at once on SQLite."""
    if store_kind(conn) == "postgis":
        conn.info.setdefault(_PENDING, []).append((statement, params))
    else:
        conn.execute(statement, params)


def install_feed_hooks(engine: Engine) -> None:
    """Write each transaction's queued events as it commits; forget them otherwise."""
    event.listen(engine, "commit", _write_pending)
    event.listen(engine, "rollback", lambda conn: conn.info.pop(_PENDING, None))
    event.listen(engine, "checkin", lambda _dbapi, record: record.info.pop(_PENDING, None))


def _write_pending(conn: Connection) -> None:
    pending = conn.info.pop(_PENDING, None)
    if not pending:
        return
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ORDER_LOCK})
    for statement, params in pending:
        conn.execute(statement, params)
    conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": FEED_CHANNEL})


def record_import_events(conn: Connection, import_id: int, *, actor: str) -> int:
    """One ``import`` event per incident of a bulk import (for the feed); returns how many."""
    params = {"actor": actor, "import_id": int(import_id)}
    record_events(
        conn,
        text(
            "INSERT INTO incident_events (incident_id, action, from_status, to_status, actor, at,"
            " note) SELECT id, 'import', NULL, status, :actor, reported_at, '' FROM incidents"
            " WHERE import_id = :import_id ORDER BY id"
        ),
        params,
    )
    count = conn.execute(
        text("SELECT count(*) FROM incidents WHERE import_id = :import_id"), params
    ).scalar_one()
    return int(count)


def record_place_event(conn: Connection, ref: str, *, actor: str) -> None:
    """A ``place`` event for the incident ``ref`` that a dispatcher just located (for the feed)."""
    record_events(
        conn,
        text(
            "INSERT INTO incident_events (incident_id, action, from_status, to_status, actor, at,"
            " note) SELECT id, 'place', NULL, status, :actor, :at, 'placed by a dispatcher'"
            " FROM incidents WHERE ref = :ref"
        ),
        {"actor": actor, "at": datetime.now(UTC), "ref": ref},
    )


def last_event_id(bind: Engine | Connection) -> int:
    """The newest event id (0 when there is none)."""
    rows = fetch_all(bind, text("SELECT max(id) FROM incident_events"))
    return int(rows[0][0] or 0)


def jurisdiction_sql(column: str, within: str | None) -> tuple[str, dict[str, Any]]:
    """SQL for "``column`` starts with ``within``" as a bound prefix, plus its parameters.

    ``within`` None or '' keeps everything. A 6-digit (district-wide) prefix also keeps rows
    whose code is null: incidents outside every grid or not yet located, which the district
    command centre has to place.
    """
    if not within:
        return "1 = 1", {}
    clause = f"substr({column}, 1, {len(within)}) = :within"
    if len(within) <= 6:
        clause = f"({clause} OR {column} IS NULL)"
    return clause, {"within": within}


def sees(within: str | None, code: str | None) -> bool:
    """The Python twin of :func:`jurisdiction_sql`."""
    if not within:
        return True
    if code is None:
        return len(within) <= 6
    return code.startswith(within)


def feed_events(
    bind: Engine | Connection,
    *,
    after: int,
    within: str | None = None,
    limit: int = FEED_PAGE,
) -> list[dict[str, Any]]:
    """Events with id > ``after``, oldest first, at most ``limit``, with what a screen shows:
    the incident's ref, category, priority, status, department, lon/lat (WGS 84) and basic grid
    code under the published plan (null: outside every grid). ``within`` keeps one jurisdiction.
    """
    kind = store_kind(bind)
    x, y = ("ST_X(i.geom)", "ST_Y(i.geom)") if kind == "postgis" else ("X(i.geom)", "Y(i.geom)")
    plan = published_plan_id(bind)
    clause, params = jurisdiction_sql("g.basic_code", within)
    sql = f"""
        SELECT e.id, e.incident_id, e.action, e.from_status, e.to_status, e.actor, e.at, e.note,
          i.ref, i.category_code, i.subcategory_code, i.item_code, i.priority, i.status,
          i.department, i.dispatch_level, i.source, i.overdue, {x} AS lon, {y} AS lat,
          g.basic_code, g.micro_code
        FROM incident_events e JOIN incidents i ON i.id = e.incident_id
        LEFT JOIN incident_grids g ON g.incident_id = e.incident_id AND g.plan_id = :plan
        WHERE e.id > :after AND {clause}
        ORDER BY e.id LIMIT :limit
    """
    params |= {"plan": plan if plan is not None else -1, "after": int(after), "limit": int(limit)}
    return [_event_dict(row._mapping) for row in fetch_all(bind, text(sql), params)]


def _event_dict(row: Any) -> dict[str, Any]:
    out = dict(row)
    at = out["at"]
    if isinstance(at, str):  # SQLite returns text through ``text()`` queries
        at = datetime.fromisoformat(at)
    stamp = utc(at)
    out["at"] = stamp.isoformat() if stamp is not None else None
    out["overdue"] = bool(out["overdue"])
    return out
