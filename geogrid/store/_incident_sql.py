"""The few SQL expressions that differ between PostGIS and SpatiaLite for incidents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine

INCIDENT_FIELDS = (
    "ref", "source", "category_code", "subcategory_code", "item_code", "priority", "status",
    "department", "dispatch_level", "description", "reporter", "photos",
)  # fmt: skip
TIME_FIELDS = (
    "reported_at", "accepted_at", "dispatched_at", "responded_at", "handled_at", "verified_at",
    "closed_at", "evaluated_at", "response_due", "handling_due",
)  # fmt: skip
COUNT_FIELDS = ("rework_count", "reopen_count", "escalation_count")
FLAG_FIELDS = ("satisfied", "flags", "location_crs", "synthetic")
STAGING_COLUMNS = (
    *INCIDENT_FIELDS, *TIME_FIELDS, *COUNT_FIELDS, *FLAG_FIELDS, "lon", "lat", "basic_code",
    "micro_code",
)  # fmt: skip


def dialect(bind: Engine | Connection) -> str:
    """``postgis`` or ``spatialite``."""
    return "postgis" if bind.dialect.name == "postgresql" else "spatialite"


def staging_ddl(kind: str) -> str:
    types = {name: "text" for name in STAGING_COLUMNS}
    types |= {name: "bigint" for name in TIME_FIELDS} | {name: "integer" for name in COUNT_FIELDS}
    types |= {"satisfied": "boolean", "synthetic": "boolean", "lon": "double precision",
              "lat": "double precision"}  # fmt: skip
    columns = ", ".join(f"{name} {types[name]}" for name in STAGING_COLUMNS)
    suffix = " ON COMMIT DROP" if kind == "postgis" else ""
    return f"CREATE TEMP TABLE incident_staging ({columns}){suffix}"


def from_epoch(column: str, kind: str) -> str:
    if kind == "postgis":
        return f"to_timestamp(s.{column})"
    # SQLAlchemy's own storage format for DateTime on SQLite, always UTC here
    return f"(strftime('%Y-%m-%d %H:%M:%S', s.{column}, 'unixepoch') || '.000000')"


def point(kind: str) -> str:
    if kind == "postgis":
        return "ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)"
    return "MakePoint(s.lon, s.lat, 4326)"


def insert_from_staging(kind: str, import_id: int | None) -> str:
    target = [*INCIDENT_FIELDS, *TIME_FIELDS, *COUNT_FIELDS, *FLAG_FIELDS, "overdue",
              "import_id", "geom"]  # fmt: skip
    values = []
    for name in target:
        if name in TIME_FIELDS:
            values.append(from_epoch(name, kind))
        elif name == "photos":
            values.append("s.photos::json" if kind == "postgis" else "s.photos")
        elif name in ("description", "flags"):
            values.append(f"coalesce(s.{name}, '')")
        elif name in ("synthetic",):
            values.append(
                "coalesce(s.synthetic, false)" if kind == "postgis" else "coalesce(s.synthetic, 0)"
            )
        elif name == "overdue":
            values.append("false" if kind == "postgis" else "0")
        elif name == "import_id":
            values.append("NULL" if import_id is None else str(int(import_id)))
        elif name == "geom":
            values.append(point(kind))
        else:
            values.append(f"s.{name}")
    return (
        f"INSERT INTO incidents ({', '.join(target)}) "
        f"SELECT {', '.join(values)} FROM incident_staging s"
    )


def utc(value: datetime | None) -> datetime | None:
    """An aware datetime in UTC (naive input is taken as UTC, as SpatiaLite returns it)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def bind_time(value: datetime, kind: str) -> Any:
    """A datetime as the store compares it: aware on PostGIS, UTC text on SpatiaLite."""
    value = utc(value)  # type: ignore[assignment]
    if kind == "postgis":
        return value
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def seconds_between(later: str, earlier: str, kind: str) -> str:
    if kind == "postgis":
        return f"date_part('epoch', {later} - {earlier})::int4"
    return f"CAST(round((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)"


def fact_expressions(kind: str) -> list[str]:
    """SQL over ``incidents i`` giving the incident_grids facts, in GRID_FACTS order."""
    closed = "i.status IN ('closed', 'evaluated')"
    return [
        "coalesce(i.item_code, i.subcategory_code, i.category_code)",
        "i.department",
        f"CASE WHEN i.status = 'reported' THEN 0 WHEN i.status = 'rejected' THEN 3 "
        f"WHEN {closed} THEN 2 ELSE 1 END",
        "i.reported_at",
        "i.handling_due",
        seconds_between("i.handling_due", "i.reported_at", kind),
        seconds_between("i.responded_at", "i.reported_at", kind),
        f"CASE WHEN {closed} THEN {seconds_between('i.closed_at', 'i.reported_at', kind)} END",
        "i.rework_count",
        "i.satisfied",
    ]
