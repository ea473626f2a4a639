"""A single report does not wait for workflow updates of other incidents (PostGIS row locks,
no table lock); code prefixes from users are literal, never LIKE wildcards."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from incident_plans import COMMUNITY, grid_center
from sqlalchemy import text

from geogrid.store import Store
from geogrid.store.incident_stats import incident_stats
from geogrid.store.incidents import report_incident, transition

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


def _record(ref: str, i: int = 1) -> dict[str, object]:
    lon, lat = grid_center(i, 1)
    return {"ref": ref, "lon": lon, "lat": lat, "category": "030101", "reported_at": T0.isoformat()}


def test_a_report_does_not_wait_for_a_workflow_update(published: tuple[Store, int]) -> None:
    store, _ = published
    if store.kind != "postgis":
        pytest.skip("SpatiaLite has one writer at a time by design")
    with store.transaction() as conn:
        first = report_incident(conn, _record("A-1"), actor="worker")["id"]

    def report_meanwhile() -> int:
        with store.transaction() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '3s'"))
            return int(report_incident(conn, _record("A-2", 2), actor="worker")["id"])

    with ThreadPoolExecutor(1) as other, store.transaction() as conn:
        transition(conn, first, "accept", actor="centre")  # open: holds its locks
        second = other.submit(report_meanwhile).result(timeout=30)
    assert second != first


@pytest.mark.parametrize(("within", "expected"), [(COMMUNITY, 2), (COMMUNITY[:9] + "_01", 0)])
def test_a_prefix_is_literal(published: tuple[Store, int], within: str, expected: int) -> None:
    store, _ = published
    with store.transaction() as conn:
        for i in (1, 2):
            report_incident(conn, _record(f"P-{i}", i), actor="worker")
    stats = incident_stats(store.engine, by="basic", within=within)
    assert int(stats["reported"].sum()) == expected
    assert incident_stats(store.engine, by="category", categories=["0_"])["reported"].sum() == 0
