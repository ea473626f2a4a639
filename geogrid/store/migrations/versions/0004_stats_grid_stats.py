"""per-grid incident statistics: grid_stats, the marks of grids to refresh, and the triggers
on incident_grids that write them (every write path, bulk COPY included)

Revision ID: 0004_stats_grid_stats
Revises: 0003_i8a_drafts
Create Date: 2026-11-30 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_stats_grid_stats"
down_revision = "0004_plansapi_job_worker"
branch_labels = None
depends_on = None

_COUNTS = (
    "incidents",
    "accepted",
    "open",
    "closed",
    "closed_late",
    "on_time",
    "reworked",
    "open_overdue",
)

# PostgreSQL: one statement-level trigger per operation with its transition tables, so a COPY
# of a million rows writes its marks in one INSERT ... SELECT DISTINCT. The marks table has no
# key: two writers marking one grid never wait for each other.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION geogrid_grid_stats_mark() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    INSERT INTO grid_stats_dirty (plan_id, level, code)
    SELECT DISTINCT plan_id, 'basic', coalesce(basic_code, '') FROM old_rows
    UNION SELECT DISTINCT plan_id, 'micro', micro_code FROM old_rows WHERE micro_code IS NOT NULL;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO grid_stats_dirty (plan_id, level, code)
    SELECT DISTINCT plan_id, 'basic', coalesce(basic_code, '') FROM new_rows
    UNION SELECT DISTINCT plan_id, 'micro', micro_code FROM new_rows WHERE micro_code IS NOT NULL;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
_PG_TRIGGERS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}


def _sqlite_marks(row: str) -> str:
    return (
        "INSERT OR IGNORE INTO grid_stats_dirty (plan_id, level, code) "
        f"VALUES ({row}.plan_id, 'basic', coalesce({row}.basic_code, ''));\n"
        "INSERT OR IGNORE INTO grid_stats_dirty (plan_id, level, code) "
        f"SELECT {row}.plan_id, 'micro', {row}.micro_code WHERE {row}.micro_code IS NOT NULL;\n"
    )


_LEVELS = ("large", "medium", "basic", "micro")
_SQLITE_ROWS = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}


def upgrade() -> None:
    op.create_table(
        "grid_stats",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=5), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
        sa.Column("next_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["grid_plans.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("plan_id", "level", "code"),
    )
    op.create_index("ix_grid_stats_next_due", "grid_stats", ["next_due"])
    op.create_index("ix_grid_stats_seq", "grid_stats", ["seq"])
    op.create_table(
        "grid_stats_dirty",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=5), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
    )
    op.create_index(
        "ix_incident_grids_plan_micro", "incident_grids", ["plan_id", "micro_code"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        # One spatial index per grid level: a basic-grid tile no longer walks the micro grids
        # its box meets (ten times as many) to filter them out (the tile SQL names the level
        # as a literal so the planner can match the index's predicate).
        for level in _LEVELS:
            op.execute(
                f"CREATE INDEX ix_grids_geom_{level} ON grids USING gist (geom) "
                f"WHERE level = '{level}'"
            )
        op.execute(_PG_FUNCTION)
        for what, referencing in _PG_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER grid_stats_mark_{what} AFTER {what.upper()} ON incident_grids "
                f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION geogrid_grid_stats_mark()"
            )
    else:
        op.create_index(
            "ux_grid_stats_dirty", "grid_stats_dirty", ["plan_id", "level", "code"], unique=True
        )
        for what, rows in _SQLITE_ROWS.items():
            body = "".join(_sqlite_marks(row) for row in rows)
            op.execute(
                f"CREATE TRIGGER grid_stats_mark_{what} AFTER {what.upper()} ON incident_grids "
                f"FOR EACH ROW BEGIN\n{body}END"
            )
    # What is already attributed is counted by the first refresh.
    op.execute(
        "INSERT INTO grid_stats_dirty (plan_id, level, code) "
        "SELECT DISTINCT plan_id, 'basic', coalesce(basic_code, '') FROM incident_grids "
        "UNION SELECT DISTINCT plan_id, 'micro', micro_code FROM incident_grids "
        "WHERE micro_code IS NOT NULL"
    )


def downgrade() -> None:
    for what in _PG_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS grid_stats_mark_{what}" + (
            " ON incident_grids" if op.get_bind().dialect.name == "postgresql" else ""
        ))  # fmt: skip
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS geogrid_grid_stats_mark()")
        for level in _LEVELS:
            op.execute(f"DROP INDEX IF EXISTS ix_grids_geom_{level}")
    op.drop_index("ix_incident_grids_plan_micro", table_name="incident_grids")
    op.drop_table("grid_stats_dirty")
    op.drop_table("grid_stats")
