"""Every error is RFC 9457 problem details: domain errors, validation, unknown routes, 500s."""

from __future__ import annotations

from _api import issue_key, settings_for
from fastapi import APIRouter
from fastapi.testclient import TestClient

from geogrid.api import create_app
from geogrid.store import Store

PROBLEM = "application/problem+json"


def _client(store: Store, **api: object) -> TestClient:
    app = create_app(settings_for(store, **api))
    extra = APIRouter()

    @extra.get("/boom")
    def boom() -> None:
        raise ZeroDivisionError("secret internals /srv/geogrid/thing.py")

    @extra.post("/echo")
    def echo(body: dict[str, int]) -> dict[str, int]:
        return body

    @extra.get("/count")
    def count(n: int) -> int:
        return n

    app.include_router(extra)
    return TestClient(app, raise_server_exceptions=False)


def test_every_error_has_the_problem_shape(spatialite_store: Store) -> None:
    with _client(spatialite_store, max_body_bytes=100, anonymous_read=True) as client:
        not_found_route = client.get("/no/such/thing")
        wrong_method = client.delete("/health")
        bad_query = client.get("/count", params={"n": "many"})
        bad_body = client.post("/echo", json={"a": "x"})
        big_body = client.post("/echo", content=b"{" + b" " * 200 + b"}")
        crash = client.get("/boom")
        domain = client.get("/plans/98765")
    expected = {
        not_found_route: 404,
        wrong_method: 405,
        bad_query: 400,
        bad_body: 422,
        big_body: 413,
        crash: 500,
        domain: 404,
    }
    for response, status in expected.items():
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["status"] == status and body["title"] and body["type"]
    assert bad_query.json()["field"] == "n"
    assert bad_query.json()["errors"][0]["field"] == "n"
    assert bad_body.json()["field"] == "a"
    assert domain.json()["type"] == "urn:geogrid:problem:not-found"
    assert "98765" in domain.json()["detail"] and domain.json()["instance"] == "/plans/98765"
    assert "ZeroDivision" not in crash.text and "/srv/geogrid" not in crash.text
    assert "Traceback" not in crash.text


def test_incident_ids_no_row_can_have_are_not_found(spatialite_store: Store) -> None:
    huge = 2**65  # SQLite cannot even compare it (schemathesis found a 500 here)
    with _client(spatialite_store) as client:
        client.headers["X-API-Key"] = issue_key(
            spatialite_store, role="dispatcher", jurisdiction="370212", name="dispatch"
        )
        action = client.post(f"/incidents/{huge}/actions/accept", json={})
        events = client.get(f"/incidents/{huge}/events")
        one = client.get(f"/incidents/{huge}")
    for response in (action, events, one):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == PROBLEM
