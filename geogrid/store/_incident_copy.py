"""Fast loading of normalised incident records: ``COPY`` on PostGIS, ``executemany`` on SpatiaLite.

Ids are reserved up front, so that ``incidents`` and ``incident_grids`` are loaded side by side
without joining on the external id. Large loads on PostGIS (at least ``LARGE_LOAD`` records and
at least as many as the table holds) drop the secondary indexes and foreign keys of both tables
inside the transaction and rebuild them afterwards: one sorted build and one validating join
instead of a million index insertions and trigger calls. Dropping an index takes an ACCESS
EXCLUSIVE lock, so for the whole of such a load **readers of both tables wait too**; it is meant
for initial and bulk loads, not for a store that serves while it loads. Smaller loads keep the
indexes and block nobody.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

from geogrid.errors import ValidationFailed
from geogrid.layers.incident_stats import STATE_CLOSED, STATE_CODES, STATE_OPEN
from geogrid.store._incident_sql import (
    COUNT_FIELDS,
    INCIDENT_COLUMNS,
    STAGING_COLUMNS,
    TIME_FIELDS,
    fact_expressions,
    is_closed,
    state_code,
)
from geogrid.store.engine import StoreKind
from geogrid.store.incident_tables import GRID_FACTS
from geogrid.store.tables import SRID

Progress = Callable[[int], None]
"""Called with the number of records just loaded."""
CHUNK = 100_000
LARGE_LOAD = 100_000
_GRID_COLUMNS = ("plan_id", "incident_id", "basic_code", "micro_code", *GRID_FACTS)
_INTEGER_COLUMNS = (
    "id",
    "incident_id",
    "import_id",
    "plan_id",
    "state",
    "due_s",
    "response_s",
    "handling_s",
    *COUNT_FIELDS,
)
_BOOLEAN_COLUMNS = ("satisfied", "synthetic")


@dataclass(frozen=True)
class LoadTarget:
    """Where loaded incidents go: the plan whose grids they are attributed to (None: no
    ``incident_grids`` rows) and the bulk import they belong to (None: a single report)."""

    plan_id: int | None
    import_id: int | None


@dataclass
class _Clock:
    """Seconds per named step of one load (returned to the caller, e.g. the benchmark)."""

    laps: dict[str, float] = field(default_factory=dict)
    _last: float = field(default_factory=time.perf_counter)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


@dataclass
class _Load:
    """One load under way: the driver cursor inside the caller's transaction, the records
    (with their reserved ids and class codes), where they go, progress and step times."""

    cursor: Any
    records: pd.DataFrame
    target: LoadTarget
    progress: Progress | None
    clock: _Clock


def load(
    cursor: Any,
    kind: StoreKind,
    records: pd.DataFrame,
    target: LoadTarget,
    *,
    progress: Progress | None = None,
) -> dict[str, float]:
    """Load normalised records (see :func:`geogrid.incidents.intake.normalise`).

    Returns the seconds each step took (``reserve_ids``, ``copy_incidents``, ...).
    """
    clock = _Clock()
    records = records.copy()
    records["class_code"] = _class_codes(records)
    records["id"] = _reserve_ids(cursor, kind, len(records))
    clock.lap("reserve_ids")
    job = _Load(cursor, records, target, progress, clock)
    if kind == "postgis":
        _load_postgis(job)
    else:
        _load_spatialite(job)
    return clock.laps


def load_attribution(
    cursor: Any, kind: StoreKind, attribution: pd.DataFrame, *, plan_id: int
) -> None:
    """Add the incident_grids rows of ``plan_id`` from (incident_id, basic_code, micro_code)
    rows; the facts are copied from the stored incidents."""
    cursor.execute("DROP TABLE IF EXISTS grid_staging")
    cursor.execute(
        "CREATE TEMP TABLE grid_staging (incident_id bigint, basic_code text, micro_code text)"
    )
    if kind == "postgis":
        copy_table(cursor, "grid_staging", _arrow_table(attribution), None)
    else:
        _insert_rows(cursor, "grid_staging", attribution, None)
    cursor.execute(
        f"INSERT INTO incident_grids ({', '.join(_GRID_COLUMNS)}) "
        f"SELECT {int(plan_id)}, i.id, s.basic_code, s.micro_code, "
        f"{', '.join(fact_expressions(kind))} "
        "FROM grid_staging s JOIN incidents i ON i.id = s.incident_id"
    )
    cursor.execute("DROP TABLE grid_staging")


def _class_codes(records: pd.DataFrame) -> pd.Series:
    """The most specific category code of each record (item, else sub-category, else category)."""
    out = records["item_code"].astype(object)
    for name in ("subcategory_code", "category_code"):
        out = out.where(out.notna(), records[name].astype(object))
    return out


def _reserve_ids(cursor: Any, kind: StoreKind, n: int) -> np.ndarray:
    """Ids for ``n`` new incidents, taken before the rows are written.

    SpatiaLite has one writer at a time, so the ids after the largest are free. On PostGIS a
    load under ``LARGE_LOAD`` records draws them from the sequence (no table lock: a single
    report never waits for, nor blocks, the workflow updates of other incidents); a larger load
    locks the table against other writers and moves the sequence past one block at once.
    """
    if kind == "spatialite":
        cursor.execute("SELECT coalesce(max(id), 0) FROM incidents")
        first = int(cursor.fetchone()[0]) + 1
        return np.arange(first, first + n, dtype=np.int64)
    if n < LARGE_LOAD:
        cursor.execute("SELECT nextval('incidents_id_seq') FROM generate_series(1, %s)", (n,))
        return np.array([row[0] for row in cursor.fetchall()], dtype=np.int64)
    cursor.execute("LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute(
        "SELECT greatest((SELECT coalesce(max(id), 0) FROM incidents), "
        "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM incidents_id_seq))"
    )
    first = int(cursor.fetchone()[0]) + 1
    cursor.execute("SELECT setval('incidents_id_seq', %s)", (first + n - 1,))
    return np.arange(first, first + n, dtype=np.int64)


# --- PostGIS ----------------------------------------------------------------------------------


def _load_postgis(job: _Load) -> None:
    import psycopg

    cursor, records, clock = job.cursor, job.records, job.clock
    large = len(records) >= LARGE_LOAD and len(records) >= _estimated_rows(cursor)
    saved = _drop_secondary(cursor) if large else []
    clock.lap("drop_indexes")
    try:
        incidents = _incident_table(records, job.target.import_id)
        copy_table(cursor, "incidents", incidents, job.progress)
    except psycopg.errors.UniqueViolation as exc:
        detail = exc.diag.message_detail or str(exc)
        raise ValidationFailed(
            f"an incident id is already stored, nothing imported: {detail}",
            report={
                "errors": [{"record": None, "field": "ref", "message": detail}],
                "error_count": 1,
            },
        ) from exc
    clock.lap("copy_incidents")
    if job.target.plan_id is not None:
        copy_table(cursor, "incident_grids", _grid_table(records, job.target.plan_id), None)
        clock.lap("copy_attribution")
    for statement in saved:
        cursor.execute(statement)
    clock.lap("rebuild_indexes")


def _estimated_rows(cursor: Any) -> int:
    cursor.execute(
        "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'incidents'::regclass"
    )
    return int(cursor.fetchone()[0])


def _drop_secondary(cursor: Any) -> list[str]:
    """Drop foreign keys and non-unique indexes of the incident tables; return how to rebuild."""
    tables = "ARRAY['incidents'::regclass, 'incident_grids'::regclass]"
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        f"WHERE contype = 'f' AND conrelid = ANY({tables})"
    )
    foreign = cursor.fetchall()
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisunique "
        f"AND i.indrelid = ANY({tables})"
    )
    indexes = cursor.fetchall()
    for table, name, _ in foreign:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in foreign
    ]


def copy_table(cursor: Any, table: str, data: pa.Table, progress: Progress | None) -> None:
    """``COPY`` an Arrow table into ``table`` as CSV, in chunks."""
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    with cursor.copy(
        f"COPY {table} ({', '.join(data.column_names)}) FROM STDIN (FORMAT csv)"
    ) as copy:
        for start in range(0, data.num_rows, CHUNK):
            chunk = data.slice(start, CHUNK)
            buffer = io.BytesIO()
            pacsv.write_csv(chunk, buffer, options)
            copy.write(buffer.getbuffer())
            if progress:
                progress(chunk.num_rows)


def _column(records: pd.DataFrame, name: str) -> pa.Array:
    """One column as Arrow: timestamps from epoch seconds, integers, booleans, else text."""
    values = records[name]
    if name in TIME_FIELDS:
        seconds = pd.to_numeric(values, errors="coerce").astype("Int64")
        return pa.array(seconds, type=pa.int64()).cast(pa.timestamp("s", tz="UTC"))
    if name in _BOOLEAN_COLUMNS:
        return pa.array(values.astype(object).where(values.notna(), None), type=pa.bool_())
    if name in _INTEGER_COLUMNS:
        return pa.array(pd.to_numeric(values, errors="coerce").astype("Int64"), type=pa.int64())
    return pa.array(values.astype(object).where(values.notna(), None), type=pa.string())


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    return pa.table({name: _column(frame, name) for name in frame.columns})


def _incident_table(records: pd.DataFrame, import_id: int | None) -> pa.Table:
    frame = records.assign(
        import_id=import_id,
        description=records["description"].fillna(""),
        flags=records["flags"].fillna(""),
        synthetic=records["synthetic"].fillna(False).astype(bool),
    )
    points = shapely.points(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    columns = {
        name: _column(frame, name) for name in INCIDENT_COLUMNS if name not in ("geom", "overdue")
    }
    columns["overdue"] = pa.array(np.zeros(len(frame), dtype=bool))
    columns["geom"] = pa.array(
        shapely.to_wkb(shapely.set_srid(points, SRID), hex=True, include_srid=True)
    )
    return pa.table({name: columns[name] for name in INCIDENT_COLUMNS})


def _grid_table(records: pd.DataFrame, plan_id: int) -> pa.Table:
    """The incident_grids rows of normalised records (times in epoch seconds)."""
    reported = pd.to_numeric(records["reported_at"]).astype("Int64")
    state = records["status"].map(STATE_CODES).fillna(STATE_OPEN).astype(int)
    closed = pd.to_numeric(records["closed_at"]).astype("Int64")
    frame = pd.DataFrame(
        {
            "plan_id": plan_id,
            "incident_id": records["id"],
            "basic_code": records["basic_code"],
            "micro_code": records["micro_code"],
            "class_code": records["class_code"],
            "department": records["department"],
            "state": state,
            "reported_at": reported,
            "handling_due": records["handling_due"],
            "due_s": pd.to_numeric(records["handling_due"]).astype("Int64") - reported,
            "response_s": pd.to_numeric(records["responded_at"]).astype("Int64") - reported,
            "handling_s": (closed - reported).where(state == STATE_CLOSED),
            "rework_count": records["rework_count"],
            "satisfied": records["satisfied"],
        },
        index=records.index,
    )
    return _arrow_table(frame[list(_GRID_COLUMNS)])


# --- SpatiaLite -------------------------------------------------------------------------------

_STAGED = ("id", "class_code", *STAGING_COLUMNS)
_STAGING_TYPES = (
    {name: "bigint" for name in TIME_FIELDS}
    | {name: "integer" for name in COUNT_FIELDS}
    | {"id": "integer", "satisfied": "boolean", "synthetic": "boolean"}
    | {"lon": "double precision", "lat": "double precision"}
)
_SPATIALITE_FACTS = {
    "state": state_code("s.status"),
    "due_s": "s.handling_due - s.reported_at",
    "response_s": "s.responded_at - s.reported_at",
    "handling_s": f"CASE WHEN {is_closed('s.status')} THEN s.closed_at - s.reported_at END",
}


def _load_spatialite(job: _Load) -> None:
    cursor, records, clock = job.cursor, job.records, job.clock
    plan_id, import_id = job.target.plan_id, job.target.import_id
    columns = ", ".join(f"{name} {_STAGING_TYPES.get(name, 'text')}" for name in _STAGED)
    cursor.execute("DROP TABLE IF EXISTS incident_staging")
    cursor.execute(f"CREATE TEMP TABLE incident_staging ({columns})")
    _insert_rows(cursor, "incident_staging", records.reindex(columns=list(_STAGED)), job.progress)
    clock.lap("stage")
    _refuse_stored_refs(cursor)
    values = ", ".join(_staged_value(name, import_id) for name in INCIDENT_COLUMNS)
    cursor.execute(
        f"INSERT INTO incidents ({', '.join(INCIDENT_COLUMNS)}) "
        f"SELECT {values} FROM incident_staging s"
    )
    clock.lap("insert_incidents")
    if plan_id is not None:
        facts = ", ".join(_SPATIALITE_FACTS.get(name) or _staged_value(name) for name in GRID_FACTS)
        cursor.execute(
            f"INSERT INTO incident_grids ({', '.join(_GRID_COLUMNS)}) "
            f"SELECT {int(plan_id)}, s.id, s.basic_code, s.micro_code, {facts} "
            "FROM incident_staging s"
        )
        clock.lap("insert_attribution")
    cursor.execute("DROP TABLE incident_staging")


def _insert_rows(cursor: Any, table: str, frame: pd.DataFrame, progress: Progress | None) -> None:
    """``executemany`` in chunks; missing values go in as NULL."""
    marks = ", ".join("?" * len(frame.columns))
    sql = f"INSERT INTO {table} ({', '.join(frame.columns)}) VALUES ({marks})"
    for start in range(0, len(frame), CHUNK):
        chunk = frame.iloc[start : start + CHUNK].astype(object)
        chunk = chunk.where(chunk.notna(), None)
        cursor.executemany(sql, chunk.itertuples(index=False, name=None))
        if progress:
            progress(len(chunk))


def _refuse_stored_refs(cursor: Any) -> None:
    """ValidationFailed naming the staged ids that are already stored (up to 50)."""
    cursor.execute(
        "SELECT s.ref FROM incident_staging s JOIN incidents i ON i.ref = s.ref LIMIT 50"
    )
    found = [row[0] for row in cursor.fetchall()]
    if not found:
        return
    problems = [
        {"record": ref, "field": "ref", "message": "an incident with this id is already stored"}
        for ref in found
    ]
    raise ValidationFailed(
        f"incident id(s) already stored, nothing imported: {', '.join(found[:5])}"
        + (" ..." if len(found) > 5 else ""),
        report={"errors": problems, "error_count": len(found)},
    )


def _staged_value(name: str, import_id: int | None = None) -> str:
    """SQL over ``incident_staging s`` giving one column of ``incidents``."""
    if name in TIME_FIELDS:
        # SQLAlchemy's own storage format for DateTime on SQLite, always UTC here
        return f"(strftime('%Y-%m-%d %H:%M:%S', s.{name}, 'unixepoch') || '.000000')"
    if name in ("description", "flags"):
        return f"coalesce(s.{name}, '')"
    if name == "synthetic":
        return "coalesce(s.synthetic, 0)"
    if name == "overdue":
        return "0"
    if name == "import_id":
        return "NULL" if import_id is None else str(int(import_id))
    if name == "geom":
        return f"MakePoint(s.lon, s.lat, {SRID})"
    return f"s.{name}"
