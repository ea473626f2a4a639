"""Alembic environment: runs on the connection the store hands over (SpatiaLite or PostGIS)."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

import geogrid.store.all_tables as all_tables

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=all_tables.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    include_object=alembic_helpers.include_object,
    process_revision_directives=alembic_helpers.writer,
    render_item=alembic_helpers.render_item,
)
with context.begin_transaction():
    context.run_migrations()
