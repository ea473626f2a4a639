"""KPI answers shared by real API processes on PostGIS (one computation for both, the answer
stored in ``kpi_answers``; a restarted server answers at once; the warm-up computes the area's
and every street's answer before any request), and the staleness bound on both stores."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx2
from _api import ApiClient, issue_key
from _feed import api_process
from incidents.incident_plans import grid_center, square_grids
from sqlalchemy import text

from geogrid.store import Store, publish_plan, save_plan
from geogrid.store.access import revoke_api_key

NORTH, SOUTH = "370212001001", "370212001002"
T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing
AS_OF = "2025-03-03T11:00"  # Beijing time: 03:00 UTC, two hours after T0
AS_OF_KEY = "2025-03-03T03:00"  # how the server keys it (UTC, to the minute)
QUIET = {"GEOGRID_API_KPI_REFRESH_S": "0", "GEOGRID_API_KPI_WARMUP": "false"}


def _plan(store: Store) -> None:
    """3 x 3 grids: k = 0..4 in NORTH, 5..8 in SOUTH (k = 3 i + j), all in street 370212001."""
    grids = square_grids(community=lambda k: NORTH if k < 5 else SOUTH)
    with store.transaction() as conn:
        publish_plan(conn, save_plan(conn, grids, report={}, author="test"))


def _url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def _post(base: str, key: str, ref: str, i: int, j: int) -> None:
    lon, lat = grid_center(i, j)
    body = {"ref": ref, "lon": lon, "lat": lat, "category": "030101"}
    response = httpx2.post(
        f"{base}/incidents",
        json=body | {"reported_at": T0.isoformat()},
        headers={"X-API-Key": key},
        timeout=30,
    )
    assert response.status_code == 201, response.text


def _kpis(base: str, key: str | None = None) -> dict:
    headers = {"X-API-Key": key} if key else {}
    response = httpx2.get(
        f"{base}/incidents/kpis", params={"as_of": AS_OF}, headers=headers, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def _until(base: str, key: str, reported: int) -> dict:
    """The answer once it counts ``reported`` incidents today and is current."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = _kpis(base, key)
        if answer["today"]["reported"] == reported and answer["cache"] == "hit":
            return answer
        time.sleep(0.1)
    raise AssertionError(f"no current answer with {reported} reported: {answer}")


