"""Address-only requests over HTTP on both stores: Open311 lists them without a location, a
dispatcher lists and places one (inside their jurisdiction only), audited and on the feed."""

from __future__ import annotations

import pytest
from _api import ApiClient
from incidents.incident_plans import COMMUNITY, grid_center, square_plan

from geogrid.crs import wgs84_to_gcj02
from geogrid.store import Store, publish_plan
from geogrid.store.access import read_audit
from geogrid.store.incident_feed import feed_events

BASE = "/open311/v2"
ADDRESS = "崂山区 海尔路 178 号"
BASIC_11 = COMMUNITY + "05"  # basic grid (1, 1) of the square plan: k = 1 * 3 + 1, numbered k + 1


@pytest.fixture
def published(store: Store) -> Store:
    with store.transaction() as conn:
        publish_plan(conn, square_plan(conn))
    return store


def _file_unlocated(client: object) -> str:
    response = client.post(  # type: ignore[attr-defined]
        f"{BASE}/requests.json",
        data={"service_code": "0301", "address_string": ADDRESS, "description": "井盖缺失"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()[0]["service_request_id"])


def test_open311_lists_unlocated_requests_without_a_location(
    published: Store, api_client: ApiClient
) -> None:
    hotline = api_client(published, role="dispatcher")
    ref = _file_unlocated(hotline)
    lon, lat = grid_center(0, 0)
    located = hotline.post(
        f"{BASE}/requests.json", data={"service_code": "0301", "lat": str(lat), "long": str(lon)}
    )
    assert located.status_code == 201, located.text
    listed = {r["service_request_id"]: r for r in hotline.get(f"{BASE}/requests.json").json()}
    assert len(listed) == 2
    kept = listed[ref]
    assert kept["lat"] is None and kept["long"] is None and kept["address"] == ADDRESS
    assert kept["status"] == "open" and kept["service_code"] == "0301"
    by_code = hotline.get(f"{BASE}/requests.json", params={"service_code": "0301"}).json()
    assert ref in {r["service_request_id"] for r in by_code}
    other_code = hotline.get(f"{BASE}/requests.json", params={"service_code": "0401"}).json()
    assert other_code == []
    closed = hotline.get(f"{BASE}/requests.json", params={"status": "closed"}).json()
    assert closed == []
    by_id = hotline.get(f"{BASE}/requests.json", params={"service_request_id": ref}).json()
    assert [r["service_request_id"] for r in by_id] == [ref]
    xml = hotline.get(f"{BASE}/requests.xml").text
    assert f"<service_request_id>{ref}</service_request_id>" in xml
    # a community key sees its located requests only: an address-only one has no grid yet
    community = api_client(published, role="viewer", jurisdiction=COMMUNITY)
    assert [r["lat"] is not None for r in community.get(f"{BASE}/requests.json").json()] == [True]


def test_a_dispatcher_places_an_unlocated_request(published: Store, api_client: ApiClient) -> None:
    dispatcher = api_client(published, role="dispatcher")
    ref = _file_unlocated(dispatcher)
    waiting = dispatcher.get("/incidents/unlocated")
    assert waiting.status_code == 200, waiting.text
    assert [(u["ref"], u["address"]) for u in waiting.json()] == [(ref, ADDRESS)]
    viewer = api_client(published, role="viewer")
    assert viewer.get("/incidents/unlocated").status_code == 403
    lon, lat = grid_center(1, 1)
    # a dispatcher of another street may not place it in this one: nothing changes
    elsewhere = api_client(published, role="dispatcher", jurisdiction="370212002")
    refused = elsewhere.post(f"/incidents/unlocated/{ref}/place", json={"lon": lon, "lat": lat})
    assert refused.status_code == 403, refused.text
    assert [u["ref"] for u in dispatcher.get("/incidents/unlocated").json()] == [ref]
    # the phone map gave GCJ-02: normalised to WGS 84 on the way in
    gx, gy = wgs84_to_gcj02(lon, lat)
    placed = dispatcher.post(
        f"/incidents/unlocated/{ref}/place", json={"lon": gx, "lat": gy, "crs": "gcj02"}
    )
    assert placed.status_code == 201, placed.text
    incident = placed.json()
    assert incident["ref"] == ref and incident["basic_code"] == BASIC_11
    assert incident["micro_code"] == BASIC_11 + "01" and incident["status"] == "reported"
    assert (incident["lon"], incident["lat"]) == pytest.approx((lon, lat), abs=1e-6)
    assert dispatcher.get("/incidents/unlocated").json() == []
    assert dispatcher.get("/incidents").json()["total"] == 1
    events = dispatcher.get(f"/incidents/{incident['id']}/events").json()
    assert [(e["action"], e["to_status"]) for e in events] == [("place", "reported")]
    feed = feed_events(published.engine, after=0)  # what the live feed sends
    assert [(e["action"], e["ref"], e["basic_code"]) for e in feed] == [("place", ref, BASIC_11)]
    audit = [(a["action"], a["target"]) for a in read_audit(published.engine)]
    assert ("incident.place", f"unlocated {ref}") in audit
    got = dispatcher.get(f"{BASE}/requests/{ref}.json").json()[0]
    assert got["lat"] == pytest.approx(lat, abs=1e-6)
    again = dispatcher.post(f"/incidents/unlocated/{ref}/place", json={"lon": lon, "lat": lat})
    assert again.status_code == 404
