"""Schemathesis on the plan routes (drafts, versions, jobs): no generated request gets a 5xx."""

from __future__ import annotations

import schemathesis
from _api import ApiClient
from _draft_store import CityPlan, fill_store
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
    operations = [op.ok() for op in schema.include(path_regex=ROUTES).get_all_operations()]
    assert len(operations) >= 12
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy(), real=st.booleans())
        @settings(
            max_examples=10,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case, real: bool) -> None:  # type: ignore[no-untyped-def]
            if real and "plan_id" in (case.path_parameters or {}):
                case.path_parameters["plan_id"] = plan_id
            kwargs = case.as_transport_kwargs(base_url="http://testserver")
            response = client.request(
                kwargs["method"],
                kwargs["url"],
                params=kwargs.get("params"),
                headers={
                    k: v
                    for k, v in (kwargs.get("headers") or {}).items()
                    if k.lower() != "x-api-key"
                },
                json=kwargs.get("json"),
                content=kwargs.get("data"),
            )
            if response.status_code >= 500:
                failures.append(f"{kwargs['method']} {kwargs['url']}: {response.text[:300]}")

        run()
    runner = getattr(client.app.state, "job_runner", None)  # let started jobs finish
    if runner is not None:
        runner.close(wait=True)
    assert not failures, failures[:5]
