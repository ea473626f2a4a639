"""Incident statistics: per grid, community, street, district, department or category, over a
time window and category filter, under any plan; trends by day, week and month.

Per-grid statistics read the narrow ``incident_grids`` table (the attribution plus a copy of the
incident facts statistics need: state, deadline window, durations in seconds). Counts are SQL
aggregates; exact medians come from the durations of each group: ``array_agg`` per group on
PostGIS (one hash-aggregate pass, no sort of the million rows that ``percentile_cont`` needs),
the fetched durations on SpatiaLite; numpy takes the medians.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text

from geogrid.errors import InputError
from geogrid.incidents.deadlines import LOCAL_TZ
from geogrid.layers.incident_stats import COLUMNS, COUNTS, add_rates, rank_departments
from geogrid.store import tables as t
from geogrid.store._bind import (
    connected,
    digit_prefix_range,
    driver_cursor,
    fetch_all,
    like_prefix,
    store_kind,
)
from geogrid.store._incident_sql import bind_time, fact_expressions, seconds_between, utc
from geogrid.store.engine import StoreKind
from geogrid.store.incident_tables import GRID_FACTS
from geogrid.store.plans import published_plan_id

GRID_KEYS = {
    "basic": "f.basic_code",
    "micro": "f.micro_code",
    "community": "substr(f.basic_code, 1, 12)",
    "street": "substr(f.basic_code, 1, 9)",
    "district": "substr(f.basic_code, 1, 6)",
}
OTHER_KEYS = {"department": "f.department", "category": "substr(f.class_code, 1, 2)"}
GROUPS = (*GRID_KEYS, *OTHER_KEYS)
PERIODS = ("day", "week", "month")


def _counts(kind: StoreKind, *, replay: bool) -> str:
    """The COUNTS of a group as SQL over the facts ``f``, at the moment ``:as_of``.

    ``replay`` (a moment in the past) counts an incident closed after ``:as_of`` as open then:
    its close is ``handling_s`` after its report. Times of acceptance, rejection and evaluation
    are not kept, so those counts are today's."""
    closed = "f.state = 2"
    open_ = "f.state <= 1"
    if replay:
        age = seconds_between(":as_of", "f.reported_at", kind)
        closed = f"(f.state = 2 AND f.handling_s <= {age})"
        open_ = f"(f.state <= 1 OR (f.state = 2 AND f.handling_s > {age}))"
    return f"""count(*),
  count(*) FILTER (WHERE f.state IN (1, 2)),
  count(*) FILTER (WHERE {open_}),
  count(*) FILTER (WHERE {closed}),
  count(*) FILTER (WHERE ({closed} AND f.handling_s > f.due_s) OR ({open_} AND f.handling_due < :as_of)),
  count(*) FILTER (WHERE {closed} AND f.handling_s <= f.due_s),
  count(*) FILTER (WHERE f.rework_count > 0),
  count(f.satisfied),
  count(*) FILTER (WHERE f.satisfied)"""


def _source(
    bind: Engine | Connection,
    *,
    grids: bool,
    plan_id: int | None,
    start: datetime | None,
    end: datetime | None,
    categories: Sequence[str] | None,
    within: str | None,
) -> tuple[str, dict[str, Any]]:
    """``FROM ... WHERE ...`` over the facts (alias ``f``) and its parameters."""
    kind = store_kind(bind)
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if grids or within:
        plan_id = plan_id if plan_id is not None else published_plan_id(bind)
        if plan_id is None:
            raise InputError("no grid plan is published; name one with plan_id", field="plan_id")
        source = "incident_grids f"
        clauses.append("f.plan_id = :plan_id")
        params["plan_id"] = int(plan_id)
    else:
        facts = ", ".join(
            f"{expr} AS {name}"
            for expr, name in zip(fact_expressions(kind), GRID_FACTS, strict=True)
        )
        source = f"(SELECT i.id, {facts} FROM incidents i) f"
    if start is not None:
        clauses.append("f.reported_at >= :start")
        params["start"] = bind_time(start, kind)
    if end is not None:
        clauses.append("f.reported_at < :end")
        params["end"] = bind_time(end, kind)
    if categories:
        likes = [f"f.class_code LIKE :cat{k} ESCAPE '\\'" for k in range(len(categories))]
        clauses.append(f"({' OR '.join(likes)})")
        params |= {f"cat{k}": like_prefix(code) for k, code in enumerate(categories)}
    if within:
        clauses.append("f.basic_code LIKE :within ESCAPE '\\'")
        params["within"] = like_prefix(within)
        bounds = digit_prefix_range(within)
        if bounds is not None:  # the same rows, through the (plan_id, basic_code) index
            clauses.append("f.basic_code >= :within_low AND f.basic_code < :within_high")
            params |= {"within_low": bounds[0], "within_high": bounds[1]}
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    return f"FROM {source}{where}", params


