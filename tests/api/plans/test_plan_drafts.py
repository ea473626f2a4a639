"""Draft editing over HTTP on SpatiaLite and PostGIS: ETag/If-Match, checks, undo/redo, publish."""

from __future__ import annotations

from typing import Any

import pytest
from _api import ApiClient
from _draft_city import WEST_CODE
from _draft_store import CityPlan, fill_store
from fastapi.testclient import TestClient

from geogrid.store import Store, plan_info, read_plan

B1, B2, B5 = WEST_CODE + "001", WEST_CODE + "002", WEST_CODE + "005"


def _planner(api_client: ApiClient, store: Store) -> TestClient:
    return api_client(store, role="planner", jurisdiction="370212")


def _units(client: TestClient, plan_id: int) -> list[dict[str, Any]]:
    return client.get(f"/plans/{plan_id}/units").json()["features"]


def _border_unit(client: TestClient, plan_id: int, src: str, dst: str) -> int:
    """A unit of ``src`` (basic) that shares an edge with ``dst`` (basic)."""
    import shapely
    from shapely.geometry import shape

    feats = _units(client, plan_id)
    mine = [f for f in feats if f["properties"]["micro_code"].startswith(src)]
    theirs = shapely.union_all(
        [shape(f["geometry"]) for f in feats if f["properties"]["micro_code"].startswith(dst)]
    )
    for f in mine:
        if shape(f["geometry"]).intersection(theirs).length > 0:
            return int(f["properties"]["unit_id"])
    raise AssertionError(f"{src} does not touch {dst}")


