"""Per-grid incident statistics: one table, ``grid_stats``, read by tiles, the grid snapshot of
the tile cache, the grid collections and the KPI cache.

One row per grid of every plan with attributed incidents, for levels ``basic`` and ``micro``
(code ``''`` at level ``basic``: the incidents outside every grid). Counts as
:mod:`geogrid.store.incident_stats` counts them: ``incidents``, ``accepted`` (state 1 or 2),
``open`` (state 0 or 1), ``closed``, ``closed_late`` and ``on_time`` (closed after / within the
handling window), ``reworked``; ``open_overdue`` counts the open incidents whose handling
deadline had passed at ``as_of`` and ``next_due`` is the earliest deadline still ahead then,
so the row is exact until ``next_due``. Overdue as the statistics count it is
``closed_late + open_overdue``; the settlement rate is ``closed / accepted``.

Kept in step incrementally: triggers on ``incident_grids`` (every write path: a report, a
workflow step, a bulk ``COPY``, a re-attribution, a plan deleted) note each grid a transaction
touched in ``grid_stats_dirty``; :func:`refresh_grid_stats`, run by readers when the incidents'
data version moved or a deadline passed, recomputes exactly those grids and the ones whose
``next_due`` has come, and gives them the next ``seq``. A grid left without incidents keeps a
row of zeros, so followers of ``seq`` (:func:`changed_since`) see it change.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    bindparam,
    text,
)

from geogrid.store._bind import connected, store_kind
from geogrid.store._incident_sql import bind_time, utc
from geogrid.store.engine import write_transaction
from geogrid.store.tables import Base

COUNTS = (
    "incidents",
    "accepted",
    "open",
    "closed",
    "closed_late",
    "on_time",
    "reworked",
    "open_overdue",
)
"""The count columns of ``grid_stats``."""
LEVELS = ("basic", "micro")
_KEYS = {"basic": "f.basic_code", "micro": "f.micro_code"}

GRID_STATS = Table(
    "grid_stats",
    Base.metadata,
    Column("plan_id", Integer, ForeignKey("grid_plans.id", ondelete="CASCADE"), primary_key=True),
    Column("level", String(5), primary_key=True),
    Column("code", String(40), primary_key=True),
    *(Column(name, Integer, nullable=False) for name in COUNTS),
    Column("next_due", DateTime(timezone=True), nullable=True, index=True),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Column("seq", BigInteger, nullable=False, index=True),
)
GRID_STATS_DIRTY = Table(
    "grid_stats_dirty",
    Base.metadata,
    Column("plan_id", Integer, nullable=False),
    Column("level", String(5), nullable=False),
    Column("code", String(40), nullable=False),
)
"""Grids to recount, written by the triggers of migration ``0004_stats_grid_stats``."""

_COUNT_SQL = """count(*),
  count(*) FILTER (WHERE f.state IN (1, 2)),
  count(*) FILTER (WHERE f.state <= 1),
  count(f.handling_s),
  count(*) FILTER (WHERE f.handling_s > f.due_s),
  count(*) FILTER (WHERE f.handling_s <= f.due_s),
  count(*) FILTER (WHERE f.rework_count > 0),
  count(*) FILTER (WHERE f.state <= 1 AND f.handling_due < :as_of),
  min(f.handling_due) FILTER (WHERE f.state <= 1 AND f.handling_due >= :as_of)"""
_BATCH = 500  # codes per recount statement; beyond _WHOLE_LEVEL a level is recounted whole
_WHOLE_LEVEL = 2000

STATS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("coalesce(s.incidents, 0)", "incidents"),
    ("coalesce(s.open, 0)", "incidents_open"),
    ("coalesce(s.closed_late + s.open_overdue, 0)", "incidents_overdue"),
    (
        "CASE WHEN s.accepted > 0 THEN CAST(s.closed AS DOUBLE PRECISION) / s.accepted END",
        "settlement_rate",
    ),
)
"""(SQL over ``grid_stats s``, tile attribute) of the statistics a grid tile carries."""


def stats_join(code: str, level: str, *, lateral: bool = False) -> str:
    """``LEFT JOIN grid_stats s`` on one plan level's grid ``code`` column (``:plan_id``).

    ``lateral`` (PostgreSQL) makes it one primary-key lookup per grid whatever the planner
    believes of the table's size (a fresh table has no statistics and would be scanned per
    grid on plan_id and level alone).
    """
    where = f"s.plan_id = :plan_id AND s.level = '{_level(level)}' AND s.code = {code}"
    if lateral:
        return f"LEFT JOIN LATERAL (SELECT * FROM grid_stats s WHERE {where} LIMIT 1) s ON true"
    return f"LEFT JOIN grid_stats s ON {where}"


def _level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"grid statistics are kept for {LEVELS}, not {level!r}")
    return level


@dataclass(frozen=True)
class Refresh:
    """What one refresh did: grids recounted, the ``seq`` it gave them (0: none), the time the
    counts hold for, and the earliest ``next_due`` of any row afterwards (None: none)."""

    grids: int
    seq: int
    as_of: datetime
    next_due: datetime | None


def refresh_grid_stats(bind: Engine | Connection, *, now: datetime) -> Refresh:
    """Recount the grids marked since the last refresh and those whose next deadline has come
    (``next_due <= now``), in one transaction of its own (engine) or the caller's.

    Refreshes run one at a time (PostgreSQL: a transaction-level advisory lock; SQLite: its
    single writer), so a slower refresh never overwrites a newer count. Marks of writes that
    commit meanwhile stay for the next refresh.
    """
    if isinstance(bind, Engine):
        with write_transaction(bind) as conn:
            return _refresh(conn, now)
    return _refresh(bind, now)


def _refresh(conn: Connection, now: datetime) -> Refresh:
    kind = store_kind(conn)
    moment = bind_time(now, kind)
    if kind == "postgis":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('geogrid_grid_stats'))"))
    # Deleting first also takes SQLite's single writer before anything is read.
    marked = conn.execute(text("DELETE FROM grid_stats_dirty RETURNING plan_id, level, code")).all()
    due = conn.execute(
        text("SELECT plan_id, level, code FROM grid_stats WHERE next_due <= :now"),
        {"now": moment},
    ).all()
    todo: dict[tuple[int, str], set[str]] = {}
    for plan_id, level, code in (*marked, *due):
        todo.setdefault((int(plan_id), str(level)), set()).add(str(code))
    plans = {int(r[0]) for r in conn.execute(text("SELECT id FROM grid_plans")).all()}
    seq = 0
    if any(plan_id in plans for plan_id, _ in todo):
        seq = int(
            conn.execute(text("SELECT coalesce(max(seq), 0) + 1 FROM grid_stats")).scalar_one()
        )
    count = 0
    for (plan_id, level), codes in sorted(todo.items()):
        if plan_id in plans and level in LEVELS:
            count += _recount(conn, plan_id, level, codes, moment=moment, seq=seq)
    next_due = conn.execute(text("SELECT min(next_due) FROM grid_stats")).scalar_one()
    if isinstance(next_due, str):
        next_due = datetime.fromisoformat(next_due)
    return Refresh(count, seq if count else 0, now, utc(next_due))


def _recount(
    conn: Connection, plan_id: int, level: str, codes: set[str], *, moment: Any, seq: int
) -> int:
    """Recount ``codes`` of one plan level; rows of zeros for codes left without incidents."""
    key = _KEYS[level]
    params: dict[str, Any] = {"plan_id": plan_id, "as_of": moment}
    select = f"SELECT coalesce({key}, '') AS code, {_COUNT_SQL} FROM incident_grids f"
    rows: list[Any] = []
    if len(codes) > _WHOLE_LEVEL:
        sql = f"{select} WHERE f.plan_id = :plan_id GROUP BY 1"
        rows = list(conn.execute(text(sql), params).all())
        existing = conn.execute(
            text("SELECT code FROM grid_stats WHERE plan_id = :plan_id AND level = :level"),
            {"plan_id": plan_id, "level": level},
        ).all()
        codes = codes | {str(r[0]) for r in existing}
    else:
        ordered = sorted(codes)
        for start in range(0, len(ordered), _BATCH):
            chunk = [c for c in ordered[start : start + _BATCH] if c]
            where = [f"{key} IN :codes"] if chunk else []
            if "" in ordered[start : start + _BATCH]:
                where.append(f"{key} IS NULL")
            stmt = text(
                f"{select} WHERE f.plan_id = :plan_id AND ({' OR '.join(where)}) GROUP BY 1"
            )
            if chunk:
                stmt = stmt.bindparams(bindparam("codes", expanding=True))
            rows += conn.execute(stmt, params | ({"codes": chunk} if chunk else {})).all()
    counted = {str(r[0]): r for r in rows}
    values = [
        _row(plan_id, level, code, counted.get(code), moment=moment, seq=seq)
        for code in sorted(codes | counted.keys())
    ]
    _upsert(conn, values)
    return len(values)


def _row(
    plan_id: int, level: str, code: str, counted: Any, *, moment: Any, seq: int
) -> dict[str, Any]:
    numbers = [int(v) for v in counted[1:9]] if counted is not None else [0] * len(COUNTS)
    return {
        "plan_id": plan_id,
        "level": level,
        "code": code,
        **dict(zip(COUNTS, numbers, strict=True)),
        "next_due": counted[9] if counted is not None else None,
        "as_of": moment,
        "seq": seq,
    }


def _upsert(conn: Connection, values: list[dict[str, Any]]) -> None:
    if not values:
        return
    names = ("plan_id", "level", "code", *COUNTS, "next_due", "as_of", "seq")
    updates = ", ".join(f"{n} = excluded.{n}" for n in names[3:])
    sql = (
        f"INSERT INTO grid_stats ({', '.join(names)}) VALUES "
        f"({', '.join(':' + n for n in names)}) "
        f"ON CONFLICT (plan_id, level, code) DO UPDATE SET {updates}"
    )
    conn.execute(text(sql), values)


def changed_since(
    bind: Engine | Connection, plan_id: int, level: str, seq: int
) -> list[tuple[int, str]]:
    """``(seq, code)`` of every grid of one plan level recounted after ``seq``, oldest first."""
    sql = text(
        "SELECT seq, code FROM grid_stats WHERE plan_id = :plan_id AND level = :level "
        "AND seq > :seq ORDER BY seq, code"
    )
    with connected(bind) as conn:
        rows = conn.execute(sql, {"plan_id": plan_id, "level": _level(level), "seq": seq}).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def grid_stats_rows(
    bind: Engine | Connection, plan_id: int, level: str, codes: Iterable[str] | None = None
) -> dict[str, dict[str, Any]]:
    """The stored rows of one plan level by code (``codes`` None: every grid)."""
    sql = "SELECT * FROM grid_stats WHERE plan_id = :plan_id AND level = :level"
    params: dict[str, Any] = {"plan_id": plan_id, "level": _level(level)}
    stmt = text(sql)
    if codes is not None:
        stmt = text(sql + " AND code IN :codes").bindparams(bindparam("codes", expanding=True))
        params["codes"] = list(codes)
    with connected(bind) as conn:
        return {str(r.code): dict(r._mapping) for r in conn.execute(stmt, params)}


class StatsRefresher:
    """Keeps ``grid_stats`` current for one process's readers: :meth:`ensure` refreshes when the
    data versions it is given moved since the last refresh or the earliest ``next_due`` has come,
    and does nothing otherwise (no I/O). One refresh at a time per process; others wait for it.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._seen: tuple[int, ...] | None = None
        self._next_due: datetime | None = None
        self.last: Refresh | None = None

    def current(self, versions: tuple[int, ...], now: datetime) -> bool:
        """Whether the table is known current for ``versions`` at ``now``."""
        return self._seen == versions and (self._next_due is None or now < self._next_due)

    def ensure(self, versions: tuple[int, ...], now: datetime) -> Refresh | None:
        """Refresh unless current; ``versions`` must be read before the call (the refresh then
        counts at least what they stand for). Returns the refresh run, if any."""
        if self.current(versions, now):
            return None
        with self._lock:
            if self.current(versions, now):
                return None
            done = refresh_grid_stats(self._engine, now=now)
            self._seen, self._next_due, self.last = versions, done.next_due, done
            return done