def incident_stats(
    bind: Engine | Connection,
    *,
    by: str = "basic",
    plan_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    categories: Sequence[str] | None = None,
    within: str | None = None,
    as_of: datetime | None = None,
    medians: bool = True,
) -> pd.DataFrame:
    """Reported, accepted, open, closed, overdue ... and the rates and medians, one row per key.

    ``by`` is one of GROUPS; grid groupings use ``plan_id`` (default: the published plan), and
    community / street / district are the 12 / 9 / 6-digit prefixes of the basic grid code.
    ``within`` keeps the basic grids whose code starts with it (a district, street, community).
    ``categories`` are codes at any level (``01``, ``0101``, ``010101``). The window is on the
    report time, ``[start, end)``; ``as_of`` (default now) decides what is overdue.
    ``medians=False`` leaves the median columns empty (NaN) and saves collecting durations.
    """
    if by not in GROUPS:
        raise InputError(f"unknown grouping {by!r}; expected one of {GROUPS}", field="by")
    with connected(bind) as conn:
        source, params = _source(
            conn,
            grids=by in GRID_KEYS,
            plan_id=plan_id,
            start=start,
            end=end,
            categories=categories,
            within=within,
        )
        moment, now = utc(as_of) or t.utcnow(), t.utcnow()
        params["as_of"] = bind_time(moment, store_kind(conn))
        # nothing closes in the future: a moment from now on needs no replay
        counts = _counts(store_kind(conn), replay=moment < now)
        key = GRID_KEYS.get(by) or OTHER_KEYS[by]
        if not medians:
            counted = conn.execute(text(f"SELECT {key}, {counts} {source} GROUP BY 1"), params)
            frame = pd.DataFrame([tuple(r) for r in counted.all()], columns=["key", *COUNTS])
        elif store_kind(conn) == "postgis":
            frame = _postgis_stats(conn, key, counts, source, params)
        else:
            frame = _spatialite_stats(conn, key, counts, source, params)
    frame = frame.sort_values("key", na_position="last").reset_index(drop=True)
    return add_rates(frame).reindex(columns=list(COLUMNS))


def _postgis_stats(
    conn: Connection, key: str, counts: str, source: str, params: dict[str, Any]
) -> pd.DataFrame:
    """Counts and medians in one pass: the durations of each group come back as int4 arrays."""
    arrays = (
        ", array_agg(f.response_s) FILTER (WHERE f.response_s IS NOT NULL)"
        ", array_agg(f.handling_s) FILTER (WHERE f.handling_s IS NOT NULL)"
    )
    with _hash_aggregate(conn):
        rows = _binary_rows(conn, f"SELECT {key}, {counts}{arrays} {source} GROUP BY 1", params)
    frame = pd.DataFrame([r[: 1 + len(COUNTS)] for r in rows], columns=["key", *COUNTS])
    frame["median_response_h"] = [_median(r[-2]) for r in rows]
    frame["median_handling_h"] = [_median(r[-1]) for r in rows]
    return frame


def _spatialite_stats(
    conn: Connection, key: str, counts: str, source: str, params: dict[str, Any]
) -> pd.DataFrame:
    """Counts in SQL; the medians from the fetched durations."""
    counted = conn.execute(text(f"SELECT {key}, {counts} {source} GROUP BY 1"), params).all()
    frame = pd.DataFrame([tuple(r) for r in counted], columns=["key", *COUNTS])
    durations = conn.execute(
        text(f"SELECT {key}, f.response_s, f.handling_s {source}"), params
    ).all()
    return frame.merge(_medians(durations), on="key", how="left")


