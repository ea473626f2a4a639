"""The closed loop on both stores: transitions recorded, refusals change nothing, overdue sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from incident_plans import grid_center, square_plan

from geogrid.errors import IllegalTransition, NotFound
from geogrid.store import Store, publish_plan
from geogrid.store.incidents import (
    flag_overdue,
    get_incident,
    incident_events,
    report_incident,
    transition,
)

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing


@pytest.fixture
def incident(store: Store) -> tuple[Store, int]:
    with store.transaction() as conn:
        publish_plan(conn, square_plan(conn))
        record = {
            "ref": "W-1",
            "lon": grid_center(1, 1)[0],
            "lat": grid_center(1, 1)[1],
            "category": "030101",
            "reported_at": T0.isoformat(),
        }
        return store, report_incident(conn, record, actor="网格员")["id"]


def _run(store: Store, incident_id: int, steps: list[tuple[str, dict[str, Any]]]) -> dict:
    out: dict = {}
    for i, (action, params) in enumerate(steps, 1):
        with store.transaction() as conn:
            out = transition(
                conn,
                incident_id,
                action,
                actor=f"actor{i}",
                at=T0 + timedelta(hours=i),
                note=f"step {i}",
                **params,
            )
    return out


FULL_LOOP: list[tuple[str, dict[str, Any]]] = [
    ("accept", {}),
    ("dispatch", {"department": "市政公用事业服务中心", "level": "community"}),
    ("escalate", {}),
    ("respond", {}),
    ("finish", {}),
    ("return_for_rework", {}),
    ("finish", {}),
    ("verify", {}),
    ("close", {}),
    ("evaluate", {"satisfied": False}),
]


def test_the_full_loop_is_recorded_step_by_step(incident: tuple[Store, int]) -> None:
    store, incident_id = incident
    final = _run(store, incident_id, FULL_LOOP)
    assert final["status"] == "evaluated" and final["satisfied"] is False
    assert final["dispatch_level"] == "street" and final["escalation_count"] == 1
    assert final["rework_count"] == 1
    assert final["closed_at"] == T0 + timedelta(hours=9)
    events = incident_events(store.engine, incident_id)
    assert [e["action"] for e in events] == ["report"] + [a for a, _ in FULL_LOOP]
    assert [e["actor"] for e in events[1:]] == [f"actor{i}" for i in range(1, 11)]
    assert events[3]["details"] == {"from_level": "community", "to_level": "street"}
    assert events[-1]["note"] == "step 10" and events[-1]["at"] == T0 + timedelta(hours=10)


def test_reopen_brings_a_closed_incident_back(incident: tuple[Store, int]) -> None:
    store, incident_id = incident
    _run(store, incident_id, FULL_LOOP[:2] + FULL_LOOP[3:5] + FULL_LOOP[7:9])
    with store.transaction() as conn:
        reopened = transition(conn, incident_id, "reopen", actor="居民", note="still broken")
    assert reopened["status"] == "accepted" and reopened["reopen_count"] == 1
    assert reopened["closed_at"] is None


def test_an_illegal_transition_changes_nothing(incident: tuple[Store, int]) -> None:
    store, incident_id = incident
    before = get_incident(store.engine, incident_id)
    with (
        pytest.raises(IllegalTransition, match="cannot close an incident that is reported"),
        store.transaction() as conn,
    ):
        transition(conn, incident_id, "close", actor="x")
    assert get_incident(store.engine, incident_id) == before
    assert len(incident_events(store.engine, incident_id)) == 1


def test_escalation_stops_at_district(incident: tuple[Store, int]) -> None:
    store, incident_id = incident
    _run(
        store, incident_id, [("accept", {}), ("dispatch", {"department": "d", "level": "district"})]
    )
    with (
        pytest.raises(IllegalTransition, match="already dispatched at district"),
        store.transaction() as conn,
    ):
        transition(conn, incident_id, "escalate", actor="x")


def test_reject_as_duplicate_then_reopen(incident: tuple[Store, int]) -> None:
    store, incident_id = incident
    out = _run(store, incident_id, [("reject", {"reason": "duplicate"}), ("reopen", {})])
    assert out["status"] == "reported"
    assert incident_events(store.engine, incident_id)[1]["details"] == {"reason": "duplicate"}


def test_unknown_incident(store: Store) -> None:
    with pytest.raises(NotFound), store.transaction() as conn:
        transition(conn, 12345, "accept", actor="x")


def test_overdue_incidents_are_flagged_and_escalated_once(incident: tuple[Store, int]) -> None:
    store, incident_id = incident
    _run(store, incident_id, FULL_LOOP[:2])
    due = get_incident(store.engine, incident_id)["handling_due"]
    with store.transaction() as conn:
        assert flag_overdue(conn, now=due - timedelta(minutes=1)) == []
        assert flag_overdue(conn, now=due + timedelta(minutes=1)) == [incident_id]
        assert flag_overdue(conn, now=due + timedelta(hours=5)) == []
    after = get_incident(store.engine, incident_id)
    assert after["overdue"] is True and after["dispatch_level"] == "street"
    assert incident_events(store.engine, incident_id)[-1]["actor"] == "system"
