"""``code=`` on ``/incidents/kpis`` and ``/incidents/ranking``: the big screen's drill-down.

On the test city (tests/_city.py) at 18:00 on 15 July 2025 (Beijing), every one of the 31
incidents is still open and past its deadline: 20 in the west street 370212001 (12 in community
370212001001: the 6 westmost points of each of its two rows, x < 120.42; 8 in 370212001002),
10 in the east street 370212002 and 1 outside every grid.
"""

from __future__ import annotations

from _api import ApiClient
from _city import build_city

from geogrid.store import Store

AS_OF = "2025-07-15T18:00:00"


def _kpis(client: object, **params: str) -> dict:  # type: ignore[type-arg]
    response = client.get("/incidents/kpis", params={"as_of": AS_OF, **params})  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_kpis_follow_the_code_inside_the_callers_area(store: Store, api_client: ApiClient) -> None:
    build_city(store)
    district = api_client(store, role="viewer", jurisdiction="370212")
    whole = _kpis(district)
    # a district key's year counts the grids' 30; its overdue also the one outside every grid
    assert (whole["year"]["reported"], whole["today"]["overdue"]) == (30, 31)
    east = _kpis(district, code="370212002")
    assert (east["within"], east["year"]["reported"], east["today"]["overdue"]) == ("370212002", 10, 10)  # fmt: skip
    community = _kpis(district, code="370212001001")
    assert (community["year"]["reported"], community["today"]["overdue"]) == (12, 12)
    west = api_client(store, role="viewer", jurisdiction="370212001")
    assert _kpis(west, code="370212")["year"]["reported"] == 20  # a wider code keeps the key's area
    refused = west.get("/incidents/kpis", params={"code": "370212002"})
    assert refused.status_code == 403
    assert "outside jurisdiction 370212001" in refused.json()["detail"]
    assert west.get("/incidents/kpis", params={"code": "37x"}).status_code == 400


def test_ranking_ranks_inside_the_code(store: Store, api_client: ApiClient) -> None:
    build_city(store)
    dispatcher = api_client(store, role="dispatcher")
    found = dispatcher.get("/incidents", params={"limit": 100}).json()["incidents"]
    ids = {row["ref"]: row["id"] for row in found}
    for ref in ("T-00", "T-25"):  # west community 370212001001, east community 370212002001
        assert dispatcher.post(f"/incidents/{ids[ref]}/actions/accept", json={}).status_code == 200
    params = {"by": "community", "as_of": AS_OF}
    everywhere = dispatcher.get("/incidents/ranking", params=params).json()["rows"]
    assert sorted(row["key"] for row in everywhere) == ["370212001001", "370212002001"]
    west = dispatcher.get("/incidents/ranking", params=params | {"code": "370212001"}).json()
    assert [row["key"] for row in west["rows"]] == ["370212001001"]
    assert west["rows"][0]["overdue"] == 12  # all 12 of the community, as of 15 July
    early = params | {"code": "370212001", "as_of": "2025-04-01T12:00:00"}
    first_day = dispatcher.get("/incidents/ranking", params=early).json()["rows"]
    assert first_day[0]["overdue"] == 0  # on 1 April at noon nothing was due yet
