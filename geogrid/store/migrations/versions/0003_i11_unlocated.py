"""incident_unlocated: records with an address but no coordinates, kept for a dispatcher

Revision ID: 0003_i11_unlocated
Revises: 0002
Create Date: 2026-11-29 22:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_i11_unlocated"
down_revision = "0003_i7_data_versions"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "incident_unlocated",
        sa.Column("id", _ID, nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("import_id", _ID, nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("category_code", sa.String(length=2), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["incident_imports.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )


def downgrade() -> None:
    op.drop_table("incident_unlocated")
