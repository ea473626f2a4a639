"""Open311 GeoReport v2 on both stores: a client lists services, files a request, follows it
until the workflow closes it; JSON and XML; errors in the GeoReport form."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from _api import ApiClient, issue_key
from fastapi.testclient import TestClient
from incidents.incident_plans import COMMUNITY, grid_center, square_plan

from geogrid.store import Store, publish_plan

BASE = "/open311/v2"
CLOSING = [
    ("accept", {}),
    ("dispatch", {"department": "市政公用事业服务中心", "level": "community"}),
    ("respond", {}),
    ("finish", {}),
    ("verify", {}),
    ("close", {"note": "路面已修复"}),
]


@pytest.fixture
def published(store: Store) -> Store:
    with store.transaction() as conn:
        publish_plan(conn, square_plan(conn))
    return store


def _file(client: TestClient, key: str, **fields: str) -> str:
    """POST a request form-encoded, the GeoReport way (api_key in the form)."""
    response = client.post(f"{BASE}/requests.json", data={"api_key": key, **fields})
    assert response.status_code == 201, response.text
    (answer,) = response.json()
    return str(answer["service_request_id"])


def test_client_flow_services_post_get_closed(published: Store, api_client: ApiClient) -> None:
    hotline = api_client(published, role="viewer", key=False)  # sends its key in the form
    key = issue_key(published, role="dispatcher", jurisdiction="370212", name="12345热线")
    services = hotline.get(f"{BASE}/services.json", headers={"X-API-Key": key}).json()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["0301"]["service_name"] == "道路破损" and by_code["0301"]["group"] == "市政设施"
    assert by_code["0301"]["metadata"] is False and by_code["0301"]["type"] == "realtime"
    assert "路面坑洼" in by_code["0301"]["keywords"]

    lon, lat = grid_center(1, 1)
    request_id = _file(
        hotline,
        key,
        service_code="0301",
        lat=str(lat),
        long=str(lon),
        description="路面坑洼",
        address_string="中韩街道 海尔路 1 号",
        first_name="张",
        last_name="三",
        media_url="https://example.org/p/1.jpg",
    )
    reader = api_client(published, role="viewer", jurisdiction=COMMUNITY)
    (filed,) = reader.get(f"{BASE}/requests/{request_id}.json").json()
    assert filed["service_request_id"] == request_id and filed["status"] == "open"
    assert filed["service_code"] == "0301" and filed["service_name"] == "道路破损"
    assert filed["lat"] == pytest.approx(lat) and filed["long"] == pytest.approx(lon)
    assert filed["description"] == "路面坑洼 (中韩街道 海尔路 1 号)"
    assert filed["media_url"] == "https://example.org/p/1.jpg"
    assert filed["agency_responsible"] == "市政公用事业服务中心"

    incidents = reader.get("/incidents", params={"source": "open311"}).json()["incidents"]
    (incident,) = incidents
    assert incident["ref"] == request_id and incident["reporter"] == "张 三"
    assert incident["basic_code"] == f"{COMMUNITY}05"
    dispatcher = api_client(published, role="dispatcher")
    for action, options in CLOSING:
        step = dispatcher.post(f"/incidents/{incident['id']}/actions/{action}", json=options)
        assert step.status_code == 200, step.text
        (seen,) = reader.get(f"{BASE}/requests/{request_id}.json").json()
        assert seen["status"] == ("closed" if action == "close" else "open")
    assert seen["status_notes"] == "路面已修复"

    xml = reader.get(f"{BASE}/requests/{request_id}.xml")
    assert xml.headers["content-type"].startswith("application/xml")
    request = ET.fromstring(xml.content).find("request")
    assert request is not None
    assert request.findtext("status") == "closed"
    assert request.findtext("service_request_id") == request_id
    closed = reader.get(f"{BASE}/requests.json", params={"status": "closed"}).json()
    still_open = reader.get(f"{BASE}/requests.json", params={"status": "open"}).json()
    assert [r["service_request_id"] for r in closed] == [request_id] and still_open == []


def test_services_and_requests_as_xml(published: Store, api_client: ApiClient) -> None:
    dispatcher = api_client(published, role="dispatcher")
    key = dispatcher.headers["X-API-Key"]
    lon, lat = grid_center(0, 0)
    ids = [
        _file(dispatcher, key, service_code=code, lat=str(lat), long=str(lon))
        for code in ("0301", "0102")
    ]
    services = ET.fromstring(dispatcher.get(f"{BASE}/services.xml").content)
    assert services.tag == "services"
    codes = [s.findtext("service_code") for s in services.findall("service")]
    assert "0301" in codes and "0102" in codes
    assert services.find("service/metadata").text == "false"  # type: ignore[union-attr]
    listed = ET.fromstring(
        dispatcher.get(f"{BASE}/requests.xml", params={"service_request_id": ",".join(ids)}).content
    )
    assert sorted(r.findtext("service_request_id") for r in listed.findall("request")) == sorted(
        ids
    )
    by_code = dispatcher.get(f"{BASE}/requests.json", params={"service_code": "0102"}).json()
    assert [r["service_request_id"] for r in by_code] == [ids[1]]


def test_errors_in_the_georeport_form(published: Store, api_client: ApiClient) -> None:
    dispatcher = api_client(published, role="dispatcher")
    key = dispatcher.headers["X-API-Key"]
    lon, lat = grid_center(0, 0)
    unknown = dispatcher.post(
        f"{BASE}/requests.json", data={"service_code": "9999", "lat": str(lat), "long": str(lon)}
    )
    assert unknown.status_code == 400
    (error,) = unknown.json()
    assert error["code"] == 400 and "field category: unknown category 9999" in error["description"]
    missing = dispatcher.get(f"{BASE}/requests/311-nothing.xml")
    assert missing.status_code == 404
    assert ET.fromstring(missing.content).findtext("error/code") == "404"
    no_code = dispatcher.post(f"{BASE}/requests.json", data={"lat": str(lat)})
    assert no_code.status_code == 400 and no_code.json()[0]["code"] == 400
    viewer = api_client(published, role="viewer")
    refused = viewer.post(
        f"{BASE}/requests.json",
        data={"service_code": "0301", "lat": str(lat), "long": str(lon)},
    )
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    bad_key = viewer.post(
        f"{BASE}/requests.json", data={"api_key": "gg_nope_nope", "service_code": "0301"}
    )
    assert bad_key.status_code == 401
    bad_status = dispatcher.get(f"{BASE}/requests.json", params={"status": "pending"})
    assert bad_status.status_code == 400
    assert dispatcher.get(f"{BASE}/requests.json").json() == []
    assert key  # the dispatcher's key works in the header too (used above)


def test_an_address_without_coordinates_is_kept_unlocated(
    published: Store, api_client: ApiClient
) -> None:
    hotline = api_client(published, role="dispatcher")
    key = hotline.headers["X-API-Key"]
    response = hotline.post(
        f"{BASE}/requests.json",
        data={
            "api_key": key,
            "service_code": "0301",
            "address_string": "崂山区 海尔路 178 号",
            "description": "井盖缺失",
        },
    )
    assert response.status_code == 201, response.text
    (answer,) = response.json()
    assert answer["service_notice"] == "kept unlocated: a dispatcher will place it"
    request_id = answer["service_request_id"]
    got = hotline.get(f"{BASE}/requests/{request_id}.json")
    assert got.status_code == 200, got.text
    (kept,) = got.json()
    assert kept["status"] == "open" and kept["lat"] is None and kept["long"] is None
    assert kept["address"] == "崂山区 海尔路 178 号" and kept["service_code"] == "0301"
    assert kept["status_notes"].startswith("unlocated")
    assert hotline.get("/incidents").json()["total"] == 0  # not an incident until placed
    # a community's key does not see a request that has no place yet
    community = api_client(published, role="viewer", jurisdiction=COMMUNITY)
    assert community.get(f"{BASE}/requests/{request_id}.json").status_code == 403
    # neither coordinates nor an address: refused, nothing kept
    nowhere = hotline.post(f"{BASE}/requests.json", data={"service_code": "0301"})
    assert nowhere.status_code == 400 and nowhere.json()[0]["code"] == 400
    # 0,0 (an app without a position fix) and no address: kept unlocated, as a file import keeps
    # it, not refused as "far outside the district"
    zero = hotline.post(
        f"{BASE}/requests.json",
        data={"service_code": "0301", "lat": "0", "long": "0", "description": "无定位"},
    )
    assert zero.status_code == 201, zero.text
    assert zero.json()[0]["service_notice"] == "kept unlocated: a dispatcher will place it"
    assert hotline.get("/incidents").json()["total"] == 0
