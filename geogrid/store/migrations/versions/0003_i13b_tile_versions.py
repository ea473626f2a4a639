"""tile caches follow data versions: NOTIFY on every change of data_versions (PostGIS)

Revision ID: 0003_i13b_tile_versions
Revises: 0003_i13a_access
Create Date: 2026-11-29 22:00:00
"""

from alembic import op

revision = "0003_i13b_tile_versions"
down_revision = "0003_i13a_access"
branch_labels = None
depends_on = None

# The notification is sent when the writing transaction commits, to every server process
# listening (geogrid.store.version_watch); SpatiaLite needs nothing (PRAGMA data_version).
_FUNCTION = """
CREATE OR REPLACE FUNCTION geogrid_notify_data_versions() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('geogrid_data_versions', OLD.layer);
  ELSE
    PERFORM pg_notify('geogrid_data_versions', NEW.layer);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
_TRIGGER = """
CREATE TRIGGER data_versions_notify AFTER INSERT OR UPDATE OR DELETE ON data_versions
FOR EACH ROW EXECUTE FUNCTION geogrid_notify_data_versions()
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    op.execute(_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS data_versions_notify ON data_versions")
    op.execute("DROP FUNCTION IF EXISTS geogrid_notify_data_versions()")
