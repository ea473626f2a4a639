"""The feed's event order, incident search and the big-screen KPIs, on both stores."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from incident_plans import COMMUNITY, grid_center, square_plan
from sqlalchemy import text

from geogrid.store import Store, publish_plan
from geogrid.store.incident_bulk import import_incidents
from geogrid.store.incident_feed import (
    feed_events,
    last_event_id,
    record_import_events,
    sees,
)
from geogrid.store.incident_kpis import command_kpis, windows
from geogrid.store.incident_query import IncidentFilter, find_incidents, last_events
from geogrid.store.incidents import report_incident, transition

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing


def _record(ref: str, i: int, j: int, category: str = "030101", at: datetime = T0) -> dict:
    lon, lat = grid_center(i, j)
    return {"ref": ref, "lon": lon, "lat": lat, "category": category, "reported_at": at.isoformat()}


@pytest.fixture
def published(store: Store) -> Store:
    with store.transaction() as conn:
        publish_plan(conn, square_plan(conn))
    return store


def test_events_come_in_id_order_with_grid_and_place(published: Store) -> None:
    store = published
    with store.transaction() as conn:
        a = report_incident(conn, _record("A", 0, 0), actor="w1")["id"]
        b = report_incident(conn, _record("B", 2, 2), actor="w2")["id"]
    with store.transaction() as conn:
        transition(conn, a, "accept", actor="d1", at=T0 + timedelta(hours=1), note="ok")
    events = feed_events(store.engine, after=0)
    assert [(e["incident_id"], e["action"]) for e in events] == [
        (a, "report"),
        (b, "report"),
        (a, "accept"),
    ]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert events[0]["basic_code"] == f"{COMMUNITY}01" and events[0]["ref"] == "A"
    assert events[1]["basic_code"] == f"{COMMUNITY}09"
    assert events[2]["to_status"] == "accepted" and events[2]["note"] == "ok"
    assert events[0]["lon"] == pytest.approx(grid_center(0, 0)[0])
    assert events[2]["at"] == (T0 + timedelta(hours=1)).isoformat()
    assert feed_events(store.engine, after=events[1]["id"]) == events[2:]
    assert last_event_id(store.engine) == events[2]["id"]
    # one grid's jurisdiction sees its own incident's events only
    mine = feed_events(store.engine, after=0, within=f"{COMMUNITY}09")
    assert [e["ref"] for e in mine] == ["B"]
    assert feed_events(store.engine, after=0, within="370213") == []
    assert last_events(store.engine, [a, b])[a]["action"] == "accept"


def test_bulk_import_events_one_per_incident(published: Store) -> None:
    store = published
    frame = pd.DataFrame([_record(f"I{k}", k % 3, k // 3) for k in range(6)])
    with store.transaction() as conn:
        summary = import_incidents(conn, frame, source_file="f.csv", actor="imp")
        assert record_import_events(conn, int(summary.import_id or 0), actor="imp") == 6
    events = feed_events(store.engine, after=0)
    assert [e["ref"] for e in events] == [f"I{k}" for k in range(6)]
    assert {e["action"] for e in events} == {"import"}


def test_the_jurisdiction_rule_of_the_feed() -> None:
    assert sees(None, None) and sees("", "x")
    assert sees("370212", None) and not sees("370212001", None)
    assert sees("370212001", "37021200100101") and not sees("370212002", "37021200100101")


def test_event_ids_follow_commit_order_on_postgis(postgis_store: Store) -> None:
    """A writer that started second but commits first does not wait for the one still open,
    and its event takes the lower id: events are written inside the commit under the
    feed-order lock, so ids follow commit order and a reader never skips an event. (SQLite
    serialises writers by itself.)"""
    store = postgis_store
    with store.transaction() as conn:
        publish_plan(conn, square_plan(conn))
        first = report_incident(conn, _record("F", 0, 0), actor="w")["id"]
    done: list[int] = []

    def second_writer() -> None:
        with store.transaction() as conn2:
            conn2.execute(text("SET LOCAL lock_timeout = '3s'"))
            report_incident(conn2, _record("S", 1, 1), actor="w")
        done.append(last_event_id(store.engine))

    with store.transaction() as conn:
        transition(conn, first, "accept", actor="d")
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(10)
        assert len(done) == 1  # committed while this transaction was still open
    events = feed_events(store.engine, after=0)
    assert [(e["ref"], e["action"]) for e in events] == [
        ("F", "report"),
        ("S", "report"),
        ("F", "accept"),
    ]
    assert done == [events[1]["id"]] and events[1]["id"] < events[2]["id"]


def test_find_incidents_filters_and_pages(published: Store) -> None:
    store = published
    with store.transaction() as conn:
        ids = [
            report_incident(conn, _record(f"R{k}", k, 0, at=T0 + timedelta(hours=k)), actor="w")[
                "id"
            ]
            for k in range(3)
        ]
        transition(conn, ids[0], "accept", actor="d")
    rows, total = find_incidents(store.engine, IncidentFilter(), limit=2)
    assert total == 3 and [r["ref"] for r in rows] == ["R2", "R1"]
    assert rows[0]["basic_code"] == f"{COMMUNITY}07"
    accepted, n = find_incidents(store.engine, IncidentFilter(status=["accepted"]))
    assert n == 1 and accepted[0]["ref"] == "R0"
    late, n = find_incidents(store.engine, IncidentFilter(start=T0 + timedelta(minutes=30)))
    assert [r["ref"] for r in late] == ["R2", "R1"]
    assert n == 2
    _, n = find_incidents(store.engine, IncidentFilter(), within=f"{COMMUNITY}04")
    assert n == 1
    _, n = find_incidents(store.engine, IncidentFilter(category=["03"]))
    assert n == 3
    _, n = find_incidents(store.engine, IncidentFilter(category=["01"]))
    assert n == 0


def test_kpi_windows_are_beijing_days() -> None:
    # 2025-03-03 17:30 UTC is 2025-03-04 01:30 in Beijing
    starts = windows(datetime(2025, 3, 3, 17, 30, tzinfo=UTC))
    assert starts["today"] == datetime(2025, 3, 3, 16, 0, tzinfo=UTC)
    assert starts["year"] == datetime(2024, 12, 31, 16, 0, tzinfo=UTC)
    assert starts["day"] == datetime(2025, 2, 2, 16, 0, tzinfo=UTC)  # 30 days incl. today
    assert starts["week"] == datetime(2024, 12, 15, 16, 0, tzinfo=UTC)  # Monday, 12 weeks
    assert starts["month"] == datetime(2024, 3, 31, 16, 0, tzinfo=UTC)  # 2024-04-01 local


def test_command_kpis_count_today_and_the_year(published: Store) -> None:
    store = published
    now = T0 + timedelta(hours=5)  # Monday 14:00 Beijing
    with store.transaction() as conn:
        old = report_incident(conn, _record("OLD", 0, 0, at=T0 - timedelta(days=20)), actor="w")
        new = report_incident(conn, _record("NEW", 1, 1, at=T0), actor="w")
        report_incident(conn, _record("ROAD", 2, 2, category="0102", at=T0), actor="w")
        steps = [
            ("accept", {}),
            ("dispatch", {"department": "城管", "level": "community"}),
            ("respond", {}),
            ("finish", {}),
            ("verify", {}),
            ("close", {}),
        ]
        for k, (action, options) in enumerate(steps):
            transition(
                conn,
                new["id"],
                action,
                actor="d",
                at=T0 + timedelta(minutes=10 * k + 10),
                **options,
            )
    kpis = command_kpis(store.engine, as_of=now)
    assert kpis["today"] == {"reported": 2, "closed": 1, "overdue": 1, "open": 2}
    year = kpis["year"]
    assert year["reported"] == 3 and year["closed"] == 1 and year["accepted"] == 1
    assert year["settlement_rate"] == 1.0 and year["on_time_rate"] == 1.0
    assert [c["key"] for c in kpis["top_categories"]] == ["03", "01"]
    assert kpis["top_categories"][0]["reported"] == 2
    # the big screen's English switch shows these names
    assert [(c["name"], c["name_en"]) for c in kpis["top_categories"]] == [
        ("市政设施", "Municipal facilities"),
        ("城市管理", "City appearance"),
    ]
    days = {row["period"]: row["reported"] for row in kpis["trends"]["day"]}
    assert days == {"2025-02-11": 1, "2025-03-03": 2}
    assert [d["key"] for d in kpis["departments"]] == ["城管"]
    assert {s["key"] for s in kpis["streets"]} == {"370212001"}
    inside = command_kpis(store.engine, as_of=now, within=f"{COMMUNITY}01")
    assert inside["today"]["reported"] == 0 and inside["year"]["reported"] == 1
    assert old["ref"] == "OLD"
