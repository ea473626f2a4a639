"""natural_villages: polygons of natural villages (自然村), a layer kind like compounds, so that
``geogrid import --layer natural_villages`` stores them and the partition on the store keeps
each village in one grid where it fits

Revision ID: 0006_villages_natural_villages
Revises: 0005_kpi_kpi_answers
Create Date: 2026-12-01 02:00:00
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0006_villages_natural_villages"
down_revision = "0005_kpi_kpi_answers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # as 0001 made compounds: the geometry column without its own index, then the spatial
    # index (SpatiaLite's R*Tree, a GiST on PostGIS) under the name the models give it
    op.create_geospatial_table(
        "natural_villages",
        sa.Column("village_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
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
        sa.PrimaryKeyConstraint("village_id"),
    )
    op.create_geospatial_index(
        "idx_natural_villages_geom",
        "natural_villages",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )


def downgrade() -> None:
    op.drop_geospatial_index(
        "idx_natural_villages_geom",
        table_name="natural_villages",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("natural_villages")
