"""``GET /plans/{id}/grids`` in pages (OGC API Features style): ``numberMatched``,
``numberReturned``, ``next``/``prev`` links; the pages together hold every grid once, within the
caller's jurisdiction; a plan smaller than a page comes whole, as it always did."""

from __future__ import annotations

from typing import Any

from incidents.incident_plans import COMMUNITY, square_grids, square_plan

from geogrid.store import Store, save_plan

BASIC = [f"{COMMUNITY}{k:02d}" for k in range(1, 10)]  # 3 x 3 basic grids, 4 micro grids each


def _plan(store: Store) -> int:
    with store.transaction() as conn:
        return square_plan(conn)


def test_pages_follow_next_links_to_every_grid_once(store: Store, api_client: Any) -> None:
    plan_id = _plan(store)
    client = api_client(store, role="viewer", jurisdiction="370212")
    first = client.get(f"/plans/{plan_id}/grids", params={"level": "basic", "limit": 4}).json()
    assert (first["numberMatched"], first["numberReturned"]) == (9, 4)
    assert {link["rel"] for link in first["links"]} == {"self", "next"}
    codes, page, rels = [], first, []
    while True:
        codes += [f["properties"]["code"] for f in page["features"]]
        rels.append(sorted(link["rel"] for link in page["links"]))
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        if not nxt:
            break
        page = client.get(nxt[0]).json()
    assert codes == BASIC
    assert rels == [["next", "self"], ["next", "prev", "self"], ["prev", "self"]]
    assert page["numberReturned"] == 1
    prev = next(link["href"] for link in page["links"] if link["rel"] == "prev")
    assert "offset=4" in prev and "level=basic" in prev and "limit=4" in prev


def test_a_small_plan_comes_in_one_page_as_before(store: Store, api_client: Any) -> None:
    plan_id = _plan(store)
    client = api_client(store, role="viewer", jurisdiction="370212")
    body = client.get(f"/plans/{plan_id}/grids").json()
    assert body["type"] == "FeatureCollection"
    assert (body["numberMatched"], body["numberReturned"], len(body["features"])) == (45, 45, 45)
    assert [link["rel"] for link in body["links"]] == ["self"]


def test_paging_counts_only_the_callers_grids(store: Store, api_client: Any) -> None:
    other = "370212001002"  # grids 5-9 belong to a second community
    grids = square_grids(community=lambda k: COMMUNITY if k < 4 else other)
    with store.transaction() as conn:
        plan_id = save_plan(conn, grids, report={}, author="test")
    own = api_client(store, role="viewer", jurisdiction=other)
    body = own.get(f"/plans/{plan_id}/grids", params={"limit": 3}).json()
    assert body["numberMatched"] == 25  # its 5 basic grids and their 20 micro grids
    codes = [f["properties"]["code"] for f in body["features"]]
    assert codes == [f"{other}05", f"{other}06", f"{other}07"]


def test_bad_page_parameters_are_refused(store: Store, api_client: Any) -> None:
    plan_id = _plan(store)
    client = api_client(store, role="viewer", jurisdiction="370212")
    for params in ({"limit": 0}, {"offset": -1}, {"limit": "many"}):
        assert client.get(f"/plans/{plan_id}/grids", params=params).status_code in (400, 422)
    huge = client.get(f"/plans/{plan_id}/grids", params={"limit": 10**6}).json()
    assert huge["numberReturned"] == 45  # above the maximum: the maximum
    beyond = client.get(f"/plans/{plan_id}/grids", params={"offset": 100}).json()
    assert (beyond["features"], beyond["numberMatched"]) == ([], 45)
    back = client.get(f"/plans/{plan_id}/grids", params={"offset": 100, "limit": 10}).json()
    prev = next(link["href"] for link in back["links"] if link["rel"] == "prev")
    assert "offset=35" in prev  # the last 10 of 45 grids, not offset 90 past the end
