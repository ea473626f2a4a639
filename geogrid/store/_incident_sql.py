"""The incident columns, and the few SQL expressions that differ between PostGIS and SpatiaLite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geogrid.incidents import intake
from geogrid.layers.incident_stats import CLOSED, STATE_CODES, STATE_OPEN
from geogrid.store.engine import StoreKind

INCIDENT_FIELDS = (
    "ref",
    "source",
    "category_code",
    "subcategory_code",
    "item_code",
    "priority",
    "status",
    "department",
    "dispatch_level",
    "description",
    "reporter",
    "photos",
)
TIME_FIELDS = (*intake.TIME_FIELDS, "response_due", "handling_due")
COUNT_FIELDS = intake.COUNT_FIELDS
FLAG_FIELDS = ("satisfied", "flags", "location_crs", "synthetic")
INCIDENT_COLUMNS = (
    "id",
    *INCIDENT_FIELDS,
    *TIME_FIELDS,
    *COUNT_FIELDS,
    *FLAG_FIELDS,
    "overdue",
    "import_id",
    "geom",
)
"""The columns a bulk load writes into ``incidents``."""
STAGING_COLUMNS = (
    *INCIDENT_FIELDS,
    *TIME_FIELDS,
    *COUNT_FIELDS,
    *FLAG_FIELDS,
    "lon",
    "lat",
    "basic_code",
    "micro_code",
)
"""The normalised record columns a bulk load reads."""


def utc(value: datetime | None) -> datetime | None:
    """An aware datetime in UTC (naive input is taken as UTC, as SpatiaLite returns it)."""
    return None if value is None else _aware_utc(value)


def _aware_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def bind_time(value: datetime, kind: StoreKind) -> Any:
    """A datetime as the store compares it: aware on PostGIS, UTC text on SpatiaLite."""
    aware = _aware_utc(value)
    if kind == "postgis":
        return aware
    return aware.strftime("%Y-%m-%d %H:%M:%S.%f")


def seconds_between(later: str, earlier: str, kind: StoreKind) -> str:
    """Whole seconds from ``earlier`` to ``later`` (two timestamp columns)."""
    if kind == "postgis":
        return f"date_part('epoch', {later} - {earlier})::int4"
    return f"CAST(round((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)"


def is_closed(status: str) -> str:
    """SQL: the status column holds a closed state."""
    return f"{status} IN ({', '.join(repr(name) for name in CLOSED)})"


def state_code(status: str) -> str:
    """SQL: the state code (see ``STATE_CODES``) of a status column."""
    whens = " ".join(f"WHEN '{name}' THEN {code}" for name, code in STATE_CODES.items())
    return f"CASE {status} {whens} ELSE {STATE_OPEN} END"


def fact_expressions(kind: StoreKind) -> list[str]:
    """SQL over ``incidents i`` giving the incident_grids facts, in GRID_FACTS order."""
    handling = seconds_between("i.closed_at", "i.reported_at", kind)
    return [
        "coalesce(i.item_code, i.subcategory_code, i.category_code)",
        "i.department",
        state_code("i.status"),
        "i.reported_at",
        "i.handling_due",
        seconds_between("i.handling_due", "i.reported_at", kind),
        seconds_between("i.responded_at", "i.reported_at", kind),
        f"CASE WHEN {is_closed('i.status')} THEN {handling} END",
        "i.rework_count",
        "i.satisfied",
    ]
