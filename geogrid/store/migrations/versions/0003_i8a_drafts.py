"""drafts: plan units, draft versions, edit log and partition jobs

Revision ID: 0003_i8a_drafts
Revises: 0003_i13b_tile_versions
Create Date: 2026-11-29 21:40:00
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0003_i8a_drafts"
down_revision = "0003_i13b_tile_versions"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _plan_fk(ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["plan_id"], ["grid_plans.id"], ondelete=ondelete)


def upgrade() -> None:
    op.create_geospatial_table(
        "plan_units",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("community", sa.String(length=12), nullable=False),
        sa.Column("building_group", sa.Integer(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("buildings", sa.Integer(), nullable=False),
        sa.Column("building_ids", sa.JSON(), nullable=False),
        sa.Column("micro_code", sa.String(length=40), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        _plan_fk(),
        sa.PrimaryKeyConstraint("plan_id", "unit_id"),
    )
    op.create_index("ix_plan_units_plan_micro", "plan_units", ["plan_id", "micro_code"])
    op.create_table(
        "plan_drafts",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("locked", sa.JSON(), nullable=False),
        sa.Column("publish_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _plan_fk(),
        sa.PrimaryKeyConstraint("plan_id"),
    )
    op.create_table(
        "plan_edits",
        sa.Column("id", _ID, nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("target", sa.BigInteger(), nullable=True),
        sa.Column("op", sa.JSON(), nullable=False),
        sa.Column("delta", sa.JSON(), nullable=False),
        sa.Column("touched", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _plan_fk(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "version"),
    )
    op.create_table(
        "partition_jobs",
        sa.Column("id", _ID, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("active_key", sa.String(length=80), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _plan_fk("SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("active_key"),
    )
    op.create_index("ix_partition_jobs_status", "partition_jobs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_partition_jobs_status", table_name="partition_jobs")
    op.drop_table("partition_jobs")
    op.drop_table("plan_edits")
    op.drop_table("plan_drafts")
    op.drop_index("ix_plan_units_plan_micro", table_name="plan_units")
    op.drop_table("plan_units")
