"""Big-screen KPIs of a command centre in one call, from the incident layer's own statistics.

Windows are in Beijing time relative to ``as_of``: *today* is from local midnight; rates, top
categories and the red and black lists cover the calendar year to date; trends cover the last 30
days, 12 weeks and 12 months. Rates follow :func:`geogrid.layers.incident_stats.add_rates`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, Engine, text

from geogrid.incidents.deadlines import LOCAL_TZ
from geogrid.incidents.taxonomy import Taxonomy, default_taxonomy
from geogrid.layers.incident_stats import COUNTS, add_rates
from geogrid.store import tables as t
from geogrid.store._bind import connected, digit_prefix_range, store_kind
from geogrid.store._incident_sql import bind_time, utc
from geogrid.store.incident_feed import jurisdiction_sql
from geogrid.store.incident_stats import department_ranking, incident_stats, incident_trend
from geogrid.store.plans import published_plan_id

TREND_SPANS = {"day": 30, "week": 12, "month": 12}
"""How many days, weeks and months each trend covers (the current one included)."""
_PARALLEL_PARTS = 3  # connections a KPI answer may use at once (a connection pool holds 5)
_OPEN = "('closed', 'evaluated', 'rejected')"


def windows(as_of: datetime) -> dict[str, datetime]:
    """The UTC starts of today, the year and each trend window for ``as_of`` (Beijing time)."""
    local = utc(as_of).astimezone(ZoneInfo(LOCAL_TZ))  # type: ignore[union-attr]
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month = midnight.replace(day=1)
    for _ in range(TREND_SPANS["month"] - 1):
        month = (month - timedelta(days=1)).replace(day=1)
    starts = {
        "today": midnight,
        "year": midnight.replace(month=1, day=1),
        "day": midnight - timedelta(days=TREND_SPANS["day"] - 1),
        "week": midnight - timedelta(days=midnight.weekday() + 7 * (TREND_SPANS["week"] - 1)),
        "month": month,
    }
    return {k: v.astimezone(UTC) for k, v in starts.items()}


def command_kpis(
    bind: Engine | Connection,
    *,
    within: str | None = None,
    as_of: datetime | None = None,
    top: int = 5,
    taxonomy: Taxonomy | None = None,
) -> dict[str, Any]:
    """Every number of the big screen for one jurisdiction (``within``: an NBS code prefix).

    Shape: ``today`` {reported, closed, overdue, open}, ``year`` {counts..., settlement_rate,
    on_time_rate, ...}, ``trends`` {day, week, month: [{period, reported, closed, on_time}]},
    ``top_categories``, ``streets`` and ``departments`` (ranked, ``list`` red / black / '').
    """
    as_of = utc(as_of) or t.utcnow()
    starts = windows(as_of)
    taxonomy = taxonomy or default_taxonomy()
    year = {"start": starts["year"], "end": as_of, "as_of": as_of}
    parts: dict[str, Callable[[Connection], Any]] = {
        "categories": lambda conn: incident_stats(
            conn,
            by="category",
            within=within,
            start=starts["year"],
            end=as_of,
            as_of=as_of,
            medians=False,
        ),
        "streets": lambda conn: _ranking(conn, "street", within, year, top),
        "departments": lambda conn: _ranking(conn, "department", within, year, top),
        "today": lambda conn: _today(conn, within=within, start=starts["today"], as_of=as_of),
    }
    for period in TREND_SPANS:
        parts[period] = partial(
            _trend, period=period, start=starts[period], end=as_of, within=within
        )
    done = _run_parts(bind, parts)
    categories = done["categories"]
    streets, departments, today = done["streets"], done["departments"], done["today"]
    trends = {period: done[period] for period in TREND_SPANS}
    names = {c.code: c.name for c in taxonomy.categories}
    english = {c.code: c.name_en for c in taxonomy.categories}
    ranked = categories.sort_values(["reported", "key"], ascending=[False, True]).head(top)
    ranked = ranked.assign(name=ranked["key"].map(names), name_en=ranked["key"].map(english))
    return {
        "as_of": as_of.isoformat(),
        "within": within or "",
        "today": today,
        "year": _total(categories),
        "trends": trends,
        "top_categories": json_records(
            ranked[["key", "name", "name_en", "reported", "closed", "on_time_rate"]]
        ),
        "streets": streets,
        "departments": departments,
    }


def _run_parts(
    bind: Engine | Connection, parts: dict[str, Callable[[Connection], Any]]
) -> dict[str, Any]:
    """Each part's answer. On a PostgreSQL engine the parts run side by side, each on a
    connection of its own (the server's cores work on them at once; a district's year takes
    a third of the time); otherwise one after another on one connection. Each statement reads
    what was committed when it started, as it would in one READ COMMITTED connection."""
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":

        def run(part: Callable[[Connection], Any]) -> Any:
            with bind.connect() as conn:
                return part(conn)

        with ThreadPoolExecutor(max_workers=_PARALLEL_PARTS) as pool:
            futures = {name: pool.submit(run, part) for name, part in parts.items()}
            return {name: future.result() for name, future in futures.items()}
    with connected(bind) as conn:
        return {name: part(conn) for name, part in parts.items()}


def _trend(
    conn: Connection, *, period: str, start: datetime, end: datetime, within: str | None
) -> list[dict[str, Any]]:
    return json_records(incident_trend(conn, period=period, start=start, end=end, within=within))


def _ranking(
    conn: Connection, by: str, within: str | None, window: dict[str, datetime], top: int
) -> list[dict[str, Any]]:
    frame = department_ranking(
        conn,
        by=by,
        within=within,
        top=top,
        start=window["start"],
        end=window["end"],
        as_of=window["as_of"],
        medians=False,
    )
    columns = ["rank", "list", "key", "accepted", "closed", "overdue", "reworked"]
    return json_records(frame[[*columns, "on_time_rate", "settlement_rate", "penalty"]])


def _today(
    conn: Connection, *, within: str | None, start: datetime, as_of: datetime
) -> dict[str, int]:
    """Reported and closed since local midnight, open at ``as_of`` and open past the handling
    deadline then (an incident closed after ``as_of`` was open then)."""
    open_then = (
        f"i.reported_at < :now AND (i.status NOT IN {_OPEN}"
        " OR (i.status IN ('closed', 'evaluated') AND i.closed_at >= :now))"
    )
    kind = store_kind(conn)
    plan = published_plan_id(conn)
    clause, params = jurisdiction_sql("g.basic_code", within)
    source = (
        "FROM incidents i LEFT JOIN incident_grids g ON g.incident_id = i.id AND g.plan_id = :plan"
    )
    bounds = digit_prefix_range(within or "")
    if plan is not None and bounds is not None and len(bounds[0]) > 6:
        # A street or community sees only incidents in its grids: the same rows, found
        # through the (plan_id, basic_code) index instead of a scan of every incident.
        source = "FROM incident_grids g JOIN incidents i ON i.id = g.incident_id"
        clause = f"g.plan_id = :plan AND g.basic_code >= :low AND g.basic_code < :high AND {clause}"
        params |= {"low": bounds[0], "high": bounds[1]}
    sql = f"""
        SELECT count(*) FILTER (WHERE i.reported_at >= :today AND i.reported_at < :now),
          count(*) FILTER (WHERE i.status IN ('closed', 'evaluated') AND i.closed_at >= :today
                           AND i.closed_at < :now),
          count(*) FILTER (WHERE {open_then} AND i.handling_due < :now),
          count(*) FILTER (WHERE {open_then})
        {source}
        WHERE {clause}
    """
    params |= {
        "today": bind_time(start, kind),
        "now": bind_time(as_of, kind),
        "plan": plan if plan is not None else -1,
    }
    row = conn.execute(text(sql), params).one()
    return dict(zip(("reported", "closed", "overdue", "open"), map(int, row), strict=True))


def _total(frame: pd.DataFrame) -> dict[str, Any]:
    """The counts of every row summed, with their rates."""
    sums = pd.DataFrame([{c: int(frame[c].sum()) for c in COUNTS}])
    return json_records(add_rates(sums))[0]


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: numpy numbers as Python ones, NaN as None."""
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({str(k): _plain(v) for k, v in row.items()})
    return out


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
