"""The SpatiaLite file runs with a write-ahead log: readers do not wait for a writer, and how a
commit reaches the disk is a setting (``GEOGRID_SPATIALITE_SYNCHRONOUS``)."""

from __future__ import annotations

from pathlib import Path

from geogrid.settings import StoreSettings
from geogrid.store import open_store


def test_write_ahead_log_and_synchronous_setting(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'g.sqlite'}"
    for setting, expected in (("normal", 1), ("full", 2)):  # SQLite's numbers for the modes
        store = open_store(StoreSettings(database_url=url, spatialite_synchronous=setting))
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == expected
        store.dispose()
