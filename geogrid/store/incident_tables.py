"""Incident tables on the shared ``Base``: incidents, their transitions, imports, and the grid
attribution of each incident under each plan (kept per plan, so old plans stay queryable)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from geogrid.layers.incident_stats import STATE_CLOSED, STATE_CODES, STATE_OPEN
from geogrid.store.tables import SRID, Base, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid alias).
IdType = BigInteger().with_variant(Integer(), "sqlite")


class IncidentImport(Base):
    """One bulk import (or synthetic batch): where it came from and how many records."""

    __tablename__ = "incident_imports"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    source_file: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(16))
    source_crs: Mapped[str] = mapped_column(String(64))
    record_count: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Incident(Base):
    """A grid incident (事件) with its current workflow state and deadlines."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_reported_at", "reported_at"),
        Index("ix_incidents_status", "status"),
        Index("ix_incidents_category", "category_code"),
        Index("ix_incidents_department", "department"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(20), default="app")
    category_code: Mapped[str] = mapped_column(String(2))
    subcategory_code: Mapped[str | None] = mapped_column(String(4), nullable=True)
    item_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    priority: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(12), default="reported")
    department: Mapped[str | None] = mapped_column(String(60), nullable=True)
    dispatch_level: Mapped[str | None] = mapped_column(String(10), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    reporter: Mapped[str | None] = mapped_column(String(100), nullable=True)
    photos: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    response_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    handling_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rework_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    escalation_count: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    flags: Mapped[str] = mapped_column(String(120), default="")
    location_crs: Mapped[str] = mapped_column(String(16), default="EPSG:4326")
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident_imports.id", ondelete="CASCADE"), nullable=True
    )
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True))


class IncidentEvent(Base):
    """One workflow transition: who did what, when, with which note."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_status: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class IncidentGrid(Base):
    """The basic and micro grid of an incident under one plan (null codes: outside every grid),
    with a copy of the few incident fields statistics need, so that per-grid statistics read one
    narrow table. The repository keeps the copy in step on every transition."""

    __tablename__ = "incident_grids"
    __table_args__ = (
        Index("ix_incident_grids_plan_basic", "plan_id", "basic_code"),
        Index("ix_incident_grids_incident", "incident_id"),
    )

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("grid_plans.id", ondelete="CASCADE"), primary_key=True
    )
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    basic_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    micro_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    class_code: Mapped[str] = mapped_column(String(6))
    department: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # 0 reported, 1 in progress, 2 closed, 3 rejected (geogrid.layers.incident_stats.STATE_CODES)
    state: Mapped[int] = mapped_column(SmallInteger)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    handling_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_s: Mapped[int] = mapped_column(Integer)  # handling window in seconds
    response_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    handling_s: Mapped[int | None] = mapped_column(Integer, nullable=True)  # report to close
    rework_count: Mapped[int] = mapped_column(SmallInteger, default=0)
    satisfied: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


GRID_FACTS = (
    "class_code",
    "department",
    "state",
    "reported_at",
    "handling_due",
    "due_s",
    "response_s",
    "handling_s",
    "rework_count",
    "satisfied",
)
"""The incident facts copied into incident_grids (class_code: the most specific category code)."""


def grid_facts(incident: dict[str, Any]) -> dict[str, Any]:
    """The facts of one incident (a row of ``incidents`` as a dict) as incident_grids holds them."""
    reported = incident["reported_at"]

    def seconds(value: datetime | None) -> int | None:
        return None if value is None else round((value - reported).total_seconds())

    state = STATE_CODES.get(incident["status"], STATE_OPEN)
    return {
        "class_code": incident["item_code"]
        or incident["subcategory_code"]
        or incident["category_code"],
        "department": incident["department"],
        "state": state,
        "reported_at": reported,
        "handling_due": incident["handling_due"],
        "due_s": seconds(incident["handling_due"]),
        "response_s": seconds(incident["responded_at"]),
        "handling_s": seconds(incident["closed_at"]) if state == STATE_CLOSED else None,
        "rework_count": incident["rework_count"],
        "satisfied": incident["satisfied"],
    }


class UnlocatedIncident(Base):
    """A record that came without coordinates but with an address (an Open311 request, a
    hotline call): kept for a dispatcher to place, never dropped and never failing its batch.
    ``record`` holds the normalised record (times in epoch seconds) as it would be stored."""

    __tablename__ = "incident_unlocated"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("incident_imports.id", ondelete="CASCADE"), nullable=True
    )
    address: Mapped[str] = mapped_column(Text)
    category_code: Mapped[str | None] = mapped_column(String(2), nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    flagged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
