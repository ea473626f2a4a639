"""The KPI cache over HTTP on both stores: a new incident recomputes only the answers of the
jurisdictions whose grids it touched; every other screen keeps its answer, exact, as a hit for
the new data version (read from ``grid_stats``)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from _api import ApiClient, issue_key
from fastapi.testclient import TestClient
from incidents.incident_plans import grid_center, square_grids

from geogrid.store import Store, publish_plan, save_plan

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing
EAST, WEST = "370212001001", "370212001002"
AS_OF = (T0 + timedelta(hours=2)).isoformat()


def _published(store: Store) -> None:
    """3 x 3 basic grids: the first three columns' grids k < 3 in WEST, the others in EAST."""
    grids = square_grids(n=3, community=lambda k: WEST if k < 3 else EAST)
    with store.transaction() as conn:
        publish_plan(conn, save_plan(conn, grids, report={}, author="test"))


def _kpis(client: TestClient, key: str) -> dict:
    response = client.get("/incidents/kpis", params={"as_of": AS_OF}, headers={"X-API-Key": key})
    assert response.status_code == 200, response.text
    return response.json()


def _settled(client: TestClient, key: str) -> dict:
    """The answer once the background refresh has landed (a hit). Polled for up to 30 s: a
    stale answer now takes no I/O at all, so a hundred quick polls no longer span the
    computation on a busy machine."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = _kpis(client, key)
        if answer["cache"] == "hit":
            return answer
        time.sleep(0.02)
    raise AssertionError("the KPI answer never became a hit")


def _report(client: TestClient, ref: str, i: int, j: int) -> None:
    lon, lat = grid_center(i, j)
    body = {"ref": ref, "lon": lon, "lat": lat, "category": "030101"}
    response = client.post("/incidents", json=body | {"reported_at": T0.isoformat()})
    assert response.status_code == 201, response.text


def test_an_incident_recomputes_only_the_screens_that_see_its_grid(
    store: Store, api_client: ApiClient
) -> None:
    _published(store)
    writer = api_client(store, role="dispatcher", kpi_refresh_s=0)
    east = issue_key(store, role="viewer", jurisdiction=EAST, name="east screen")
    west = issue_key(store, role="viewer", jurisdiction=WEST, name="west screen")
    _report(writer, "E-1", 1, 1)  # grid k = 4: EAST
    _report(writer, "W-1", 0, 1)  # grid k = 1: WEST
    first_east, first_west = _settled(writer, east), _settled(writer, west)
    assert first_east["today"]["reported"] == 1 and first_west["today"]["reported"] == 1
    version = first_east["data_version"]

    _report(writer, "E-2", 2, 2)  # grid k = 8: EAST only
    west_after = _kpis(writer, west)
    assert west_after["cache"] == "hit"  # carried over, nothing computed
    assert west_after["data_version"] == west_after["current_data_version"] == version + 1
    assert west_after["today"] == first_west["today"]
    east_after = _kpis(writer, east)
    assert east_after["cache"] in ("stale", "miss")  # its grid changed: recomputed
    east_after = _settled(writer, east)
    assert east_after["today"]["reported"] == 2 and east_after["data_version"] == version + 1
    # the district sees both communities: recomputed as well, with all three
    district = _settled(writer, issue_key(store, role="viewer", jurisdiction="370212"))
    assert district["today"]["reported"] == 3
