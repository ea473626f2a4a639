"""Incidents over HTTP on both stores: report, import, find, read, the workflow, statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from _api import ApiClient
from fastapi.testclient import TestClient
from incidents.incident_plans import COMMUNITY, grid_center, square_plan

from geogrid.store import Store, publish_plan
from geogrid.store.incidents import incident_events

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing
STREET = COMMUNITY[:9]


@pytest.fixture
def published(store: Store) -> Store:
    """The 3 x 3 square plan (grids 37021200100101..09), published."""
    with store.transaction() as conn:
        publish_plan(conn, square_plan(conn))
    return store


def _body(ref: str, i: int = 1, j: int = 1, **extra: object) -> dict[str, object]:
    lon, lat = grid_center(i, j)
    return {"ref": ref, "lon": lon, "lat": lat, "category": "030101"} | extra


def _report(client: TestClient, ref: str, i: int = 1, j: int = 1, **extra: object) -> dict:
    response = client.post("/incidents", json=_body(ref, i, j, **extra))
    assert response.status_code == 201, response.text
    return response.json()


def test_report_stores_the_incident_with_photos_grid_and_event(
    published: Store, api_client: ApiClient
) -> None:
    dispatcher = api_client(published, role="dispatcher", jurisdiction=STREET)
    before = published.data_version("incidents")
    body = _report(
        dispatcher,
        "APP-1",
        reported_at=T0.isoformat(),
        photos=["oss://photos/1.jpg", "oss://photos/2.jpg"],
        description="路面塌陷",
        priority="red",
    )
    assert body["ref"] == "APP-1" and body["status"] == "reported"
    assert body["basic_code"] == f"{COMMUNITY}05" and body["micro_code"] == f"{COMMUNITY}0501"
    assert body["photos"] == ["oss://photos/1.jpg", "oss://photos/2.jpg"]
    assert body["priority"] == "red" and body["source"] == "api"
    assert body["allowed_actions"] == ["accept", "reject"]
    assert published.data_version("incidents") == before + 1
    events = incident_events(published.engine, body["id"])
    assert [(e["action"], e["actor"]) for e in events] == [("report", f"dispatcher-{STREET}-1")]
    # the read route gives the same incident with its history
    read = dispatcher.get(f"/incidents/{body['id']}").json()
    assert read["events"][0]["action"] == "report" and read["lat"] == pytest.approx(body["lat"])


def test_report_in_gcj02_is_normalised(published: Store, api_client: ApiClient) -> None:
    from geogrid.crs import wgs84_to_gcj02

    lon, lat = grid_center(1, 1)
    glon, glat = wgs84_to_gcj02(lon, lat)
    dispatcher = api_client(published, role="dispatcher")
    body = dispatcher.post(
        "/incidents", json={"lon": glon, "lat": glat, "crs": "gcj02", "category": "0301"}
    ).json()
    assert body["lon"] == pytest.approx(lon, abs=1e-5) and body["location_crs"] == "gcj02"
    assert body["ref"].startswith("INC-")


def test_a_report_at_zero_zero_says_why_it_is_refused(
    published: Store, api_client: ApiClient
) -> None:
    # with a plan published, 0,0 is not "far outside the district": it places nothing
    dispatcher = api_client(published, role="dispatcher")
    refused = dispatcher.post("/incidents", json=_body("Z0", lon=0, lat=0))
    assert refused.status_code == 400, refused.text
    assert "lon/lat 0,0 places nothing (an app without a position fix)" in refused.json()["detail"]
    assert dispatcher.get("/incidents").json()["total"] == 0


def test_who_may_report_and_where(published: Store, api_client: ApiClient) -> None:
    viewer = api_client(published, role="viewer")
    other = api_client(published, role="dispatcher", jurisdiction="370212001002")
    anonymous = api_client(published, key=False)
    assert viewer.post("/incidents", json=_body("V")).status_code == 403
    assert anonymous.post("/incidents", json=_body("A")).status_code == 401
    outside = other.post("/incidents", json=_body("O"))
    assert outside.status_code == 403 and "outside jurisdiction" in outside.json()["detail"]
    assert viewer.get("/incidents").json()["total"] == 0  # nothing was stored


def test_bad_reports_name_the_field(published: Store, api_client: ApiClient) -> None:
    dispatcher = api_client(published, role="dispatcher")
    unknown = dispatcher.post("/incidents", json=_body("X", category="9999"))
    far = dispatcher.post("/incidents", json=_body("Y") | {"lon": 100.0, "lat": 30.0})
    _report(dispatcher, "DUP")
    duplicate = dispatcher.post("/incidents", json=_body("DUP"))
    assert unknown.status_code == 400 and unknown.json()["field"] == "category"
    assert far.status_code == 400 and far.json()["field"] == "location"
    assert "far outside the district" in far.json()["detail"]
    assert duplicate.status_code == 409 and "DUP already exists" in duplicate.json()["detail"]
    assert unknown.headers["content-type"] == "application/problem+json"


STEPS = [
    ("accept", {}),
    ("dispatch", {"department": "市政公用事业服务中心", "level": "community"}),
    ("escalate", {}),
    ("respond", {}),
    ("finish", {}),
    ("return_for_rework", {"note": "not fixed"}),
    ("finish", {}),
    ("verify", {}),
    ("close", {}),
    ("evaluate", {"satisfied": True}),
    ("reopen", {}),
]


def test_every_workflow_transition_over_http(published: Store, api_client: ApiClient) -> None:
    dispatcher = api_client(published, role="dispatcher")
    incident = _report(dispatcher, "WF", reported_at=T0.isoformat())
    url = f"/incidents/{incident['id']}/actions"
    states = []
    for k, (action, options) in enumerate(STEPS, 1):
        at = (T0 + timedelta(minutes=10 * k)).isoformat()
        response = dispatcher.post(f"{url}/{action}", json=options | {"at": at})
        assert response.status_code == 200, (action, response.text)
        states.append(response.json()["status"])
    assert states == [
        "accepted",
        "dispatched",
        "dispatched",
        "handling",
        "handled",
        "handling",
        "handled",
        "verified",
        "closed",
        "evaluated",
        "accepted",
    ]
    final = dispatcher.get(f"/incidents/{incident['id']}").json()
    assert final["dispatch_level"] == "street" and final["rework_count"] == 1
    assert final["reopen_count"] == 1 and final["escalation_count"] == 1
    history = dispatcher.get(f"/incidents/{incident['id']}/events").json()
    assert [e["action"] for e in history] == ["report"] + [a for a, _ in STEPS]
    assert history[6]["note"] == "not fixed"
    assert datetime.fromisoformat(history[1]["at"]) == T0 + timedelta(minutes=10)


def test_workflow_errors_are_the_cli_errors(published: Store, api_client: ApiClient) -> None:
    dispatcher = api_client(published, role="dispatcher")
    incident_id = _report(dispatcher, "E1")["id"]
    url = f"/incidents/{incident_id}/actions"
    illegal = dispatcher.post(f"{url}/close")
    assert illegal.status_code == 409
    assert illegal.json()["detail"] == (
        f"incident {incident_id}: cannot close an incident that is reported; "
        "close is allowed only from verified"
    )
    no_reason = dispatcher.post(f"{url}/reject")
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    unknown = dispatcher.post(f"{url}/teleport")
    assert unknown.status_code == 400 and "unknown workflow action 'teleport'" in unknown.text
    dispatcher.post(f"{url}/accept")
    assert dispatcher.post("/incidents/999999/actions/accept").status_code == 404
    viewer = api_client(published, role="viewer")
    assert viewer.post(f"{url}/dispatch", json={"department": "x"}).status_code == 403
    other = api_client(published, role="dispatcher", jurisdiction="370212001002")
    assert other.post(f"{url}/dispatch", json={"department": "x"}).status_code == 403
    assert len(incident_events(published.engine, incident_id)) == 2  # report, accept


def test_find_filters_within_the_jurisdiction(published: Store, api_client: ApiClient) -> None:
    dispatcher = api_client(published, role="dispatcher")
    for k, (i, j) in enumerate([(0, 0), (0, 1), (2, 2)]):
        at = (T0 + timedelta(hours=k)).isoformat()
        _report(dispatcher, f"F{k}", i, j, reported_at=at, category="0301" if k else "0102")
    grid = api_client(published, role="viewer", jurisdiction=COMMUNITY)
    everything = grid.get("/incidents").json()
    assert everything["total"] == 3
    assert [r["ref"] for r in everything["incidents"]] == ["F2", "F1", "F0"]
    assert grid.get("/incidents", params={"category": "01"}).json()["total"] == 1
    page = grid.get("/incidents", params={"limit": 1, "offset": 1}).json()
    assert [r["ref"] for r in page["incidents"]] == ["F1"]
    later = grid.get("/incidents", params={"start": "2025-03-03T09:30:00"}).json()  # Beijing
    assert [r["ref"] for r in later["incidents"]] == ["F2", "F1"]
    one_grid = grid.get("/incidents", params={"code": f"{COMMUNITY}02"}).json()
    assert [r["ref"] for r in one_grid["incidents"]] == ["F1"]
    assert grid.get("/incidents", params={"status": "accepted"}).json()["total"] == 0
    # another community's viewer sees none of them, nor any single one
    other = api_client(published, role="viewer", jurisdiction="370212001002")
    assert other.get("/incidents").json()["total"] == 0
    some_id = everything["incidents"][0]["id"]
    assert other.get(f"/incidents/{some_id}").status_code == 403
    assert grid.get("/incidents/424242").status_code == 404
    assert grid.get("/incidents", params={"status": "lost"}).status_code == 400


CSV = (
    "id,lon,lat,category,reported_at\n"
    "C1,{a[0]},{a[1]},030101,2025-03-03T09:00:00+08:00\n"
    "C2,{b[0]},{b[1]},0102,2025-03-03T10:00:00+08:00\n"
)


def test_bulk_import_of_a_semicolon_sheet(published: Store, api_client: ApiClient) -> None:
    """Excel in a Chinese locale saves ';'-separated CSV: read alike, and the answer says so."""
    dispatcher = api_client(published, role="dispatcher")
    sheet = CSV.format(a=grid_center(0, 0), b=grid_center(2, 2)).replace(",", ";")
    response = dispatcher.post("/incidents/import", params={"format": "csv"}, content=sheet)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["count"], body["attributed"], body["delimiter"]) == (2, 2, ";")


def test_bulk_import_all_or_nothing(published: Store, api_client: ApiClient) -> None:
    dispatcher = api_client(published, role="dispatcher")
    good = CSV.format(a=grid_center(0, 0), b=grid_center(2, 2))
    response = dispatcher.post("/incidents/import", params={"format": "csv"}, content=good)
    assert response.status_code == 201, response.text
    assert response.json()["count"] == 2 and response.json()["attributed"] == 2
    refs = {e["ref"] for e in dispatcher.get("/incidents").json()["incidents"]}
    assert refs == {"C1", "C2"}
    bad = good.replace("C1", "C3").replace("C2", "C4").replace(",0102,", ",9999,")
    refused = dispatcher.post("/incidents/import", params={"name": "bad.csv"}, content=bad)
    assert refused.status_code == 422
    assert "record C4, field category" in refused.json()["detail"]
    assert refused.json()["file"] == "bad.csv"
    assert dispatcher.get("/incidents").json()["total"] == 2  # nothing of the bad file
    street = api_client(published, role="dispatcher", jurisdiction="370212001002")
    other = good.replace("C1", "C5").replace("C2", "C6")
    assert street.post("/incidents/import", content=other).status_code == 403
    assert dispatcher.get("/incidents").json()["total"] == 2
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "G1", "category": "0301", "reported_at": T0.isoformat()},
                "geometry": {"type": "Point", "coordinates": list(grid_center(1, 1))},
            }
        ],
    }
    imported = dispatcher.post(
        "/incidents/import", params={"format": "geojson"}, json=geojson
    ).json()
    assert imported["count"] == 1
    assert dispatcher.post("/incidents/import", content=b"").status_code == 400
    assert (
        dispatcher.post("/incidents/import", params={"format": "geojson"}, content=b"[1]")
    ).status_code == 400


def test_statistics_trend_ranking(published: Store, api_client: ApiClient) -> None:
    dispatcher = api_client(published, role="dispatcher")
    first = _report(dispatcher, "S1", 0, 0, reported_at=T0.isoformat())
    _report(dispatcher, "S2", 0, 0, reported_at=(T0 + timedelta(days=1)).isoformat())
    _report(dispatcher, "S3", 2, 2, reported_at=T0.isoformat(), category="0102")
    url = f"/incidents/{first['id']}/actions"
    dispatcher.post(f"{url}/accept", json={"at": (T0 + timedelta(minutes=5)).isoformat()})
    viewer = api_client(published, role="viewer")
    by_grid = viewer.get("/incidents/stats", params={"by": "basic"}).json()["rows"]
    assert [(r["key"], r["reported"], r["accepted"]) for r in by_grid] == [
        (f"{COMMUNITY}01", 2, 1),
        (f"{COMMUNITY}09", 1, 0),
    ]
    by_category = viewer.get("/incidents/stats", params={"by": "category"}).json()["rows"]
    assert {r["key"]: r["reported"] for r in by_category} == {"01": 1, "03": 2}
    community = viewer.get("/incidents/stats", params={"by": "community"}).json()["rows"]
    assert [(r["key"], r["reported"]) for r in community] == [(COMMUNITY, 3)]
    window = viewer.get(
        "/incidents/stats",
        params={"by": "street", "start": "2025-03-04T00:00:00", "end": "2025-03-05T00:00:00"},
    ).json()["rows"]
    assert [(r["key"], r["reported"]) for r in window] == [(STREET, 1)]
    departments = viewer.get("/incidents/stats", params={"by": "department"}).json()["rows"]
    assert {r["key"] for r in departments} == {"市政公用事业服务中心", "城市管理局"}
    trend = viewer.get("/incidents/trend", params={"period": "day"}).json()["rows"]
    assert [(r["period"], r["reported"]) for r in trend] == [
        ("2025-03-03", 2),
        ("2025-03-04", 1),
    ]
    ranking = viewer.get("/incidents/ranking", params={"by": "street"}).json()["rows"]
    assert [(r["key"], r["rank"], r["accepted"]) for r in ranking] == [(STREET, 1, 1)]
    elsewhere = api_client(published, role="viewer", jurisdiction="370212001002")
    assert elsewhere.get("/incidents/stats").json()["rows"] == []
    assert viewer.get("/incidents/stats", params={"by": "planet"}).status_code == 400


def test_a_time_out_of_the_years_is_refused_not_a_500(
    published: Store, api_client: ApiClient
) -> None:
    dispatcher = api_client(published, role="dispatcher")
    for path, name in (("/incidents/kpis", "as_of"), ("/incidents/stats", "start")):
        answer = dispatcher.get(path, params={name: "0001-01-01T00:00"})
        assert answer.status_code == 400, answer.text
        assert answer.json()["detail"] == (
            f"field {name}: 0001-01-01T00:00:00 is not in the years 1900-2200"
        )


def test_kpis_in_one_call_cached_by_data_version(published: Store, api_client: ApiClient) -> None:
    dispatcher = api_client(published, role="dispatcher", kpi_refresh_s=0)
    _report(dispatcher, "K1", reported_at=T0.isoformat())
    as_of = (T0 + timedelta(hours=2)).isoformat()
    first = dispatcher.get("/incidents/kpis", params={"as_of": as_of}).json()
    assert first["today"] == {"reported": 1, "closed": 0, "overdue": 0, "open": 1}
    assert first["year"]["reported"] == 1 and first["cache"] == "miss"
    assert [c["key"] for c in first["top_categories"]] == ["03"]
    assert set(first["trends"]) == {"day", "week", "month"}
    again = dispatcher.get("/incidents/kpis", params={"as_of": as_of}).json()
    assert again["cache"] == "hit" and again["data_version"] == first["data_version"]
    _report(dispatcher, "K2", reported_at=T0.isoformat())
    # the data moved on: the previous answer is served while one refresh runs
    moved = dispatcher.get("/incidents/kpis", params={"as_of": as_of}).json()
    assert moved["current_data_version"] == first["data_version"] + 1
    assert moved["cache"] in ("stale", "miss")
    for _ in range(50):
        fresh = dispatcher.get("/incidents/kpis", params={"as_of": as_of}).json()
        if fresh["cache"] == "hit":
            break
    assert fresh["today"]["reported"] == 2 and fresh["data_version"] == first["data_version"] + 1


def test_overdue_sweep(published: Store, api_client: ApiClient) -> None:
    dispatcher = api_client(published, role="dispatcher")
    old = _report(dispatcher, "OD", reported_at="2025-01-06T09:00:00+08:00")
    swept = dispatcher.post("/incidents/overdue").json()
    assert swept == {"flagged": [old["id"]], "count": 1}
    assert dispatcher.post("/incidents/overdue").json()["count"] == 0
    street = api_client(published, role="dispatcher", jurisdiction=STREET)
    assert street.post("/incidents/overdue").status_code == 403
