"""Run statements on an engine or inside the caller's connection; tell the two databases apart."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Row

from geogrid.errors import NotFound, StoreError
from geogrid.store.engine import StoreKind

MAX_ID = 2**63 - 1  # the largest id either database can hold


def existing_id(value: int, what: str) -> int:
    """``value`` when a row could have it; NotFound for an id no row can have (not positive,
    or beyond 64 bits, which SQLite cannot even compare)."""
    if not 0 < value <= MAX_ID:
        raise NotFound(f"{what} {value} does not exist")
    return value


def like_prefix(value: str) -> str:
    """A LIKE pattern matching the strings that start with ``value`` literally: a user's ``%``
    or ``_`` is a character, not a wildcard. Use with ``ESCAPE '\\'``."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def digit_prefix_range(value: str) -> tuple[str, str] | None:
    """``[low, high)`` holding exactly the digit strings that start with the digits ``value``
    (``"3702"`` -> ``("3702", "3703")``), so an index on a code column can serve a prefix
    filter (a ``LIKE`` with a bound pattern cannot use a btree index under a non-C collation).
    None when ``value`` is empty, holds anything but ASCII digits, or is all nines."""
    if not value or not value.isascii() or not value.isdigit() or set(value) == {"9"}:
        return None
    return value, str(int(value) + 1).zfill(len(value))


def store_kind(bind: Engine | Connection) -> StoreKind:
    """``postgis`` or ``spatialite``: the database behind an engine or connection."""
    return "postgis" if bind.dialect.name == "postgresql" else "spatialite"


@contextmanager
def connected(bind: Engine | Connection) -> Iterator[Connection]:
    """The caller's connection as it is, or a connection of the engine for this block only."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            yield conn
    else:
        yield bind


def fetch_all(bind: Engine | Connection, stmt: Any, params: Any = None) -> list[Row[Any]]:
    """Every row of ``stmt`` (a Core statement or ``text``) on an engine or connection."""
    with connected(bind) as conn:
        return list(conn.execute(stmt, params).all())


@contextmanager
def driver_cursor(conn: Connection, **options: Any) -> Iterator[Any]:
    """A cursor of the driver's own connection (psycopg or sqlite), inside the transaction.

    Bulk loads go through it: ``COPY`` and ``executemany`` without SQLAlchemy's per-row work.
    """
    raw = conn.connection.driver_connection
    if raw is None:
        raise StoreError("the database connection is closed")
    cursor = raw.cursor(**options)
    try:
        yield cursor
    finally:
        cursor.close()
