"""big-screen KPI answers shared by every API process: kpi_answers (encoded JSON per
jurisdiction and as_of key, with the data version, plan and grid_stats seq it counted)

Revision ID: 0005_kpi_kpi_answers
Revises: 0004_stats_grid_stats
Create Date: 2026-11-30 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_kpi_kpi_answers"
down_revision = "0005_pages_units_report_hits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kpi_answers",
        sa.Column("jurisdiction", sa.String(40), primary_key=True),
        sa.Column("as_of", sa.String(16), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("plan_id", sa.Integer, nullable=True),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kpi_answers")
