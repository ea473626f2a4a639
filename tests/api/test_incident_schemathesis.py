"""Schemathesis on the incident, statistics and Open311 routes: no generated request gets a 5xx.

The live feed is left out of the generated requests (a stream never ends); its one input, the
resume point, is checked by hand below.
"""

from __future__ import annotations

from typing import Any

import pytest
from _api import ApiClient, fuzz_for_5xx
from incidents.incident_plans import grid_center, square_plan

from geogrid.store import Store, publish_plan

ROUTES = r"^/(incidents(?!/feed)|open311)"


@pytest.fixture
def client_with_incident(store: Store, api_client: ApiClient) -> tuple[Any, int]:
    with store.transaction() as conn:
        publish_plan(conn, square_plan(conn))
    client = api_client(store, role="admin", jurisdiction="370212")
    lon, lat = grid_center(1, 1)
    created = client.post("/incidents", json={"lon": lon, "lat": lat, "category": "0301"})
    assert created.status_code == 201, created.text
    return client, int(created.json()["id"])


def test_incident_routes_never_answer_5xx(client_with_incident: tuple[Any, int]) -> None:
    client, incident_id = client_with_incident
    operations, failures = fuzz_for_5xx(
        client, ROUTES, ids={"incident_id": incident_id}, max_examples=12
    )
    assert operations >= 13
    assert not failures, failures[:5]


def test_feed_refuses_a_bad_resume_point(store: Store, api_client: ApiClient) -> None:
    client = api_client(store, role="viewer")
    bad = client.get("/incidents/feed", headers={"Last-Event-ID": "yesterday"})
    assert bad.status_code == 400 and bad.json()["field"] == "Last-Event-ID"
    assert client.get("/incidents/feed", params={"after": -1}).status_code == 400
