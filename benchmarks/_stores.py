"""Throwaway stores for the benchmarks: a new SpatiaLite file or PostGIS database per run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from geogrid.settings import StoreSettings
from geogrid.store import Store, open_store

ADMIN_URL = os.environ.get(
    "GEOGRID_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def throwaway_store(kind: str, folder: Path, prefix: str = "geogrid_bench") -> Iterator[Store]:
    """An empty store (not yet migrated) of ``kind``, removed when the block ends.

    SpatiaLite: a new file in ``folder``; PostGIS: a new database beside ``ADMIN_URL``'s.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    if kind == "spatialite":
        path = folder / f"{name}.sqlite"
        store = open_store(StoreSettings(database_url=f"sqlite:///{path}"))
        try:
            yield store
        finally:
            store.dispose()
            path.unlink(missing_ok=True)
        return
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    store = open_store(StoreSettings(database_url=url))
    try:
        yield store
    finally:
        store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
