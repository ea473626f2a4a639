"""The current data versions of a store, known without a query per request.

Tile caches need the versions on every request; asking the database each time would cost more
than serving a cached tile. So:

- **PostGIS**: a trigger on ``data_versions`` sends ``NOTIFY geogrid_data_versions`` in the
  writing transaction (delivered when it commits); a thread of each server process LISTENs on
  its own connection and re-reads the table on every notification. While that connection is
  down, :meth:`VersionWatch.current` reads the table itself (correct, slower).
- **SpatiaLite**: ``PRAGMA data_version`` on a connection of our own changes whenever another
  connection commits; the table is re-read only then (the pragma costs microseconds).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import make_url

from geogrid.store.engine import Store

CHANNEL = "geogrid_data_versions"
_READ = "SELECT layer, version FROM data_versions"


class VersionWatch:
    """Follows ``data_versions``; ``on_reset`` is called when versions go backwards (a store
    emptied by hand), so caches keyed on them can be dropped."""

    def __init__(self, store: Store, *, on_reset: Callable[[], None] | None = None) -> None:
        self._store = store
        self._on_reset = on_reset
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._live = False
        self._sqlite: Any = None
        self._sqlite_seen: int | None = None

    def start(self) -> None:
        """Read the versions and start following them."""
        if self._store.kind == "postgis":
            self._thread = threading.Thread(
                target=self._listen, name="geogrid-versions", daemon=True
            )
            self._thread.start()
        else:
            import pysqlite3.dbapi2 as sqlite

            path = make_url(self._store.engine.url).database or ":memory:"
            self._sqlite = sqlite.connect(path, check_same_thread=False, isolation_level=None)
        self._set(self.read())

    def stop(self) -> None:
        """Stop following (the listening thread ends within half a second)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._sqlite is not None:
            self._sqlite.close()

    def read(self) -> dict[str, int]:
        """The versions as the database holds them now (one query)."""
        if self._sqlite is not None:
            with self._lock:
                return {str(k): int(v) for k, v in self._sqlite.execute(_READ).fetchall()}
        with self._store.engine.connect() as conn:
            return {str(k): int(v) for k, v in conn.exec_driver_sql(_READ).all()}

    def current(self) -> Mapping[str, int]:
        """The versions now; a layer never written is absent (version 0)."""
        if self._sqlite is not None:
            with self._lock:
                (seen,) = self._sqlite.execute("PRAGMA data_version").fetchone()
            if seen != self._sqlite_seen:
                self._sqlite_seen = seen
                self._set(self.read())
            return self._versions
        if not self._live:
            self._set(self.read())
        return self._versions

    def refresh(self) -> Mapping[str, int]:
        """The versions read from the table now (a writer's commit may not have been notified
        yet: PostgreSQL delivers NOTIFY a moment later)."""
        self._set(self.read())
        return self._versions

    def _set(self, versions: dict[str, int]) -> None:
        old = self._versions
        if self._on_reset is not None and any(versions.get(k, 0) < v for k, v in old.items()):
            self._on_reset()
        self._versions = versions

    def _listen(self) -> None:
        import psycopg

        url = make_url(self._store.engine.url).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._set(_rows(conn))
                    self._live = True
                    while not self._stop.is_set():
                        if any(True for _ in conn.notifies(timeout=0.5)):
                            self._set(_rows(conn))
            except psycopg.Error:
                self._live = False
                self._stop.wait(1.0)
        self._live = False


def _rows(conn: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in conn.execute(_READ).fetchall()}
