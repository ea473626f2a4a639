"""``GET /plans/{id}/draft/grids``: what the planners' editor opens a draft with (both stores)."""

from __future__ import annotations

from _api import ApiClient
from _draft_city import EAST_CODE, WEST_CODE
from _draft_store import fill_store, partition_city

from geogrid.store import Store, publish_plan


def test_every_grid_with_its_band_lock_box_and_label_point(
    store: Store, api_client: ApiClient
) -> None:
    plan_id = fill_store(store, partition_city())
    planner = api_client(store, role="planner", jurisdiction="370212")
    b1 = WEST_CODE + "001"
    locked = planner.post(
        f"/plans/{plan_id}/edits",
        json={"op": "lock", "grids": [b1]},
        headers={"If-Match": f'"{plan_id}.0"'},
    )
    assert locked.status_code == 200, locked.text
    answer = planner.get(f"/plans/{plan_id}/draft/grids")
    assert answer.status_code == 200 and answer.headers["etag"] == f'"{plan_id}.1"'
    body = answer.json()
    assert (body["status"], body["version"], body["published"]) == ("draft", 1, None)
    grids = {g["code"]: g for g in body["grids"]}
    # the lattice city's plan: 7 basic and 133 micro grids, 2,688 households in all
    levels = [g["level"] for g in grids.values()]
    assert levels.count("basic") == 7 and levels.count("micro") == 133
    assert sum(g["households"] for g in grids.values() if g["level"] == "basic") == 2688
    first = grids[b1]
    # urban communities: basic grids 300-500 households, micro grids 10-30
    assert (first["households"], first["lo"], first["hi"], first["within"]) == (384, 300, 500, True)
    assert first["locked"] is True and first["parent_code"] == WEST_CODE
    micro = next(g for g in grids.values() if g["level"] == "micro")
    assert (micro["lo"], micro["hi"]) == (10, 30)
    assert micro["within"] == (10 <= micro["households"] <= 30)
    west, south, east, north = first["bbox"]
    x, y = first["point"]
    assert 120.45 <= west < x < east <= 120.468 and 36.1 <= south < y < north <= 36.108
    # a community planner sees only the grids of that community
    east_only = api_client(store, role="planner", jurisdiction=EAST_CODE)
    codes = [g["code"] for g in east_only.get(f"/plans/{plan_id}/draft/grids").json()["grids"]]
    assert codes and all(c.startswith(EAST_CODE) for c in codes)
    with store.transaction() as conn:
        publish_plan(conn, plan_id)
    assert planner.get(f"/plans/{plan_id}/draft/grids").json()["published"] == plan_id
    assert planner.get("/plans/99999/draft/grids").status_code == 404
