"""Plan versions over HTTP on SpatiaLite and PostGIS: copy, archive, diff (JSON and GeoJSON)."""

from __future__ import annotations

import numpy as np
from _api import ApiClient
from _draft_city import WEST_CODE
from _draft_store import CityPlan, fill_store

from geogrid.plans.diff import diff_plans
from geogrid.store import Store, plan_info
from geogrid.store.drafts import unit_count

B1, B2 = WEST_CODE + "001", WEST_CODE + "002"


def test_copy_merge_and_diff(store: Store, api_client: ApiClient, city_plan: CityPlan) -> None:
    source = fill_store(store, city_plan)
    client = api_client(store, role="planner", jurisdiction="370212")
    copied = client.post(f"/plans/{source}/copy", json={"note": "redraw"})
    assert copied.status_code == 201, copied.text
    new = copied.json()["plan_id"]
    assert plan_info(store.engine, new)["based_on"] == source
    assert unit_count(store.engine, new) == unit_count(store.engine, source) == 336
    merged = client.post(
        f"/plans/{new}/edits",
        json={"op": "merge", "grids": [B1, B2]},
        headers={"If-Match": f'"{new}.0"'},
    )
    assert merged.status_code == 200, merged.text
    diff = client.get(f"/plans/{source}/diff/{new}")
    assert diff.status_code == 200, diff.text
    basic, micro = diff.json()["levels"]["basic"], diff.json()["levels"]["micro"]
    assert basic["removed"] == [B2] and basic["changed"] == [B1] and basic["added"] == []
    # every building of B2 (384 households, 8 each) now lies in B1
    assert basic["buildings_moved"] == 48 and basic["households_moved"] == 384
    assert basic["unchanged"] == 5 and basic["incidents_moved"] == 0
    # B2's 19 micro grids keep their polygons under codes of B1: recoded, nothing moved
    assert len(micro["recoded"]) == 19 and micro["buildings_moved"] == 0
    assert all(new_code.startswith(B1) for _, new_code in micro["recoded"])
    areas = client.get(f"/plans/{source}/diff/{new}", params={"format": "geojson"})
    assert areas.headers["content-type"] == "application/geo+json"
    changes = sorted(
        (f["properties"]["level"], f["properties"]["change"]) for f in areas.json()["features"]
    )
    assert changes.count(("basic", "removed")) == 1 and changes.count(("basic", "changed")) == 1
    assert changes.count(("micro", "recoded")) == 19


def test_archive_a_draft_not_a_published_plan(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    client = api_client(store, role="planner", jurisdiction="370212")
    street_planner = api_client(store, role="planner", jurisdiction="370212002")
    assert street_planner.post(f"/plans/{plan_id}/archive").status_code == 403
    assert client.post(f"/plans/{plan_id}/archive").json()["status"] == "archived"
    assert plan_info(store.engine, plan_id)["status"] == "archived"
    again = client.post(f"/plans/{plan_id}/archive")
    assert again.status_code == 409
    edit = client.post(
        f"/plans/{plan_id}/edits",
        json={"op": "rename", "grid": B1, "name": "x"},
        headers={"If-Match": f'"{plan_id}.1"'},
    )
    assert edit.status_code == 409 and "archived" in edit.json()["detail"]


def test_diff_counts_incidents_that_change_grid(city_plan: CityPlan) -> None:
    _, plan, _ = city_plan
    a = plan.grids["basic"].assign(level="basic")
    b = a.copy()
    b.loc[b["code"] == B1, "code"] = WEST_CODE + "099"  # same polygon, new code
    inside = a[a["code"] == B2].geometry.iloc[0].representative_point()
    points = np.asarray([[inside.x, inside.y], [0.0, 0.0]])
    summary, areas = diff_plans(a, b, incidents=points, levels=("basic",))
    assert summary["basic"]["recoded"] == [[B1, WEST_CODE + "099"]]
    assert summary["basic"]["incidents_moved"] == 0 and summary["basic"]["unchanged"] == 6
    assert list(areas["change"]) == ["recoded"]


def test_diff_keeps_where_points_lie_for_the_next_diff() -> None:
    import geopandas as gpd
    import shapely

    def plan(boxes: list[tuple[float, float, float, float]]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {"level": "basic", "code": ["L", "R"], "households": [10, 10]},
            geometry=[shapely.box(*b) for b in boxes],
            crs="EPSG:4326",
        )

    a = plan([(120.0, 36.0, 120.01, 36.02), (120.01, 36.0, 120.02, 36.02)])  # west, east
    b = plan([(120.0, 36.0, 120.02, 36.01), (120.0, 36.01, 120.02, 36.02)])  # south, north
    points = np.asarray(
        [[120.005, 36.005], [120.015, 36.005], [120.005, 36.015], [120.015, 36.015]]
    )
    memo: tuple[dict, dict] = ({}, {})
    summary, _ = diff_plans(a, b, incidents=points, levels=("basic",), located=memo)
    assert summary["basic"]["changed"] == ["L", "R"] and summary["basic"]["incidents_moved"] == 2
    assert list(memo[0]["incidents"]["basic"]) == ["L", "R", "L", "R"]
    assert list(memo[1]["incidents"]["basic"]) == ["L", "L", "R", "R"]
    # the next diff reads the kept locations instead of locating again
    memo[1]["incidents"]["basic"] = memo[0]["incidents"]["basic"].copy()
    again, _ = diff_plans(a, b, incidents=points, levels=("basic",), located=memo)
    assert again["basic"]["incidents_moved"] == 0
