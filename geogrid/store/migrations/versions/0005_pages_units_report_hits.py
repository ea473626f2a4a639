"""a spatial index on plan_units.geom (the editor reads a draft's units as vector tiles, one box
query per tile, instead of all of them at once) and report_hits (the QR intake's rate limit,
shared by every API process)

Revision ID: 0005_pages_units_report_hits
Revises: 0004_stats_grid_stats
Create Date: 2026-11-30 04:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_pages_units_report_hits"
down_revision = "0004_stats_grid_stats"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_geospatial_index(
        "idx_plan_units_geom",
        "plan_units",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "report_hits",
        sa.Column("id", _ID, nullable=False),
        sa.Column("address", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_report_hits_address_at", "report_hits", ["address", "at"])


def downgrade() -> None:
    op.drop_index("ix_report_hits_address_at", table_name="report_hits")
    op.drop_table("report_hits")
    op.drop_geospatial_index(
        "idx_plan_units_geom",
        table_name="plan_units",
        postgresql_using="gist",
        column_name="geom",
    )