def _stored(store: Store) -> list[tuple[str, str, int, str]]:
    """(jurisdiction, as_of key, version, computed_at) of every stored answer."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT jurisdiction, as_of, version, body FROM kpi_answers ORDER BY 1, 2")
        ).all()
    return [(r[0], r[1], int(r[2]), json.loads(bytes(r[3]))["computed_at"]) for r in rows]


def test_two_processes_compute_an_answer_once_and_a_restart_answers_at_once(
    postgis_store: Store,
) -> None:
    store = postgis_store
    _plan(store)
    writer = issue_key(store, role="dispatcher", jurisdiction="370212", name="writer")
    screen = issue_key(store, role="viewer", jurisdiction="370212", name="district screen")
    with api_process(_url(store), **QUIET) as a, api_process(_url(store), **QUIET) as b:
        _post(a, writer, "N-1", 0, 0)
        on_a = _until(a, screen, 1)
        on_b = _kpis(b, screen)  # b's first request: the stored answer, not a computation
        assert on_b["today"] == {"reported": 1, "closed": 0, "overdue": 0, "open": 1}
        assert on_b["computed_at"] == on_a["computed_at"]
        assert on_b["data_version"] == on_a["data_version"]
        _post(b, writer, "S-1", 2, 2)  # through the other process
        after_b = _until(b, screen, 2)
        after_a = _until(a, screen, 2)
        assert after_a["data_version"] == after_b["data_version"] == on_a["data_version"] + 1
        assert after_a["computed_at"] == after_b["computed_at"]  # one computation for both
        assert after_a["computed_at"] > on_a["computed_at"]
        stored = _stored(store)
        assert stored == [("370212", AS_OF_KEY, after_a["data_version"], after_a["computed_at"])]
    with api_process(_url(store), **QUIET) as restarted:
        again = _kpis(restarted, screen)
        assert again["cache"] == "hit"  # loaded at start: the data did not change
        assert again["computed_at"] == after_a["computed_at"]
        assert again["today"]["reported"] == 2


def test_the_warm_up_computes_the_area_and_each_street_before_any_request(
    postgis_store: Store,
) -> None:
    store = postgis_store
    _plan(store)
    writer = issue_key(store, role="dispatcher", jurisdiction="370212", name="writer")
    with api_process(_url(store), **QUIET) as a:
        _post(a, writer, "N-1", 0, 0)
        _post(a, writer, "S-1", 2, 2)
    assert _stored(store) == []
    warm = {
        "GEOGRID_API_ANONYMOUS_READ": "true",
        "GEOGRID_API_KPI_WARMUP_AS_OF": json.dumps([AS_OF]),
    }
    with api_process(_url(store), **warm) as b:
        deadline = time.monotonic() + 60
        while len(_stored(store)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        stored = _stored(store)
        areas = [(s[0], s[1]) for s in stored]
        assert areas == [("", AS_OF_KEY), ("370212", AS_OF_KEY), ("370212001", AS_OF_KEY)]
        first = _kpis(b)  # the wall screen's first request (anonymous)
        assert first["cache"] == "hit" and first["within"] == ""
        assert first["computed_at"] == stored[0][3]
        assert first["today"]["reported"] == 2


def test_a_stale_answer_says_so_and_is_replaced_within_the_refresh_period(
    store: Store, api_client: ApiClient
) -> None:
    _plan(store)
    client = api_client(store, role="dispatcher", jurisdiction="370212", kpi_refresh_s=2.0)

    def kpis() -> dict:
        response = client.get("/incidents/kpis", params={"as_of": AS_OF})
        assert response.status_code == 200, response.text
        return response.json()

    def report(ref: str, i: int, j: int) -> None:
        lon, lat = grid_center(i, j)
        body = {"ref": ref, "lon": lon, "lat": lat, "category": "030101"}
        response = client.post("/incidents", json=body | {"reported_at": T0.isoformat()})
        assert response.status_code == 201, response.text

    report("N-1", 0, 0)
    first = kpis()
    assert first["cache"] == "miss" and first["today"]["reported"] == 1
    report("S-1", 2, 2)
    stale = kpis()  # computed under a second ago: kept, and labelled as such
    assert stale["cache"] == "stale" and stale["today"]["reported"] == 1
    assert stale["data_version"] == first["data_version"]
    assert stale["current_data_version"] == first["data_version"] + 1
    assert stale["computed_at"] == first["computed_at"]
    deadline = time.monotonic() + 30
    while (answer := kpis())["cache"] != "hit":
        computed = datetime.fromisoformat(answer["computed_at"])
        assert datetime.now(UTC) - computed < timedelta(seconds=2.0 + 10)  # refresh + compute
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert answer["today"]["reported"] == 2
    assert answer["data_version"] == answer["current_data_version"] == first["data_version"] + 1
    assert answer["computed_at"] > first["computed_at"]


def test_a_revoked_key_is_refused_at_once_though_the_process_remembered_it(
    store: Store, api_client: ApiClient
) -> None:
    _plan(store)
    client = api_client(store, key=False)
    key = issue_key(store, role="viewer", jurisdiction="370212", name="wall screen")
    headers = {"X-API-Key": key}
    for _ in range(2):  # the second request is answered from the remembered key
        answer = client.get("/incidents/kpis", params={"as_of": AS_OF}, headers=headers)
        assert answer.status_code == 200 and answer.json()["within"] == "370212"
    with store.transaction() as conn:
        revoke_api_key(conn, "wall screen")
    deadline = time.monotonic() + 5  # PostGIS: the version's notification, milliseconds
    while (refused := client.get("/incidents/kpis", headers=headers)).status_code == 200:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert refused.status_code == 401


def test_the_warm_up_answers_the_wall_screen_and_builds_its_first_tiles(
    store: Store, api_client: ApiClient
) -> None:
    _plan(store)
    client = api_client(
        store, key=False, anonymous_read=True, kpi_warmup=True, kpi_warmup_as_of=[AS_OF]
    )
    state = client.app.state  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while not state.kpis.warmed.is_set():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.get("/health").json()["warm"] is True  # the readiness a balancer reads
    # the 3 x 3 grids (120.45-120.48 E, 36.10-36.13 N) lie in one tile at zoom 10 and one at 11,
    # built for the grids and then for the incident density (the screen's district heat map)
    built = sorted((key[0], key[3]) for key in state.tiles.cache._tiles)
    assert built == [("basic_grids", 10), ("basic_grids", 11), ("incident_density", 10), ("incident_density", 11)]  # fmt: skip
    answer = client.get("/incidents/kpis", params={"as_of": AS_OF}).json()
    assert answer["cache"] == "hit" and answer["within"] == ""
    assert answer["today"] == {"reported": 0, "closed": 0, "overdue": 0, "open": 0}
