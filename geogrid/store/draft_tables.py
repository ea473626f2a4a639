"""Draft editing tables on the shared ``Base``: each plan's units and their micro grid, the
draft's version (the ETag), its edit log (undo/redo), and partition jobs."""

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
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from geogrid.store.incident_tables import IdType
from geogrid.store.tables import SRID, Base, utcnow


class PlanUnit(Base):
    """One unit (building cell) of a plan and the micro grid it belongs to."""

    __tablename__ = "plan_units"
    __table_args__ = (Index("ix_plan_units_plan_micro", "plan_id", "micro_code"),)

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("grid_plans.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community: Mapped[str] = mapped_column(String(12))
    building_group: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer, default=0)
    buildings: Mapped[int] = mapped_column(Integer, default=0)
    building_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    micro_code: Mapped[str] = mapped_column(String(40))
    # spatial index from migration 0005 (the editor's unit tiles ask by box)
    geom: Mapped[Any] = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=True))


class PlanDraft(Base):
    """The editing state of a plan: version (ETag), locked grids, the reason to publish."""

    __tablename__ = "plan_drafts"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("grid_plans.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    locked: Mapped[list[str]] = mapped_column(JSON, default=list)
    publish_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanEdit(Base):
    """One accepted edit, undo or redo of a draft; ``version`` is the version it produced."""

    __tablename__ = "plan_edits"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("grid_plans.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(8))  # edit, undo, redo
    target: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # undone/redone version
    op: Mapped[dict[str, Any]] = mapped_column(JSON)
    delta: Mapped[dict[str, Any]] = mapped_column(JSON)
    touched: Mapped[list[str]] = mapped_column(JSON)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PartitionJob(Base):
    """A partition run in the background: scope, progress, result plan or error.

    ``active_key`` is set while the job is queued or running and NULL after: a unique column, so
    a second job on the same draft (the same base plan or scope) is refused by the database.
    """

    __tablename__ = "partition_jobs"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    status: Mapped[str] = mapped_column(String(10), index=True)
    active_key: Mapped[str | None] = mapped_column(String(80), nullable=True, unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(40), default="queued")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("grid_plans.id", ondelete="SET NULL"), nullable=True
    )
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(100))
    worker_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the process running it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
