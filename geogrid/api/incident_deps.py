"""What the incident, statistics, feed and Open311 routes share: who may write, one write
transaction (audit, data version, feed wake-up), jurisdiction checks and local times."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from pydantic import Field
from sqlalchemy import Connection

from geogrid.api.access import INCIDENT_WRITERS, Principal, record_write, require
from geogrid.api.feed import FeedHub
from geogrid.errors import Forbidden, InputError
from geogrid.incidents.deadlines import LOCAL_TZ
from geogrid.store import Store
from geogrid.store.incident_feed import sees

IncidentWriter = Annotated[Principal, Depends(require(*INCIDENT_WRITERS))]
TEXT = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL; refuse it at the door (400, not 503)
Text = Annotated[str, Field(pattern=TEXT)]
CategoryCode = Annotated[str, Field(pattern=r"^[0-9]{1,6}$")]
CodePrefix = Annotated[str, Field(pattern=r"^[0-9]{1,40}$")]


def get_feed(request: Request) -> FeedHub:
    """The feed hub the lifespan started."""
    hub: FeedHub = request.app.state.feed
    return hub


FeedDep = Annotated[FeedHub, Depends(get_feed)]


@contextmanager
def incident_write(
    store: Store, hub: FeedHub, principal: Principal, action: str, target: str
) -> Iterator[Connection]:
    """One write transaction on incidents: the caller's changes (which bump the ``incidents``
    data version in the store layer) and the audit record commit together; the feed is woken
    after the commit."""
    with store.transaction() as conn:
        yield conn
        record_write(conn, principal, action, target)
    hub.wake()


def within(principal: Principal) -> str | None:
    """The principal's jurisdiction as a code prefix filter (None: everything)."""
    return principal.jurisdiction or None


def check_sees(principal: Principal, code: str | None, *, what: str) -> None:
    """Forbidden unless the principal's jurisdiction sees an incident in grid ``code``."""
    if not sees(principal.jurisdiction, code):
        place = f"grid {code}" if code else "no grid"
        raise Forbidden(f"{what} lies in {place}, outside jurisdiction {principal.jurisdiction}")


YEARS = (1900, 2200)
"""The years a time from a query may fall in (incidents, plans and replays of them): outside
them a time is a typing error, and year 1 would overflow when moved to UTC."""


def local_time(value: datetime | None, *, field: str = "time") -> datetime | None:
    """A time from a query, in UTC; naive values are Beijing time (as on the command line).
    InputError (naming ``field``) outside :data:`YEARS`."""
    if value is None:
        return None
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise InputError(
            f"{value.isoformat()} is not in the years {YEARS[0]}-{YEARS[1]}", field=field
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(LOCAL_TZ))
    return value.astimezone(UTC)
