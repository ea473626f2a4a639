"""Schemathesis on the plan routes (drafts, versions, jobs): no generated request gets a 5xx."""

from __future__ import annotations

from _api import ApiClient, fuzz_for_5xx
from _draft_store import CityPlan, fill_store
from sqlalchemy import delete

from geogrid.store import Store
from geogrid.store import tables as t

ROUTES = (
    r"^/(plans/\{plan_id\}/(draft|units|edits|undo|redo|publish|copy|archive|diff)|partition-jobs)"
)


def test_plan_routes_never_answer_5xx(
    store: Store, api_client: ApiClient, city_plan: CityPlan
) -> None:
    plan_id = fill_store(store, city_plan)
    with store.transaction() as conn:  # jobs then fail fast instead of running for long
        conn.execute(delete(t.table_of(t.Building)))
    client = api_client(store, role="planner", jurisdiction="370212")
    operations, failures = fuzz_for_5xx(client, ROUTES, ids={"plan_id": plan_id})
    runner = getattr(client.app.state, "job_runner", None)  # let started jobs finish
    if runner is not None:
        runner.close(wait=True)
    assert operations >= 12
    assert not failures, failures[:5]
