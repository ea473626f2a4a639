"""Staff registry and stored analytic results on the shared ``Base``.

Staff answer for grid codes (codes survive redraws); names and phone numbers are personal data
and are read only on request (:func:`geogrid.store.staff.read_staff`). Analytic results (hot
spots, emerging hot spots, coverage, recommendations) are stored per plan and per the data
versions they were computed from, one row of values per grid code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    JSON,
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


class StaffImport(Base):
    """One import of the staff registry: where it came from and its validation summary."""

    __tablename__ = "staff_imports"

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    source_file: Mapped[str] = mapped_column(Text)
    source_crs: Mapped[str] = mapped_column(String(64))
    record_count: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    validation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Staff(Base):
    """A grid worker, part-time worker, building head, grid chief or police officer."""

    __tablename__ = "staff"

    staff_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_imports.id", ondelete="SET NULL"), nullable=True
    )
    geom: Mapped[Any] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=True), nullable=True
    )


class StaffAssignment(Base):
    """One grid (or community / street) code a person answers for."""

    __tablename__ = "staff_assignments"
    __table_args__ = (UniqueConstraint("staff_id", "grid_code"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    staff_id: Mapped[str] = mapped_column(
        ForeignKey("staff.staff_id", ondelete="CASCADE"), index=True
    )
    grid_code: Mapped[str] = mapped_column(String(40), index=True)


class AnalysisResult(Base):
    """One analytic result of a plan: kind, parameters, the data versions it was computed from."""

    __tablename__ = "analysis_results"
    __table_args__ = (
        UniqueConstraint("kind", "plan_id", "level", "params_key", "data_key"),
        Index("ix_analysis_results_plan_kind", "plan_id", "kind"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    plan_id: Mapped[int] = mapped_column(ForeignKey("grid_plans.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(10))
    params_key: Mapped[str] = mapped_column(String(64))
    data_key: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnalysisValue(Base):
    """The values of one result for one grid code (a JSON object of columns)."""

    __tablename__ = "analysis_values"

    result_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_results.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
