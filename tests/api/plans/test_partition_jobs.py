"""Partition jobs over HTTP on SpatiaLite and PostGIS: progress, result link, reload, refusal of
a second job on the same draft, cancel."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from _api import ApiClient
from _draft_city import EAST_CODE, WEST_CODE, small_city
from _villages import (
    EAST_HOUSEHOLDS,
    PARENT,
    WEST_HOUSEHOLDS,
    natural_villages,
    row_of_houses,
    village_parent,
)
from fastapi.testclient import TestClient

from geogrid.store import Store, read_plan, write_layer
from geogrid.store.drafts import unit_count


def _import(store: Store) -> None:
    city = small_city()
    with store.transaction() as conn:
        for name in ("streets", "communities", "buildings", "roads"):
            write_layer(conn, name, city[name], source_file="test", source_crs="EPSG:4326")


def _wait(client: TestClient, job_id: int, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/partition-jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still running after {timeout} s")


def test_job_partitions_a_community_and_links_its_draft(
    store: Store, api_client: ApiClient
) -> None:
    _import(store)
    client = api_client(store, role="planner", jurisdiction="370212")
    started = client.post("/partition-jobs", json={"scope": [WEST_CODE], "seed": 1})
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    twin = client.post("/partition-jobs", json={"scope": [WEST_CODE], "seed": 2})
    assert twin.status_code == 409 and str(job_id) in twin.json()["detail"]
    reloaded = api_client(store, role="viewer", jurisdiction="370212")  # a page reload
    job = _wait(reloaded, job_id)
    assert job["status"] == "succeeded", job
    # the engine ran in a worker process, not in the API's own
    assert job["worker_pid"] is not None and job["worker_pid"] != os.getpid()
    assert job["progress"]["done"] == job["progress"]["total"] == 1
    plan_id = job["plan_id"]
    assert job["links"]["draft"] == f"/plans/{plan_id}/draft"
    basic = read_plan(store.engine, plan_id, "basic")
    assert set(basic["parent_code"]) == {WEST_CODE}  # only the community in scope
    assert basic["households"].sum() == 240 * 8
    assert unit_count(store.engine, plan_id) == 240
    assert client.get(job["links"]["draft"]).json()["version"] == 0


def test_cancel_a_queued_job_and_scope_outside_jurisdiction(
    store: Store, api_client: ApiClient
) -> None:
    _import(store)
    client = api_client(store, role="planner", jurisdiction="370212")
    first = client.post("/partition-jobs", json={"scope": [WEST_CODE]}).json()
    second = client.post("/partition-jobs", json={"scope": [EAST_CODE]}).json()
    # one job runs at a time, so the second waits in the queue and never starts
    cancelled = client.post(f"/partition-jobs/{second['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["cancel_requested"] is True
    assert _wait(client, second["id"])["status"] == "cancelled"
    assert _wait(client, first["id"])["status"] == "succeeded"
    assert client.post(f"/partition-jobs/{first['id']}/cancel").status_code == 409
    listed = [j["id"] for j in client.get("/partition-jobs").json()]
    assert listed[:2] == [second["id"], first["id"]]
    outsider = api_client(store, role="planner", jurisdiction="370212002")
    refused = outsider.post("/partition-jobs", json={"scope": ["370212001"]})
    assert refused.status_code == 403
    viewer = api_client(store, role="viewer", jurisdiction="370212")
    assert viewer.post("/partition-jobs", json={}).status_code == 403


def test_a_killed_worker_fails_its_job_and_frees_the_draft(
    store: Store, api_client: ApiClient
) -> None:
    _import(store)
    client = api_client(store, role="planner", jurisdiction="370212")
    job_id = client.post("/partition-jobs", json={"scope": [WEST_CODE]}).json()["id"]
    deadline = time.monotonic() + 120
    while (job := client.get(f"/partition-jobs/{job_id}").json())["worker_pid"] is None:
        assert job["status"] in ("queued", "running") and time.monotonic() < deadline, job
        time.sleep(0.05)
    os.kill(job["worker_pid"], signal.SIGKILL)  # out of memory, or killed by an operator
    job = _wait(client, job_id)
    assert job["status"] == "failed" and job["error"].startswith("interrupted"), job
    again = client.post("/partition-jobs", json={"scope": [WEST_CODE]})  # the draft is free
    assert again.status_code == 202, again.text
    assert _wait(client, again.json()["id"])["status"] == "succeeded"


def test_a_job_keeps_the_stored_natural_villages_whole(store: Store, api_client: ApiClient) -> None:
    """A job reads the natural_villages layer as ``geogrid partition`` does: each village of
    the row of houses (240 and 360 households, one settlement of 600 without them) in a grid."""
    with store.transaction() as conn:
        for name, frame in (
            ("communities", village_parent("EPSG:4326")),
            ("buildings", row_of_houses("EPSG:4326")),
            ("natural_villages", natural_villages("EPSG:4326")),
        ):
            write_layer(conn, name, frame, source_file="test", source_crs="EPSG:4326")
    client = api_client(store, role="planner", jurisdiction="370212")
    started = client.post("/partition-jobs", json={"scope": [PARENT]})
    assert started.status_code == 202, started.text
    job = _wait(client, started.json()["id"])
    assert job["status"] == "succeeded", job
    basic = read_plan(store.engine, job["plan_id"], "basic")
    assert sorted(basic["households"]) == [WEST_HOUSEHOLDS, EAST_HOUSEHOLDS]