@contextmanager
def _hash_aggregate(conn: Connection) -> Iterator[None]:
    """Steer PostgreSQL to one hash-aggregate pass over a sequential scan (not a sort of every
    row, nor an index walk in group order), for this query only."""
    settings = ("enable_sort", "enable_indexscan")
    before = {
        name: conn.execute(text(f"SELECT current_setting('{name}')")).scalar_one()
        for name in settings
    }
    for name in settings:
        conn.execute(text(f"SELECT set_config('{name}', 'off', true)"))
    try:
        yield
    finally:
        for name, value in before.items():
            conn.execute(text(f"SELECT set_config('{name}', :value, true)"), {"value": value})


def _binary_rows(conn: Connection, sql: str, params: dict[str, Any]) -> list[Any]:
    """Run on the psycopg connection with binary results: a million durations in int4 arrays
    arrive as packed integers instead of text to parse."""
    with driver_cursor(conn, binary=True) as cursor:
        cursor.execute(re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql), params)
        return list(cursor.fetchall())


def _median(values: Sequence[int] | None) -> float:
    if not values:
        return float("nan")
    return float(np.median(np.asarray(values, dtype=float))) / 3600.0


def _medians(rows: Sequence[Any]) -> pd.DataFrame:
    data = pd.DataFrame([tuple(r) for r in rows], columns=["key", "r", "h"])
    grouped = data.groupby("key", dropna=False)
    return pd.DataFrame(
        {
            "median_response_h": grouped["r"].median() / 3600.0,
            "median_handling_h": grouped["h"].median() / 3600.0,
        }
    ).reset_index()


def incident_trend(
    bind: Engine | Connection,
    *,
    period: str = "month",
    plan_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    categories: Sequence[str] | None = None,
    within: str | None = None,
) -> pd.DataFrame:
    """Reported, closed and on-time counts per day, week (from Monday) or month, Beijing time."""
    if period not in PERIODS:
        raise InputError(f"unknown period {period!r}; expected one of {PERIODS}", field="period")
    kind = store_kind(bind)
    source, params = _source(
        bind,
        grids=False,
        plan_id=plan_id,
        start=start,
        end=end,
        categories=categories,
        within=within,
    )
    if kind == "postgis":
        local = f"f.reported_at AT TIME ZONE '{LOCAL_TZ}'"
        bucket = f"to_char(date_trunc('{period}', {local}), 'YYYY-MM-DD')"
    else:  # SQLite knows no time zones; Beijing has had no daylight saving time since 1991
        bucket = {
            "day": "date(f.reported_at, '+8 hours')",
            "week": "date(f.reported_at, '+8 hours', 'weekday 0', '-6 days')",
            "month": "strftime('%Y-%m-01', f.reported_at, '+8 hours')",
        }[period]
    sql = f"""
        SELECT {bucket} AS period, count(*) AS reported, count(f.handling_s) AS closed,
          count(*) FILTER (WHERE f.handling_s <= f.due_s) AS on_time
        {source} GROUP BY 1 ORDER BY 1
    """
    rows = fetch_all(bind, text(sql), params)
    return pd.DataFrame(
        [tuple(r) for r in rows], columns=["period", "reported", "closed", "on_time"]
    )


def department_ranking(
    bind: Engine | Connection,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    categories: Sequence[str] | None = None,
    as_of: datetime | None = None,
    top: int = 3,
    by: str = "department",
    within: str | None = None,
    medians: bool = True,
) -> pd.DataFrame:
    """The red and black list: departments (or ``by`` another grouping, e.g. streets) ranked by
    overdue and rework per accepted incident; ``within`` keeps one district, street, community."""
    stats = incident_stats(
        bind,
        by=by,
        start=start,
        end=end,
        categories=categories,
        as_of=as_of,
        within=within,
        medians=medians,
    )
    return rank_departments(stats[stats["key"].notna()], top=top)