def test_move_answers_stats_and_new_version(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    client = _planner(api_client, store)
    draft = client.get(f"/plans/{plan_id}/draft")
    assert draft.status_code == 200 and draft.json()["version"] == 0
    assert draft.headers["etag"] == f'"{plan_id}.0"'
    assert draft.json()["grids"] == {"basic": 7, "micro": 133}
    unit = _border_unit(client, plan_id, B1, B2)
    before = store.data_version(f"plan:{plan_id}")
    moved = client.post(
        f"/plans/{plan_id}/edits",
        json={"op": "move", "units": [unit], "to": B2},
        headers={"If-Match": draft.headers["etag"]},
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["version"] == 1 and moved.headers["etag"] == f'"{plan_id}.1"'
    assert store.data_version(f"plan:{plan_id}") == before + 1
    stats = {g["code"]: g for g in body["grids"]}
    # every building of the lattice holds 8 households; both basic grids held 384
    assert stats[B1]["households"] == 376 and stats[B2]["households"] == 392
    assert stats[B1]["band"] == {"lo": 300, "hi": 500, "within": True}
    assert stats[B1]["parts"] == 1 and 0 < stats[B1]["compactness"] <= 1
    basic = read_plan(store.engine, plan_id, "basic").set_index("code")
    assert basic.loc[B1, "households"] == 376 and basic.loc[B2, "households"] == 392


def test_stale_if_match_is_409_with_changes(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    client = _planner(api_client, store)
    unit = _border_unit(client, plan_id, B1, B2)
    first = client.post(
        f"/plans/{plan_id}/edits",
        json={"op": "move", "units": [unit], "to": B2},
        headers={"If-Match": f'"{plan_id}.0"'},
    )
    assert first.status_code == 200
    stale = client.post(
        f"/plans/{plan_id}/edits",
        json={"op": "rename", "grid": B1, "name": "north"},
        headers={"If-Match": f'"{plan_id}.0"'},
    )
    assert stale.status_code == 409
    problem = stale.json()
    assert problem["current"] == 1 and problem["changes"][0]["op"]["op"] == "move"
    assert stale.headers["content-type"] == "application/problem+json"
    missing = client.post(f"/plans/{plan_id}/edits", json={"op": "rename", "grid": B1, "name": "n"})
    assert missing.status_code == 409 and "If-Match" in missing.json()["detail"]


def test_a_process_behind_the_store_answers_409_not_its_old_refusal(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    one, two = _planner(api_client, store), _planner(api_client, store)  # two apps, two caches
    assert one.get(f"/plans/{plan_id}/draft").json()["version"] == 0  # app one holds version 0
    renamed = two.post(
        f"/plans/{plan_id}/edits",
        json={"op": "rename", "grid": B1, "name": "north"},
        headers={"If-Match": f'"{plan_id}.0"'},
    )
    assert renamed.status_code == 200
    # app one has not looked at the store since; an edit it would refuse on its old state is
    # stale all the same, and says so
    bad = {"op": "move", "units": [10**6], "to": B2}
    stale = one.post(f"/plans/{plan_id}/edits", json=bad, headers={"If-Match": f'"{plan_id}.0"'})
    assert stale.status_code == 409, stale.text
    assert stale.json()["current"] == 1 and stale.json()["changes"][0]["op"]["op"] == "rename"
    current = one.post(f"/plans/{plan_id}/edits", json=bad, headers={"If-Match": f'"{plan_id}.1"'})
    assert current.status_code == 400 and current.json()["field"] == "units"


@pytest.mark.parametrize(
    ("edit", "check"),
    [
        ({"op": "move", "to": B1}, "connectivity"),
        ({"op": "move", "to": WEST_CODE[:-1] + "2001"}, "nesting"),
    ],
)
def test_breaking_edits_are_refused(
    store: Store, api_client: ApiClient, city_plan: CityPlan, edit: dict[str, Any], check: str
) -> None:
    plan_id = fill_store(store, city_plan)
    client = _planner(api_client, store)
    far = next(f for f in _units(client, plan_id) if f["properties"]["micro_code"].startswith(B5))
    refused = client.post(
        f"/plans/{plan_id}/edits",
        json=edit | {"units": [far["properties"]["unit_id"]]},
        headers={"If-Match": f'"{plan_id}.0"'},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["check"] == check
    assert client.get(f"/plans/{plan_id}/draft").json()["version"] == 0


def test_undo_redo_survive_a_new_app(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    client = _planner(api_client, store)
    merged = client.post(
        f"/plans/{plan_id}/edits",
        json={"op": "merge", "grids": [B1, B2]},
        headers={"If-Match": f'"{plan_id}.0"'},
    )
    assert merged.status_code == 200, merged.text
    assert {g["code"]: g["households"] for g in merged.json()["grids"]}[B1] == 768
    assert merged.json()["removed"] == [B2]
    other = _planner(api_client, store)  # a reload: another app on the same store
    assert other.get(f"/plans/{plan_id}/draft").json()["undo"] == 1
    undone = other.post(f"/plans/{plan_id}/undo", headers={"If-Match": f'"{plan_id}.1"'})
    assert undone.status_code == 200, undone.text
    basic = read_plan(store.engine, plan_id, "basic").set_index("code")
    assert basic.loc[B1, "households"] == 384 and basic.loc[B2, "households"] == 384
    redone = client.post(f"/plans/{plan_id}/redo", headers={"If-Match": f'"{plan_id}.2"'})
    assert redone.status_code == 200, redone.text
    assert B2 not in set(read_plan(store.engine, plan_id, "basic")["code"])
    kinds = [e["kind"] for e in client.get(f"/plans/{plan_id}/edits").json()]
    assert kinds == ["edit", "undo", "redo"]


def test_publish_needs_a_reason_when_out_of_band(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    client = _planner(api_client, store)
    merged = client.post(
        f"/plans/{plan_id}/edits",
        json={"op": "merge", "grids": [B1, B2]},
        headers={"If-Match": f'"{plan_id}.0"'},
    )
    assert any("above band" in f for f in merged.json()["flags"])
    refused = client.post(f"/plans/{plan_id}/publish", json={})
    assert refused.status_code == 422 and refused.json()["check"] == "band"
    assert B1 in refused.json()["grids"]
    viewer = api_client(store, role="viewer", jurisdiction="370212")
    assert viewer.post(f"/plans/{plan_id}/publish", json={"reason": "x"}).status_code == 403
    done = client.post(f"/plans/{plan_id}/publish", json={"reason": "school catchment"})
    assert done.status_code == 200, done.text
    assert plan_info(store.engine, plan_id)["status"] == "published"
    late = client.post(
        f"/plans/{plan_id}/edits",
        json={"op": "rename", "grid": B1, "name": "x"},
        headers={"If-Match": f'"{plan_id}.2"'},
    )
    assert late.status_code == 409


def test_split_along_a_drawn_line_then_lock(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    client = _planner(api_client, store)
    basic = read_plan(store.engine, plan_id, "basic").set_index("code")
    minx, miny, maxx, maxy = basic.loc[B1].geometry.bounds
    mid = (minx + maxx) / 2
    split = client.post(
        f"/plans/{plan_id}/edits",
        json={"op": "split", "grid": B1, "line": [[mid, miny - 0.001], [mid, maxy + 0.001]]},
        headers={"If-Match": f'"{plan_id}.0"'},
    )
    assert split.status_code == 200, split.text
    stats = {g["code"]: g for g in split.json()["grids"]}
    new = WEST_CODE + "006"
    assert stats[B1]["households"] + stats[new]["households"] == 384
    assert stats[new]["band"]["within"] is False  # half a grid is below 300 households
    locked = client.post(
        f"/plans/{plan_id}/edits",
        json={"op": "lock", "grids": [new]},
        headers={"If-Match": split.headers["etag"]},
    )
    assert locked.status_code == 200
    assert client.get(f"/plans/{plan_id}/draft").json()["locked"] == [new]
    merge = client.post(
        f"/plans/{plan_id}/edits",
        json={"op": "merge", "grids": [B1, new]},
        headers={"If-Match": locked.headers["etag"]},
    )
    assert merge.status_code == 422 and merge.json()["check"] == "locked"
