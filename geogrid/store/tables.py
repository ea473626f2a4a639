"""The one schema, on SpatiaLite and PostGIS: SQLAlchemy 2 models with geoalchemy2 geometry.

Every geometry is stored in EPSG:4326 with a spatial index. Incidents and staff get their own
modules on the same ``Base`` (see :mod:`geogrid.store.incident_tables`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SRID = 4326


def _geometry(kind: str = "GEOMETRY") -> Geometry:
    """A geometry column in the storage SRID with a spatial index."""
    return Geometry(geometry_type=kind, srid=SRID, spatial_index=True)


def utcnow() -> datetime:
    """Now, as an aware datetime in UTC (every stored time is UTC)."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every geogrid table."""


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, typed as a Table (for Core inserts and selects)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class LayerSource(Base):
    """Where each layer came from: file, CRS as received, assumptions (one row per import)."""

    __tablename__ = "layer_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer: Mapped[str] = mapped_column(String(32), index=True)
    source_file: Mapped[str] = mapped_column(Text)
    source_crs: Mapped[str] = mapped_column(String(64))
    feature_count: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    assumptions: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    validation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class District(Base):
    """A district (区/县): 6-digit NBS code (the adcode)."""

    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[Any] = mapped_column(_geometry())


class Street(Base):
    """A street (街道), town (镇) or township (乡): 9-digit NBS code."""

    __tablename__ = "streets"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    district_code: Mapped[str | None] = mapped_column(String(6), nullable=True, index=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[Any] = mapped_column(_geometry())


class Community(Base):
    """A community (社区) or village (村): 12-digit NBS code, with its area type."""

    __tablename__ = "communities"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    street_code: Mapped[str | None] = mapped_column(String(9), nullable=True, index=True)
    area_type: Mapped[str] = mapped_column(String(20), default="urban_community")
    households: Mapped[int | None] = mapped_column(Integer, nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[Any] = mapped_column(_geometry())


class Compound(Base):
    """A residential compound (小区): kept in one grid where it fits."""

    __tablename__ = "compounds"

    compound_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[Any] = mapped_column(_geometry())


class NaturalVillage(Base):
    """A natural village (自然村) of a village, rural or mountain parent: kept in one grid where
    it fits; buildings outside every natural village are clustered instead."""

    __tablename__ = "natural_villages"

    village_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[Any] = mapped_column(_geometry())


class Building(Base):
    """A building with its households, given or estimated (``households_source``)."""

    __tablename__ = "buildings"

    building_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    levels: Mapped[int | None] = mapped_column(Integer, nullable=True)
    households: Mapped[int | None] = mapped_column(Integer, nullable=True)
    households_source: Mapped[str | None] = mapped_column(String(10), nullable=True)
    compound_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    use: Mapped[str | None] = mapped_column(String(32), nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[Any] = mapped_column(_geometry())


class BarrierLine(Base):
    """Roads (with class), waterways and railways: where grid boundaries should run."""

    __tablename__ = "barrier_lines"
    __table_args__ = (UniqueConstraint("kind", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    source_id: Mapped[str] = mapped_column(String(64))
    line_class: Mapped[str | None] = mapped_column(String(20), nullable=True)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    geom: Mapped[Any] = mapped_column(_geometry())


_PUBLISHED = text("status = 'published'")


class GridPlan(Base):
    """A versioned grid plan: draft, published or archived; at most one is published.

    ``built_from`` holds the data versions of the layers the plan was partitioned from.
    """

    __tablename__ = "grid_plans"
    __table_args__ = (
        # One published plan at a time, enforced by the database itself (both stores).
        Index(
            "ux_grid_plans_one_published",
            "status",
            unique=True,
            sqlite_where=_PUBLISHED,
            postgresql_where=_PUBLISHED,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    author: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    based_on: Mapped[int | None] = mapped_column(ForeignKey("grid_plans.id"), nullable=True)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    built_from: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)


class DataVersion(Base):
    """A counter per layer, bumped by every write transaction to it (for ETags and stale checks).

    ``layer`` is a layer kind (``buildings``, ``roads``, ...), ``plans``, ``plan:<id>`` (that
    plan's grids) or ``incidents``. A layer without a row has version 0.
    """

    __tablename__ = "data_versions"

    layer: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Grid(Base):
    """One grid of a plan at one level (large, medium, basic, micro)."""

    __tablename__ = "grids"
    __table_args__ = (
        UniqueConstraint("plan_id", "code"),
        Index("ix_grids_plan_level", "plan_id", "level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("grid_plans.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(40))
    parent_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    households: Mapped[int] = mapped_column(Integer, default=0)
    buildings: Mapped[int] = mapped_column(Integer, default=0)
    area_m2: Mapped[float | None] = mapped_column(Float, nullable=True)
    geom: Mapped[Any] = mapped_column(_geometry())
