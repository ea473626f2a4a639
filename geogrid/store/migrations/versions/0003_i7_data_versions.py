"""data versions per layer; one published plan at a time; the data a plan was built from

Revision ID: 0003_i7_data_versions
Revises: 0002
Create Date: 2026-11-29 21:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_i7_data_versions"
down_revision = "0002"
branch_labels = None
depends_on = None

_PUBLISHED = sa.text("status = 'published'")


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("layer", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("layer"),
    )
    op.add_column("grid_plans", sa.Column("built_from", sa.JSON(), nullable=True))
    # A store that already holds two published plans keeps the newest one published.
    op.execute(
        "UPDATE grid_plans SET status = 'archived' WHERE status = 'published' "
        "AND id < (SELECT max(id) FROM grid_plans WHERE status = 'published')"
    )
    op.create_index(
        "ux_grid_plans_one_published",
        "grid_plans",
        ["status"],
        unique=True,
        sqlite_where=_PUBLISHED,
        postgresql_where=_PUBLISHED,
    )


def downgrade() -> None:
    op.drop_index("ux_grid_plans_one_published", table_name="grid_plans")
    with op.batch_alter_table("grid_plans") as batch:
        batch.drop_column("built_from")
    op.drop_table("data_versions")
