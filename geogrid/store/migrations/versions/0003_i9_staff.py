"""staff registry, assignments and stored analytic results (hot spots, coverage)

Revision ID: 0003_i9_staff
Revises: 0003_i11_unlocated
Create Date: 2026-11-29 22:00:00
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0003_i9_staff"
down_revision = "0003_i11_unlocated"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "staff_imports",
        sa.Column("id", _ID, nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("source_crs", sa.String(length=64), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("validation", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_table(
        "staff",
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("import_id", _ID, nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(["import_id"], ["staff_imports.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("staff_id"),
    )
    op.create_geospatial_index(
        "idx_staff_geom",
        "staff",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index("ix_staff_role", "staff", ["role"], unique=False)
    op.create_table(
        "staff_assignments",
        sa.Column("id", _ID, nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("grid_code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.staff_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "grid_code"),
    )
    op.create_index("ix_staff_assignments_staff_id", "staff_assignments", ["staff_id"])
    op.create_index("ix_staff_assignments_grid_code", "staff_assignments", ["grid_code"])
    op.create_table(
        "analysis_results",
        sa.Column("id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("params_key", sa.String(length=64), nullable=False),
        sa.Column("data_key", sa.String(length=200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["grid_plans.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "plan_id", "level", "params_key", "data_key"),
    )
    op.create_index("ix_analysis_results_plan_kind", "analysis_results", ["plan_id", "kind"])
    op.create_table(
        "analysis_values",
        sa.Column("result_id", _ID, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["result_id"], ["analysis_results.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("result_id", "code"),
    )


def downgrade() -> None:
    op.drop_table("analysis_values")
    op.drop_index("ix_analysis_results_plan_kind", table_name="analysis_results")
    op.drop_table("analysis_results")
    op.drop_index("ix_staff_assignments_grid_code", table_name="staff_assignments")
    op.drop_index("ix_staff_assignments_staff_id", table_name="staff_assignments")
    op.drop_table("staff_assignments")
    op.drop_index("ix_staff_role", table_name="staff")
    op.drop_geospatial_index(
        "idx_staff_geom", table_name="staff", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("staff")
    op.drop_table("staff_imports")
