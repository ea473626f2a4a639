"""The live feed with real API processes: two on PostGIS (an incident posted to one reaches the
feeds of both within a second, by LISTEN/NOTIFY), one on SpatiaLite (in-process broadcast);
a client that reconnects with Last-Event-ID misses nothing; the jurisdiction rule filters."""

from __future__ import annotations

import time

import httpx2
from _api import issue_key
from _feed import api_process, open_feed
from incidents.incident_plans import grid_center, square_grids

from geogrid.store import Store, publish_plan, save_plan

NORTH, SOUTH = "370212001001", "370212001002"


def _two_community_plan(store: Store) -> None:
    """3 x 3 grids: k = 0..4 in NORTH, 5..8 in SOUTH (k = 3 i + j)."""
    grids = square_grids(community=lambda k: NORTH if k < 5 else SOUTH)
    with store.transaction() as conn:
        publish_plan(conn, save_plan(conn, grids, report={}, author="test"))


def _post(base: str, key: str, ref: str, i: int, j: int) -> tuple[dict, float]:
    lon, lat = grid_center(i, j)
    response = httpx2.post(
        f"{base}/incidents",
        json={"ref": ref, "lon": lon, "lat": lat, "category": "030101"},
        headers={"X-API-Key": key},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json(), time.monotonic()


def _act(base: str, key: str, incident_id: int, action: str) -> None:
    response = httpx2.post(
        f"{base}/incidents/{incident_id}/actions/{action}", headers={"X-API-Key": key}, timeout=30
    )
    assert response.status_code == 200, response.text


def _url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_two_processes_on_postgis_share_the_feed_and_resume(postgis_store: Store) -> None:
    store = postgis_store
    _two_community_plan(store)
    writer = issue_key(store, role="dispatcher", jurisdiction="370212", name="writer")
    screen = issue_key(store, role="viewer", jurisdiction="370212", name="district screen")
    south = issue_key(store, role="viewer", jurisdiction=SOUTH, name="south screen")
    with api_process(_url(store)) as a, api_process(_url(store)) as b:
        with (
            open_feed(b, screen) as on_b,
            open_feed(a, screen) as on_a,
            open_feed(b, south) as south_b,
        ):
            first, posted = _post(a, writer, "N-1", 0, 0)  # NORTH
            seen_b, seen_a = on_b.next_event(), on_a.next_event()
            assert seen_b["ref"] == "N-1" and seen_b["action"] == "report"
            assert seen_b["basic_code"] == f"{NORTH}01" and seen_b["incident_id"] == first["id"]
            assert seen_b["_id"] == seen_a["_id"]
            assert seen_b["_at"] - posted < 1.0  # the other process's client, within a second
            _post(b, writer, "S-1", 2, 2)  # SOUTH, through the other process
            assert on_a.next_event()["ref"] == "S-1"
            assert on_b.next_event()["ref"] == "S-1"
            only_south = south_b.next_event()  # N-1 was never sent to the south screen
            assert only_south["ref"] == "S-1" and only_south["basic_code"] == f"{SOUTH}09"
            last_seen = only_south["_id"]
        # while the screens are away: three reports and a transition, on both processes
        _post(a, writer, "N-2", 1, 0)
        _post(b, writer, "S-2", 2, 1)
        _act(a, writer, first["id"], "accept")
        _post(a, writer, "S-3", 1, 2)  # k = 5: SOUTH
        with open_feed(a, screen, last_event_id=last_seen) as again:
            missed = [again.next_event() for _ in range(4)]
            assert [(e["ref"], e["action"]) for e in missed] == [
                ("N-2", "report"),
                ("S-2", "report"),
                ("N-1", "accept"),
                ("S-3", "report"),
            ]
            ids = [e["_id"] for e in missed]
            assert ids == sorted(ids) and ids[0] > last_seen
            _post(b, writer, "N-3", 0, 1)  # live again after the replay
            assert again.next_event()["ref"] == "N-3"
        with open_feed(b, south, last_event_id=last_seen) as south_again:
            assert [south_again.next_event()["ref"] for _ in range(2)] == ["S-2", "S-3"]


def test_one_process_on_spatialite_broadcasts_in_process(spatialite_store: Store) -> None:
    store = spatialite_store
    _two_community_plan(store)
    writer = issue_key(store, role="dispatcher", jurisdiction="370212", name="writer")
    screen = issue_key(store, role="viewer", jurisdiction=NORTH, name="north screen")
    with api_process(_url(store)) as base:
        with open_feed(base, screen) as feed:
            incident, posted = _post(base, writer, "N-1", 0, 0)
            event = feed.next_event()
            assert event["ref"] == "N-1" and event["_at"] - posted < 1.0
            _act(base, writer, incident["id"], "accept")
            accepted = feed.next_event()
            assert accepted["action"] == "accept" and accepted["to_status"] == "accepted"
        _post(base, writer, "S-1", 2, 2)  # not for the north screen
        _post(base, writer, "N-2", 0, 2)
        with open_feed(base, screen, last_event_id=accepted["_id"]) as again:
            assert again.next_event()["ref"] == "N-2"
        with open_feed(base, screen, last_event_id=0) as replay:
            history = [replay.next_event() for _ in range(3)]
            assert [(e["ref"], e["action"]) for e in history] == [
                ("N-1", "report"),
                ("N-1", "accept"),
                ("N-2", "report"),
            ]
