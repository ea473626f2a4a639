"""The editor's rules over HTTP on SpatiaLite and PostGIS: locks hold against every edit, an edit
that changes nothing writes nothing, exempt grids need no publish reason, the reason is kept."""

from __future__ import annotations

from typing import Any

from _api import ApiClient
from _draft_city import WEST_CODE
from _draft_store import CityPlan, fill_store, set_micro_buildings
from fastapi.testclient import TestClient

from geogrid.store import Store, read_plan
from geogrid.store.access import read_audit

B1, B2 = WEST_CODE + "001", WEST_CODE + "002"


def _planner(api_client: ApiClient, store: Store) -> TestClient:
    return api_client(store, role="planner", jurisdiction="370212")


def _edit(client: TestClient, plan_id: int, version: int, op: dict[str, Any]) -> Any:
    return client.post(
        f"/plans/{plan_id}/edits", json=op, headers={"If-Match": f'"{plan_id}.{version}"'}
    )


def test_a_merge_keeping_a_locked_grid_is_refused(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    client = _planner(api_client, store)
    assert _edit(client, plan_id, 0, {"op": "lock", "grids": [B1]}).status_code == 200
    # a merge keeps the lowest code: B1, the locked grid, would take B2's 384 households in
    merge = _edit(client, plan_id, 1, {"op": "merge", "grids": [B1, B2]})
    assert merge.status_code == 422, merge.text
    problem = merge.json()
    assert problem["check"] == "locked" and problem["grids"] == [B1]
    assert problem["detail"] == (
        f"grid {B1} is locked and this merge would change it; unlock it first"
    )
    rebalance = _edit(client, plan_id, 1, {"op": "rebalance", "grids": [B1, B2]})
    assert rebalance.status_code == 422 and rebalance.json()["grids"] == [B1]
    basic = read_plan(store.engine, plan_id, "basic").set_index("code")
    assert basic.loc[B1, "households"] == 384 and basic.loc[B2, "households"] == 384
    assert client.get(f"/plans/{plan_id}/draft").json()["version"] == 1


def test_an_edit_that_changes_nothing_is_no_version_and_no_undo_step(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    client = _planner(api_client, store)
    micro = sorted(read_plan(store.engine, plan_id, "micro")["code"])[0]
    units = client.get(f"/plans/{plan_id}/units").json()["features"]
    own = [f["properties"]["unit_id"] for f in units if f["properties"]["micro_code"] == micro]
    before = store.data_version(f"plan:{plan_id}")
    for op in (
        {"op": "move", "units": own, "to": micro},
        {"op": "lock", "grids": [B1], "locked": False},
        {"op": "rename", "grid": B1},
    ):
        same = _edit(client, plan_id, 0, op)
        assert same.status_code == 200, same.text
        assert same.headers["etag"] == f'"{plan_id}.0"'
        assert same.json() | {"plan_id": 0} == {
            "plan_id": 0,
            "version": 0,
            "etag": f'"{plan_id}.0"',
            "unchanged": True,
            "grids": [],
            "removed": [],
            "recoded": [],
            "moved_units": 0,
            "flags": [],
        }
    assert store.data_version(f"plan:{plan_id}") == before
    assert client.get(f"/plans/{plan_id}/edits").json() == []
    assert client.get(f"/plans/{plan_id}/draft").json()["undo"] == 0
    undo = client.post(f"/plans/{plan_id}/undo", headers={"If-Match": f'"{plan_id}.0"'})
    assert undo.status_code == 409 and "nothing to undo" in undo.json()["detail"]


def test_a_single_building_over_band_is_exempt_and_needs_no_reason(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    client = _planner(api_client, store)
    tower, block = sorted(read_plan(store.engine, plan_id, "micro")["code"])[:2]
    set_micro_buildings(store, plan_id, tower, [120])  # a tower of 120 households, sheds of none
    body = client.get(f"/plans/{plan_id}/draft/grids").json()
    rows = {r["code"]: r for r in body["grids"]}
    assert body["band"]["out_of_band"] == 0 and body["band"]["within"] == 139
    assert rows[tower]["within"] is False and rows[tower]["exempt"] == "single_over_band_building"
    assert rows[B1]["exempt"] is None
    done = client.post(f"/plans/{plan_id}/publish", json={})
    assert done.status_code == 200, done.text
    # 7 basic + 133 micro grids; the headline counts the tower as outside the band
    assert done.json()["band"] == {
        "grids": 140,
        "within": 139,
        "within_share": 0.9929,
        "out_of_band": 0,
        "exempt": {"single_over_band_building": 1},
    }
    assert done.json()["out_of_band"] == 0 and done.json()["reason"] is None
    del block


def test_publish_reason_is_in_the_plan_and_the_audit_log(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    client = _planner(api_client, store)
    tower, block = sorted(read_plan(store.engine, plan_id, "micro")["code"])[:2]
    set_micro_buildings(store, plan_id, tower, [120])
    set_micro_buildings(
        store, plan_id, block, [30, 30]
    )  # two buildings: one can move out, not exempt
    refused = client.post(f"/plans/{plan_id}/publish", json={"reason": "  "})
    assert refused.status_code == 422 and refused.json()["grids"] == [block]
    assert refused.json()["detail"].startswith(f"1 grid(s) of draft {plan_id} are out of")
    done = client.post(f"/plans/{plan_id}/publish", json={"reason": "school catchment"})
    assert done.status_code == 200, done.text
    assert client.get(f"/plans/{plan_id}").json()["publish_reason"] == "school catchment"
    listed = {p["id"]: p for p in client.get("/plans").json()}
    assert listed[plan_id]["publish_reason"] == "school catchment"
    entry = next(a for a in read_audit(store.engine) if a["action"] == "plan.publish")
    assert entry["details"] == {
        "reason": "school catchment",
        "out_of_band": 1,
        "exempt": {"single_over_band_building": 1},
    }
