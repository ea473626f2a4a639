"""Records with an address but no coordinates: kept in ``incident_unlocated`` for a dispatcher.

They are written in the caller's transaction with the rest of their batch, and an id is unique
across ``incidents`` and ``incident_unlocated``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, insert, select

from geogrid.errors import ValidationFailed
from geogrid.store import incident_tables as it
from geogrid.store import tables as t

_UNLOCATED = t.table_of(it.UnlocatedIncident)
_INCIDENTS = t.table_of(it.Incident)


def refuse_stored_unlocated(conn: Connection, records: pd.DataFrame) -> None:
    """ValidationFailed when a record's id is already kept, located or not."""
    refs = records["ref"].astype(str)
    found: list[str] = []
    if conn.execute(select(func.count()).select_from(_UNLOCATED)).scalar_one():
        kept = set(conn.execute(select(_UNLOCATED.c.ref)).scalars())
        found += sorted(set(refs) & kept)
    unlocated = refs[records["unlocated"].to_numpy(dtype=bool)].tolist()
    if unlocated:
        found += list(
            conn.execute(select(_INCIDENTS.c.ref).where(_INCIDENTS.c.ref.in_(unlocated))).scalars()
        )
    if not found:
        return
    problems = [
        {"record": ref, "field": "ref", "message": "an incident with this id is already stored"}
        for ref in found[:50]
    ]
    raise ValidationFailed(
        f"incident id(s) already stored, nothing imported: {', '.join(found[:5])}"
        + (" ..." if len(found) > 5 else ""),
        report={"errors": problems, "error_count": len(found)},
    )


def write_unlocated(conn: Connection, records: pd.DataFrame, *, import_id: int | None) -> int:
    """Insert the unlocated records (normalised, times in epoch seconds); returns how many."""
    if records.empty:
        return 0
    now = datetime.now(UTC)
    rows = [
        {
            "ref": str(row["ref"]),
            "import_id": import_id,
            # no address (a position that placed nothing, and no address): empty, not "None"
            "address": "" if pd.isna(row["address"]) else str(row["address"]),
            "category_code": row.get("category_code"),
            "reported_at": _at(row.get("reported_at")),
            "record": _jsonable({str(k): v for k, v in row.items()}),
            "flagged_at": now,
        }
        for row in records.to_dict(orient="records")
    ]
    conn.execute(insert(_UNLOCATED), rows)
    return len(rows)


def unlocated_incidents(conn: Connection) -> list[dict[str, Any]]:
    """Every kept unlocated record, oldest first (for a dispatcher's list)."""
    rows = conn.execute(select(_UNLOCATED).order_by(_UNLOCATED.c.id)).all()
    return [dict(row._mapping) for row in rows]


def _at(value: Any) -> datetime | None:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return datetime.fromtimestamp(int(value), UTC)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """The record as plain JSON values (NaN and pandas NA as null)."""
    text = pd.Series(row).to_json(default_handler=str)
    out: dict[str, Any] = json.loads(text)
    return out
