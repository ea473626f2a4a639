"""Two planners editing one draft at once, each through an app of their own (two processes'
worth of caches) on one store: no lost update, every stale edit 409, the stored draft equal to
a replay of the accepted edits."""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd
import shapely
from _api import ApiClient
from _draft_city import WEST_CODE
from _draft_store import CityPlan, fill_store
from fastapi.testclient import TestClient
from shapely.geometry import shape

from geogrid.plans.draft import Delta, draft_from_frames
from geogrid.store import Store, read_plan
from geogrid.store.drafts import edits, read_units

B1, B2 = WEST_CODE + "001", WEST_CODE + "002"
EDITS_EACH = 25


def _toggle_unit(client: TestClient, plan_id: int) -> tuple[int, str, str]:
    """A unit of B1 and a micro grid of B2 it shares an edge with, and its own micro grid."""
    feats = client.get(f"/plans/{plan_id}/units").json()["features"]
    micro = {}
    for f in feats:
        micro.setdefault(f["properties"]["micro_code"], []).append(shape(f["geometry"]))
    shapes = {c: shapely.union_all(g) for c, g in micro.items()}
    for f in feats:
        own = f["properties"]["micro_code"]
        if not own.startswith(B1) or len(micro[own]) < 2:
            continue
        geom = shape(f["geometry"])
        for code, other in shapes.items():
            if code.startswith(B2) and geom.intersection(other).length > 0:
                rest = shapely.union_all([g for g in micro[own] if not g.equals(geom)])
                if rest.geom_type == "Polygon":
                    return int(f["properties"]["unit_id"]), own, code
    raise AssertionError("no unit of B1 can go to B2 and back")


def _planner(
    client: TestClient, plan_id: int, edits_to_make: list[dict[str, Any]], log: list
) -> None:
    version = client.get(f"/plans/{plan_id}/draft").json()["version"]
    for body in edits_to_make:
        answer = client.post(
            f"/plans/{plan_id}/edits", json=body, headers={"If-Match": f'"{plan_id}.{version}"'}
        )
        log.append((version, body, answer.status_code, answer.json()))
        if answer.status_code == 200:
            version = answer.json()["version"]
        elif answer.status_code == 409:
            version = answer.json()["current"]  # what changed is in the answer: go on from there


def test_two_planners_lose_nothing(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    one = api_client(store, role="planner", jurisdiction="370212")
    two = api_client(store, role="planner", jurisdiction="370212001")
    unit, home, away = _toggle_unit(one, plan_id)
    renames = [
        {"op": "rename", "grid": f"{WEST_CODE}00{1 + i % 5}", "name": f"a{i}"}
        for i in range(EDITS_EACH)
    ]
    moves = [
        {"op": "move", "units": [unit], "to": away if i % 2 == 0 else home}
        for i in range(EDITS_EACH)
    ]
    logs: list[list] = [[], []]
    threads = [
        threading.Thread(target=_planner, args=(one, plan_id, renames, logs[0])),
        threading.Thread(target=_planner, args=(two, plan_id, moves, logs[1])),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    answers = logs[0] + logs[1]
    assert len(answers) == 2 * EDITS_EACH
    statuses = [s for _, _, s, _ in answers]
    assert set(statuses) <= {200, 409}, [a for a in answers if a[2] not in (200, 409)]
    # a move onto the grid the unit is already in (its toggle's other move refused) changes
    # nothing: answered with the version it named, and no version of its own
    written = [a for a in answers if a[2] == 200 and not a[3]["unchanged"]]
    assert all(a[3]["version"] == a[0] for a in answers if a[2] == 200 and a[3]["unchanged"])
    accepted = sorted(a[3]["version"] for a in written)
    # every accepted edit got a version of its own, one after the version it was based on
    assert accepted == list(range(1, len(accepted) + 1))
    assert all(a[3]["version"] == a[0] + 1 for a in written)
    # every refused one was stale: the draft had moved past the version it named
    assert all(a[3]["current"] > a[0] for a in answers if a[2] == 409)
    log = edits(store.engine, plan_id)
    assert [e["version"] for e in log] == accepted
    _assert_replay_equals_store(store, plan_id, city_plan, log)


def _assert_replay_equals_store(
    store: Store, plan_id: int, city_plan: CityPlan, log: list[dict[str, Any]]
) -> None:
    _, plan, units = city_plan
    grids = pd.concat([plan.grids["basic"], plan.grids["micro"]], ignore_index=True)
    grids["name"] = None
    replay = draft_from_frames(plan_id, units, grids, area_types={})
    for entry in log:
        replay.apply(Delta.from_json(entry["delta"]))
    stored_units = read_units(store.engine, plan_id)
    assert dict(zip(stored_units["unit_id"], stored_units["micro_code"], strict=True)) == (
        replay.assignment()
    )
    stored = read_plan(store.engine, plan_id).set_index("code")
    for code, record in replay.grids.items():
        name = stored.loc[code, "name"]
        assert (None if pd.isna(name) else name) == record.name
        units_of = replay.units_of(code)
        assert stored.loc[code, "households"] == int(replay.households[units_of].sum())
    assert set(stored.index[stored["level"].isin(["basic", "micro"])]) == set(replay.grids)
