"""The public QR intake's rate limit, kept in the store so that it holds across every API
process (``geogrid serve --workers N``, several hosts on one PostGIS): one row per report
filed, keyed by a digest of the client address (never the address itself).

Only reports filed count: a resident's failed attempts (an unknown grid, a bad form or photo)
file nothing and use up nothing of the allowance. An address already at its limit is refused
before any work (:func:`check_allowance`); the filing transaction counts the report
(:func:`count_report`), so a concurrent burst cannot file more than the limit either.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, DateTime, Index, String, delete, func, insert, select, text
from sqlalchemy.orm import Mapped, mapped_column

from geogrid.errors import RateLimited
from geogrid.store._bind import store_kind
from geogrid.store._incident_sql import utc
from geogrid.store.incident_tables import IdType
from geogrid.store.tables import Base


class ReportHit(Base):
    """One report accepted from an address (its digest) at a time (UTC)."""

    __tablename__ = "report_hits"
    __table_args__ = (Index("ix_report_hits_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    address: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def _refusal(
    conn: Connection, address: str, *, limit: int, window_s: float, now: datetime, extra: int
) -> RateLimited | None:
    """RateLimited when the reports of ``address`` in the window before ``now``, plus
    ``extra`` not yet stored, are over ``limit``; None otherwise."""
    since = now - timedelta(seconds=window_s)
    count, first = conn.execute(
        select(func.count(), func.min(ReportHit.at)).where(
            ReportHit.address == address, ReportHit.at > since
        )
    ).one()
    if count + extra <= limit:
        return None
    wait = int(((utc(first) or now) - since).total_seconds()) + 1
    return RateLimited(
        f"at most {limit} reports per {window_s / 60:.0f} minutes from one address; "
        f"try again in {wait} s",
        retry_after=wait,
    )


def check_allowance(
    conn: Connection, address: str, *, limit: int, window_s: float, now: datetime
) -> None:
    """RateLimited when ``address`` (a digest) has filed ``limit`` reports in the ``window_s``
    seconds before ``now`` (aware UTC), so that one more would be over it. Reads only."""
    refused = _refusal(conn, address, limit=limit, window_s=window_s, now=now, extra=1)
    if refused is not None:
        raise refused


def count_report(
    conn: Connection, address: str, *, limit: int, window_s: float, now: datetime
) -> None:
    """Count one report from ``address`` (a digest) at ``now`` (aware UTC) inside the caller's
    transaction; RateLimited (nothing counted) when ``limit`` reports already arrived in the
    ``window_s`` seconds before. Concurrent callers are serialised per address: PostgreSQL by a
    transaction advisory lock, SQLite by its single writer (the row is written before counting).
    Rows older than the window are deleted on the way.
    """
    if store_kind(conn) == "postgis":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:a))"), {"a": f"qr:{address}"})
    since = now - timedelta(seconds=window_s)
    conn.execute(delete(ReportHit).where(ReportHit.address == address, ReportHit.at <= since))
    conn.execute(insert(ReportHit).values(address=address, at=now))
    refused = _refusal(conn, address, limit=limit, window_s=window_s, now=now, extra=0)
    if refused is not None:  # the caller's transaction rolls back: this report is not counted
        raise refused
