"""Big-screen KPI answers shared by every API process: one table, ``kpi_answers``, holding the
encoded JSON of the newest answer per (jurisdiction, as_of key).

A row says which ``incidents`` data version the answer counted (``version``: read *before* the
computation, so the answer counts at least that much), the published plan and ``grid_stats``
seq it was computed at (so a follower of ``grid_stats`` can tell it is still exact for a newer
version, see :class:`geogrid.api.kpi_cache.GridChanges`) and when it was computed (UTC).

:func:`shared_answer` computes an answer at most once per key across processes: on PostgreSQL
under a transaction-level advisory lock on the key (SpatiaLite serves one process and keeps its
answers in memory); a process that waited on the lock finds the
answer the holder stored and returns it. An answer younger than ``min_refresh_s`` is reused
even for a newer data version (a busy hour moves the version every second: the live feed, not
the KPIs, carries each incident), so a district answer costs one computation per
``min_refresh_s`` for all processes together. :func:`compute_in_worker` does the same in a
worker process with its own engine, so the computation never holds an API process's GIL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    String,
    Table,
    delete,
    insert,
    select,
    text,
)

from geogrid.settings import StoreSettings
from geogrid.store._bind import fetch_all
from geogrid.store.incident_kpis import command_kpis
from geogrid.store.tables import Base

KPI_ANSWERS = Table(
    "kpi_answers",
    Base.metadata,
    Column("jurisdiction", String(40), primary_key=True),
    Column("as_of", String(16), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("plan_id", Integer, nullable=True),
    Column("seq", BigInteger, nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    Column("body", LargeBinary, nullable=False),
)
_LOCK_SPACE = 7212  # first key of the two-key advisory lock: KPI answers
_TRY_LOCK = "SELECT pg_try_advisory_xact_lock(:space, hashtext(:key))"
_LOCK = "SELECT pg_advisory_xact_lock(:space, hashtext(:key))"

Key = tuple[str, str]  # (jurisdiction code prefix or "", as_of "YYYY-MM-DDTHH:MM" or "now")


@dataclass(frozen=True)
class StoredAnswer:
    """One answer as stored: ``body`` is the JSON object (UTF-8) without the per-request
    fields; ``seq`` is -1 when unknown (never carried over to a newer version)."""

    key: Key
    version: int
    plan: int | None
    seq: int
    computed_at: datetime  # UTC
    body: bytes

    def age_s(self, now: datetime | None = None) -> float:
        """Seconds since the answer was computed (wall clock, shared by processes)."""
        return ((now or datetime.now(UTC)) - self.computed_at).total_seconds()


@dataclass(frozen=True)
class Wanted:
    """What a caller needs: an answer for ``key`` counting data ``version`` (or one younger
    than ``min_refresh_s``), younger than ``max_age_s`` (answers for "now" expire); ``plan``
    and ``seq`` are what ``grid_stats`` said for ``version`` (stored with a new answer)."""

    key: Key
    version: int
    plan: int | None = None
    seq: int = -1
    min_refresh_s: float = 0.0
    max_age_s: float = float("inf")

    def accepts(self, answer: StoredAnswer | None) -> bool:
        if answer is None or answer.age_s() >= self.max_age_s:
            return False
        return answer.version >= self.version or answer.age_s() < self.min_refresh_s


def minute_key(moment: datetime) -> str:
    """The key of an ``as_of`` moment: UTC to the minute, ``YYYY-MM-DDTHH:MM`` (four-digit
    years, also before 1000, which ``strftime`` would not pad)."""
    utc_moment = moment.astimezone(UTC).replace(second=0, microsecond=0, tzinfo=None)
    return utc_moment.isoformat(timespec="minutes")


def read_answer(bind: Engine | Connection, key: Key) -> StoredAnswer | None:
    """The stored answer for ``key``, or None."""
    rows = fetch_all(bind, _select().where(*_match(key)))
    return _answer(rows[0]) if rows else None


def read_answers(bind: Engine | Connection) -> list[StoredAnswer]:
    """Every stored answer (a server start loads them: a restarted server answers at once)."""
    return [_answer(row) for row in fetch_all(bind, _select())]


def shared_answer(engine: Engine, wanted: Wanted) -> StoredAnswer:
    """An answer ``wanted`` accepts: the stored one, or one computed now and stored in one
    transaction under the key's advisory lock (processes asking at once compute it once).
    While another process holds the lock, the stored answer is returned as it is, older than
    wanted (the worker moves on to other keys instead of waiting); with none stored, the
    caller waits for the other process's.

    SpatiaLite (one process) computes without storing: a write from a background thread
    would make a concurrent deferred write transaction fail (SQLITE_BUSY on its upgrade)."""
    if engine.dialect.name != "postgresql":
        return compute_answer(engine, wanted)
    found = read_answer(engine, wanted.key)
    if wanted.accepts(found):
        return found  # type: ignore[return-value]
    with engine.begin() as conn:
        lock = {"space": _LOCK_SPACE, "key": "|".join(wanted.key)}
        if not conn.execute(text(_TRY_LOCK), lock).scalar_one() and found is not None:
            return found  # another process is computing it: the old one meanwhile
        conn.execute(text(_LOCK), lock)  # taken already when the try succeeded (re-entrant)
        found = read_answer(conn, wanted.key)
        if wanted.accepts(found):
            return found  # type: ignore[return-value]
        answer = compute_answer(engine, wanted)
        conn.execute(delete(KPI_ANSWERS).where(*_match(wanted.key)))
        conn.execute(insert(KPI_ANSWERS).values(_row(answer)))
    return answer


def compute_answer(engine: Engine, wanted: Wanted) -> StoredAnswer:
    """Compute the answer for ``wanted.key`` now (seconds for a district's year on a busy
    machine), encoded once; labelled with ``wanted.version``, read before this call."""
    within, as_of_key = wanted.key
    as_of = None if as_of_key == "now" else datetime.fromisoformat(as_of_key).replace(tzinfo=UTC)
    computed_at = datetime.now(UTC)
    value = command_kpis(engine, within=within or None, as_of=as_of)
    value["computed_at"] = computed_at.isoformat()
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return StoredAnswer(wanted.key, wanted.version, wanted.plan, wanted.seq, computed_at, body)


_WORKER_ENGINE: dict[str, Engine] = {}


def compute_in_worker(settings: StoreSettings, wanted: Wanted) -> StoredAnswer:
    """:func:`shared_answer` in a worker process, on an engine of its own (kept for the
    process's life)."""
    engine = _WORKER_ENGINE.get(settings.database_url)
    if engine is None:
        from geogrid.store import open_store

        engine = _WORKER_ENGINE[settings.database_url] = open_store(settings).engine
    return shared_answer(engine, wanted)


def _select() -> Any:
    c = KPI_ANSWERS.c
    return select(c.jurisdiction, c.as_of, c.version, c.plan_id, c.seq, c.computed_at, c.body)


def _match(key: Key) -> tuple[Any, Any]:
    return KPI_ANSWERS.c.jurisdiction == key[0], KPI_ANSWERS.c.as_of == key[1]


def _answer(row: Any) -> StoredAnswer:
    at = row.computed_at if row.computed_at.tzinfo else row.computed_at.replace(tzinfo=UTC)
    key = (str(row.jurisdiction), str(row.as_of))
    return StoredAnswer(key, int(row.version), row.plan_id, int(row.seq), at, bytes(row.body))


def _row(answer: StoredAnswer) -> dict[str, Any]:
    return {
        "jurisdiction": answer.key[0],
        "as_of": answer.key[1],
        "version": answer.version,
        "plan_id": answer.plan,
        "seq": answer.seq,
        "computed_at": answer.computed_at,
        "body": answer.body,
    }


def street_codes(bind: Engine | Connection) -> list[str]:
    """The 9-digit street codes of the published plan's basic grids (warm-up keys)."""
    sql = """
        SELECT DISTINCT substr(g.code, 1, 9) FROM grids g JOIN grid_plans p ON p.id = g.plan_id
        WHERE p.status = 'published' AND g.level = 'basic' AND length(g.code) >= 9
        ORDER BY 1
    """
    return [str(row[0]) for row in fetch_all(bind, text(sql))]
