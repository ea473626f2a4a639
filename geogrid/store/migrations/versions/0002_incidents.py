"""incidents: incidents, transitions, imports and per-plan grid attribution

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:40:00
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "incident_imports",
        sa.Column("id", _ID, nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("source_crs", sa.String(length=64), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        _at("imported_at", nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_table(
        "incidents",
        sa.Column("id", _ID, nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("category_code", sa.String(length=2), nullable=False),
        sa.Column("subcategory_code", sa.String(length=4), nullable=True),
        sa.Column("item_code", sa.String(length=6), nullable=True),
        sa.Column("priority", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("department", sa.String(length=60), nullable=True),
        sa.Column("dispatch_level", sa.String(length=10), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reporter", sa.String(length=100), nullable=True),
        sa.Column("photos", sa.JSON(), nullable=True),
        _at("reported_at", nullable=False),
        _at("accepted_at"),
        _at("dispatched_at"),
        _at("responded_at"),
        _at("handled_at"),
        _at("verified_at"),
        _at("closed_at"),
        _at("evaluated_at"),
        _at("response_due", nullable=False),
        _at("handling_due", nullable=False),
        sa.Column("rework_count", sa.Integer(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("escalation_count", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("flags", sa.String(length=120), nullable=False),
        sa.Column("location_crs", sa.String(length=16), nullable=False),
        sa.Column("import_id", _ID, nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["import_id"], ["incident_imports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    op.create_geospatial_index(
        "idx_incidents_geom",
        "incidents",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_incidents_reported_at", "incidents", ["reported_at"], unique=False)
    op.create_index("ix_incidents_status", "incidents", ["status"], unique=False)
    op.create_index("ix_incidents_category", "incidents", ["category_code"], unique=False)
    op.create_index("ix_incidents_department", "incidents", ["department"], unique=False)
    op.create_table(
        "incident_events",
        sa.Column("id", _ID, nullable=False),
        sa.Column("incident_id", _ID, nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        _at("at", nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_incident_events_incident_id"), "incident_events", ["incident_id"], unique=False
    )
    op.create_table(
        "incident_grids",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", _ID, nullable=False),
        sa.Column("basic_code", sa.String(length=40), nullable=True),
        sa.Column("micro_code", sa.String(length=40), nullable=True),
        sa.Column("class_code", sa.String(length=6), nullable=False),
        sa.Column("department", sa.String(length=60), nullable=True),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        _at("reported_at", nullable=False),
        _at("handling_due", nullable=False),
        sa.Column("due_s", sa.Integer(), nullable=False),
        sa.Column("response_s", sa.Integer(), nullable=True),
        sa.Column("handling_s", sa.Integer(), nullable=True),
        sa.Column("rework_count", sa.SmallInteger(), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["grid_plans.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plan_id", "incident_id"),
    )
    op.create_index(
        "ix_incident_grids_plan_basic", "incident_grids", ["plan_id", "basic_code"], unique=False
    )
    op.create_index("ix_incident_grids_incident", "incident_grids", ["incident_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_incident_grids_incident", table_name="incident_grids")
    op.drop_index("ix_incident_grids_plan_basic", table_name="incident_grids")
    op.drop_table("incident_grids")
    op.drop_index(op.f("ix_incident_events_incident_id"), table_name="incident_events")
    op.drop_table("incident_events")
    for name in ("department", "category", "status", "reported_at"):
        op.drop_index(f"ix_incidents_{name}", table_name="incidents")
    op.drop_geospatial_index(
        "idx_incidents_geom", table_name="incidents", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("incidents")
    op.drop_table("incident_imports")
