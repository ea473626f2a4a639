"""Fast loading of normalised incident records: ``COPY`` on PostGIS, ``executemany`` on SpatiaLite.

Ids are reserved up front, so that ``incidents`` and ``incident_grids`` are loaded side by side
without joining on the external id. Large loads on PostGIS drop the secondary indexes and foreign
keys of both tables inside the transaction and rebuild them afterwards (one sorted build and one
validating join instead of a million index insertions and trigger calls); the tables are locked
against writers for the duration, readers are not blocked until the rebuild.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

from geogrid.errors import ValidationFailed
from geogrid.store._incident_sql import (
    COUNT_FIELDS,
    FLAG_FIELDS,
    INCIDENT_FIELDS,
    STAGING_COLUMNS,
    TIME_FIELDS,
    from_epoch,
    insert_from_staging,
    staging_ddl,
)
from geogrid.store.incident_tables import GRID_FACTS, STATE_CODES

Progress = Callable[[int], None]
CHUNK = 100_000
LARGE_LOAD = 100_000
LAST_TIMINGS: dict[str, float] = {}  # seconds per step of the last load (for benchmarks)
_TABLES = ("incidents", "incident_grids")


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def class_codes(records: pd.DataFrame) -> pd.Series:
    """The most specific category code of each record (item, else sub-category, else category)."""
    out = records["item_code"].astype(object)
    for name in ("subcategory_code", "category_code"):
        out = out.where(out.notna(), records[name].astype(object))
    return out


def load(
    cursor: Any,
    kind: str,
    records: pd.DataFrame,
    *,
    plan_id: int | None,
    import_id: int | None,
    progress: Progress | None = None,
) -> None:
    """Load normalised records (see :func:`geogrid.incidents.intake.normalise`)."""
    clock = _Clock()
    records = records.copy()
    records["class_code"] = class_codes(records)
    records["id"] = _reserve_ids(cursor, kind, len(records))
    clock.lap("reserve_ids")
    if kind == "postgis":
        _load_postgis(
            cursor, records, plan_id=plan_id, import_id=import_id, progress=progress, clock=clock
        )
    else:
        _load_spatialite(
            cursor, records, plan_id=plan_id, import_id=import_id, progress=progress, clock=clock
        )
    LAST_TIMINGS.clear()
    LAST_TIMINGS.update(clock.laps)


def _reserve_ids(cursor: Any, kind: str, n: int) -> np.ndarray:
    if kind == "spatialite":  # one writer at a time: the next ids are free
        cursor.execute("SELECT coalesce(max(id), 0) FROM incidents")
        first = int(cursor.fetchone()[0]) + 1
        return np.arange(first, first + n, dtype=np.int64)
    # Writers wait for this load; readers go on. The sequence is moved past the reserved block.
    cursor.execute("LOCK TABLE incidents IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute(
        "SELECT greatest((SELECT coalesce(max(id), 0) FROM incidents), "
        "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM incidents_id_seq))"
    )
    first = int(cursor.fetchone()[0]) + 1
    if n:
        cursor.execute("SELECT setval('incidents_id_seq', %s)", (first + n - 1,))
    return np.arange(first, first + n, dtype=np.int64)


# --- PostGIS ----------------------------------------------------------------------------------

_INCIDENT_COPY = ("id", *INCIDENT_FIELDS, *TIME_FIELDS, *COUNT_FIELDS, *FLAG_FIELDS,
                  "overdue", "import_id", "geom")  # fmt: skip
_GRID_COPY = ("plan_id", "incident_id", "basic_code", "micro_code", *GRID_FACTS)


def _load_postgis(
    cursor: Any,
    records: pd.DataFrame,
    *,
    plan_id: int | None,
    import_id: int | None,
    progress: Progress | None,
    clock: _Clock,
) -> None:
    import psycopg

    large = len(records) >= LARGE_LOAD and len(records) >= _estimated_rows(cursor)
    saved = _drop_secondary(cursor) if large else []
    clock.lap("drop_indexes")
    try:
        copy_table(cursor, "incidents", _incident_table(records, import_id), progress)
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
    if plan_id is not None:
        copy_table(cursor, "incident_grids", _grid_table(records, plan_id), None)
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
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(ARRAY['incidents'::regclass, 'incident_grids'::regclass])"
    )
    foreign = cursor.fetchall()
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisunique "
        "AND i.indrelid = ANY(ARRAY['incidents'::regclass, 'incident_grids'::regclass])"
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


def _timestamps(values: pd.Series) -> pa.Array:
    seconds = pd.to_numeric(values, errors="coerce").astype("Int64")
    return pa.array(seconds, type=pa.int64()).cast(pa.timestamp("s", tz="UTC"))


def _column(records: pd.DataFrame, name: str) -> pa.Array:
    values = records[name]
    if name in TIME_FIELDS:
        return _timestamps(values)
    if name in ("satisfied", "synthetic"):
        return pa.array(values.astype(object).where(values.notna(), None), type=pa.bool_())
    if name in (
        "id",
        "incident_id",
        "import_id",
        "plan_id",
        "state",
        "due_s",
        "response_s",
        "handling_s",
        *COUNT_FIELDS,
    ):
        return pa.array(pd.to_numeric(values, errors="coerce").astype("Int64"), type=pa.int64())
    return pa.array(values.astype(object).where(values.notna(), None), type=pa.string())


def _incident_table(records: pd.DataFrame, import_id: int | None) -> pa.Table:
    frame = records.assign(
        overdue=False,
        import_id=import_id,
        description=records["description"].fillna(""),
        flags=records["flags"].fillna(""),
        synthetic=records["synthetic"].fillna(False).astype(bool),
    )
    points = shapely.points(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    columns = {
        name: _column(frame, name) for name in _INCIDENT_COPY if name not in ("geom", "overdue")
    }
    columns["overdue"] = pa.array(np.zeros(len(frame), dtype=bool))
    columns["geom"] = pa.array(
        shapely.to_wkb(shapely.set_srid(points, 4326), hex=True, include_srid=True)
    )
    return pa.table({name: columns[name] for name in _INCIDENT_COPY})


def grid_fact_frame(records: pd.DataFrame) -> pd.DataFrame:
    """The incident_grids facts of normalised records (times in epoch seconds)."""
    reported = pd.to_numeric(records["reported_at"]).astype("Int64")
    state = records["status"].map(STATE_CODES).fillna(1).astype(int)
    closed = pd.to_numeric(records["closed_at"]).astype("Int64")
    return pd.DataFrame({
        "incident_id": records["id"],
        "basic_code": records["basic_code"],
        "micro_code": records["micro_code"],
        "class_code": class_codes(records),
        "department": records["department"],
        "state": state,
        "reported_at": reported,
        "handling_due": records["handling_due"],
        "due_s": pd.to_numeric(records["handling_due"]).astype("Int64") - reported,
        "response_s": pd.to_numeric(records["responded_at"]).astype("Int64") - reported,
        "handling_s": (closed - reported).where(state == 2),
        "rework_count": records["rework_count"],
        "satisfied": records["satisfied"],
    }, index=records.index)  # fmt: skip


def _grid_table(records: pd.DataFrame, plan_id: int) -> pa.Table:
    frame = grid_fact_frame(records).assign(plan_id=plan_id)
    return pa.table({name: _column(frame, name) for name in _GRID_COPY})


# --- SpatiaLite -------------------------------------------------------------------------------

_SPATIALITE_FACTS = {
    "state": "CASE s.status WHEN 'reported' THEN 0 WHEN 'rejected' THEN 3 WHEN 'closed' THEN 2 "
    "WHEN 'evaluated' THEN 2 ELSE 1 END",
    "due_s": "s.handling_due - s.reported_at",
    "response_s": "s.responded_at - s.reported_at",
    "handling_s": "CASE WHEN s.status IN ('closed', 'evaluated') THEN s.closed_at - s.reported_at END",
}


def _load_spatialite(
    cursor: Any,
    records: pd.DataFrame,
    *,
    plan_id: int | None,
    import_id: int | None,
    progress: Progress | None,
    clock: _Clock,
) -> None:
    staged = records.reindex(columns=["id", "class_code", *STAGING_COLUMNS])
    cursor.execute("DROP TABLE IF EXISTS incident_staging")
    cursor.execute(
        staging_ddl("spatialite").replace("(ref text", "(id integer, class_code text, ref text")
    )
    marks = ", ".join("?" * len(staged.columns))
    sql = f"INSERT INTO incident_staging ({', '.join(staged.columns)}) VALUES ({marks})"
    for start in range(0, len(staged), CHUNK):
        chunk = staged.iloc[start : start + CHUNK].astype(object)
        chunk = chunk.where(chunk.notna(), None)
        cursor.executemany(sql, chunk.itertuples(index=False, name=None))
        if progress:
            progress(len(chunk))
    clock.lap("stage")
    cursor.execute(
        "SELECT s.ref FROM incident_staging s JOIN incidents i ON i.ref = s.ref LIMIT 50"
    )
    found = [row[0] for row in cursor.fetchall()]
    if found:
        problems = [
            {"record": ref, "field": "ref", "message": "an incident with this id is already stored"}
            for ref in found
        ]
        raise ValidationFailed(
            f"incident id(s) already stored, nothing imported: {', '.join(found[:5])}"
            + (" ..." if len(found) > 5 else ""),
            report={"errors": problems, "error_count": len(found)},
        )
    cursor.execute(
        insert_from_staging("spatialite", import_id)
        .replace("INSERT INTO incidents (", "INSERT INTO incidents (id, ")
        .replace("SELECT ", "SELECT s.id, ", 1)
    )
    clock.lap("insert_incidents")
    if plan_id is not None:
        facts = ", ".join(
            _SPATIALITE_FACTS.get(n)
            or (from_epoch(n, "spatialite") if n in TIME_FIELDS else f"s.{n}")
            for n in GRID_FACTS
        )
        cursor.execute(
            f"INSERT INTO incident_grids ({', '.join(_GRID_COPY)}) "
            f"SELECT {int(plan_id)}, s.id, s.basic_code, s.micro_code, {facts} FROM incident_staging s"
        )
        clock.lap("insert_attribution")
    cursor.execute("DROP TABLE incident_staging")
