"""Open the store: a SpatiaLite file (the embedded default) or PostGIS, and migrate it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

# GEOS and PROJ from the shapely/pyproj wheels must be loaded before mod_spatialite brings the
# system's copies into the process, or the interpreter can crash at exit.
import pyogrio  # noqa: F401
import pyproj  # noqa: F401
import shapely  # noqa: F401
from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import ExceptionContext, make_url

from geogrid.errors import Conflict, InputError, StoreError
from geogrid.settings import StoreSettings

StoreKind = Literal["spatialite", "postgis"]
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@dataclass
class Store:
    """An open store: the engine and what kind of database is behind it."""

    engine: Engine
    kind: StoreKind

    @contextmanager
    def transaction(self, *, wait: bool = True) -> Iterator[Connection]:
        """One write transaction: everything inside commits together or not at all. On
        SpatiaLite it takes the file's write lock at its start (see :func:`write_transaction`);
        reads that write nothing use ``engine.connect()`` and take no lock.

        ``wait=False``: on SpatiaLite, Conflict at once when another writer holds the lock."""
        with write_transaction(self.engine, wait=wait) as conn:
            yield conn

    def migrate(self) -> None:
        """Bring the schema to the newest revision (creates it on a new store)."""
        from alembic import command
        from alembic.config import Config

        _prepare(self.engine, self.kind)
        with write_transaction(self.engine) as conn:
            config = Config()
            config.set_main_option("script_location", str(_MIGRATIONS))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def data_version(self, layer: str) -> int:
        """The version of one layer (see :mod:`geogrid.store.versions`); 0 if never written."""
        from geogrid.store.versions import data_version

        return data_version(self.engine, layer)

    def data_versions(self) -> dict[str, int]:
        """Every layer's version: ``{"buildings": 3, "plans": 2, "plan:7": 1, ...}``."""
        from geogrid.store.versions import data_versions

        return data_versions(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection. One still checked out (a server thread that had
        not finished its read when the server stopped) is closed when it is checked in,
        instead of lying open in the dropped pool until the garbage collector finds it
        (psycopg then warns, at whatever moment that is). The store stays usable, unpooled:
        a connection opened after this is closed on check-in too."""
        retired = self.engine.pool
        self.engine.dispose()
        for pool in (retired, self.engine.pool):
            if not event.contains(pool, "checkin", _close_on_checkin):
                event.listen(pool, "checkin", _close_on_checkin)


def _close_on_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.invalidate()  # closes it; the record opens a new one if ever checked out again


_WRITE = "geogrid_write"  # the execution option that marks a write transaction


@contextmanager
def write_transaction(engine: Engine, *, wait: bool = True) -> Iterator[Connection]:
    """A transaction that will write. On SpatiaLite it begins ``IMMEDIATE``: the write lock is
    taken at the start, waiting up to the busy timeout for another writer. A deferred
    transaction that read first would fail at once (SQLITE_BUSY, "database is locked", no
    waiting) when it came to write after another connection had committed in between. On
    PostgreSQL it is a plain transaction. ``wait=False``: on SpatiaLite, Conflict at once when
    another connection holds the write lock."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: "wait" if wait else "nowait"})  # this Connection
        with conn.begin():
            yield conn


def open_store(settings: StoreSettings) -> Store:
    """Create the engine for the configured database; nothing is written yet."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return Store(_domain_errors(_spatialite_engine(settings)), "spatialite")
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        engine = create_engine(url, echo=settings.echo_sql, pool_pre_ping=True)
        return Store(_domain_errors(engine), "postgis")
    raise StoreError(
        f"unsupported database {url.get_backend_name()!r} in DATABASE_URL; use sqlite:///FILE "
        "(SpatiaLite) or postgresql+psycopg://USER@HOST/DB (PostGIS)"
    )


def _domain_errors(engine: Engine) -> Engine:
    from geogrid.store.incident_feed import install_feed_hooks
    from geogrid.store.versions import install_version_hooks  # versions needs this module

    install_version_hooks(engine)
    install_feed_hooks(engine)
    return _translated_errors(engine)


def _translated_errors(engine: Engine) -> Engine:
    """Database errors leave the store as domain errors, so every caller (and the API's one
    error table) knows them: a refused constraint is Conflict, a value the column cannot take
    is InputError, anything else (unreachable, locked, not migrated) is StoreError."""

    @event.listens_for(engine, "handle_error")
    def _translate(context: ExceptionContext) -> None:
        error = context.sqlalchemy_exception
        if context.is_pre_ping or error is None:
            return  # the pool's liveness check handles its own errors
        detail = " ".join(str(getattr(error, "orig", None) or error).split())[:300]
        if isinstance(error, exc.IntegrityError):
            raise Conflict(f"the store refused the change: {detail}") from error
        if isinstance(error, exc.DataError):
            raise InputError(f"the store cannot hold a value: {detail}") from error
        if isinstance(error, exc.DBAPIError):
            raise StoreError(f"the store failed: {detail}") from error

    return engine


def _spatialite_engine(settings: StoreSettings) -> Engine:
    try:
        import pysqlite3.dbapi2 as sqlite_module  # the stdlib build cannot load extensions
    except ImportError as exc:  # pragma: no cover - a dependency of geogrid
        raise StoreError("pysqlite3-binary is not installed; it is needed for SpatiaLite") from exc
    url = make_url(settings.database_url)
    if not url.database or url.database == ":memory:" or "mode=memory" in str(url):
        # Each pooled connection would open a database of its own: the schema made by one
        # thread would be missing in the next.
        raise StoreError(
            f"an in-memory SQLite store ({settings.database_url}) is not supported: every "
            "connection would see a different, empty database; use sqlite:///FILE"
        )
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        module=sqlite_module,
        echo=settings.echo_sql,
        connect_args={"timeout": settings.spatialite_busy_timeout_s},  # the busy timeout
    )
    library = settings.spatialite_library

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Autocommit at the driver level, so that SQLAlchemy's BEGIN below governs DDL too.
        dbapi_conn.isolation_level = None
        dbapi_conn.enable_load_extension(True)
        try:
            dbapi_conn.load_extension(library)
        except sqlite_module.Error as exc:
            raise StoreError(
                f"cannot load SpatiaLite ({library}): {exc}; install Debian's "
                "libsqlite3-mod-spatialite or set GEOGRID_SPATIALITE_LIBRARY"
            ) from exc
        finally:
            dbapi_conn.enable_load_extension(False)
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        _write_ahead_log(dbapi_conn, sqlite_module, settings.spatialite_synchronous)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # SQLAlchemy's pysqlite recipe: the driver is in autocommit, the transaction is ours.
        # Only write transactions take the lock at the start, so reads never queue for it.
        write = conn.get_execution_options().get(_WRITE)
        if write == "nowait":
            _begin_without_waiting(conn)
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _begin_without_waiting(conn: Connection) -> None:
    raw = conn.connection.driver_connection
    assert raw is not None
    (timeout,) = raw.execute("PRAGMA busy_timeout").fetchone()
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        raw.execute("BEGIN IMMEDIATE")
    except raw.OperationalError as exc:
        raise Conflict(
            "another write to the store is under way (a SpatiaLite file takes one writer at a "
            "time); try again when it has finished"
        ) from exc
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(timeout)}")


def _write_ahead_log(dbapi_conn: Any, sqlite_module: Any, synchronous: str) -> None:
    """Readers do not wait for a writer, and a commit appends to the log instead of rewriting
    pages (one flush with ``full``, none with ``normal``). The mode stays with the file; when
    another connection holds it just now, this one goes on in the mode the file has."""
    with suppress(sqlite_module.OperationalError):
        dbapi_conn.execute("PRAGMA journal_mode = WAL")
    dbapi_conn.execute(f"PRAGMA synchronous = {'FULL' if synchronous == 'full' else 'NORMAL'}")


def _prepare(engine: Engine, kind: StoreKind) -> None:
    if kind == "postgis":
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        return
    # InitSpatialMetaData runs its own transaction, so it goes through the raw connection.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'spatial_ref_sys'")
        (tables,) = cursor.fetchone() or (0,)
        if not tables:
            cursor.execute("SELECT InitSpatialMetaData(1, 'WGS84')")
    finally:
        raw.close()
