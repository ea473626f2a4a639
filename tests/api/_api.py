"""API test helpers: settings for a store, keys of a role and jurisdiction, and the one way the
schemathesis tests generate and send requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geogrid.roles import Role
from geogrid.settings import ApiSettings, Settings, StoreSettings
from geogrid.store import Store
from geogrid.store.access import create_api_key

ApiClient = Callable[..., TestClient]
LAOSHAN = "370212"


def settings_for(store: Store, **api: Any) -> Settings:
    """Settings pointing at ``store``, with ``api`` overriding ApiSettings fields. In-process
    test apps compute KPIs on a thread and warm nothing up unless asked (a worker process per
    app would cost seconds each; the ``geogrid serve`` tests run the real thing)."""
    url = store.engine.url.render_as_string(hide_password=False)
    api = {"kpi_worker": "thread", "kpi_warmup": False} | api
    return Settings(store=StoreSettings(database_url=url), api=ApiSettings(**api))


def issue_key(store: Store, *, role: Role | str, jurisdiction: str, name: str | None = None) -> str:
    """A new key in ``store`` for a user named after role and jurisdiction unless ``name``."""
    role = Role(role)
    with store.transaction() as conn:
        return create_api_key(
            conn, name=name or f"{role.value}-{jurisdiction}", role=role, jurisdiction=jurisdiction
        )


Check = Callable[[Any], None]
"""What to do with one generated schemathesis case (send it, assert on the answer)."""


def fuzz_operations(
    operations: list[Any], check: Check, *, max_examples: int, ids: dict[str, int] | None = None
) -> None:
    """Run ``check`` on up to ``max_examples`` generated cases of each operation, the same way
    for every schemathesis test (derandomized, no example database, no deadline); in about half
    of them the path parameters named in ``ids`` are set to a row that exists."""
    for operation in operations:

        @given(case=operation.as_strategy(), real=st.booleans())
        @settings(
            max_examples=max_examples,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: Any, real: bool) -> None:
            for name, value in (ids or {}).items() if real else ():
                if name in (case.path_parameters or {}):
                    case.path_parameters[name] = value
            check(case)

        run()


def fuzz_for_5xx(
    client: TestClient,
    path_regex: str,
    *,
    ids: dict[str, int] | None = None,
    max_examples: int = 10,
) -> tuple[int, list[str]]:
    """Generated requests to the in-process app's routes matching ``path_regex``, sent with the
    client's own key; returns how many operations were fuzzed and every request answered 5xx."""
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())
    operations = [op.ok() for op in schema.include(path_regex=path_regex).get_all_operations()]
    failures: list[str] = []

    def send(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://testserver")
        data = kwargs.get("data")
        headers = kwargs.get("headers") or {}
        response = client.request(
            kwargs["method"],
            kwargs["url"],
            params=kwargs.get("params"),
            headers={k: v for k, v in headers.items() if k.lower() != "x-api-key"},
            json=kwargs.get("json"),
            data=data if isinstance(data, dict) else None,
            content=data if isinstance(data, str | bytes) else None,
        )
        if response.status_code >= 500:
            failures.append(f"{kwargs['method']} {kwargs['url']}: {response.text[:300]}")

    fuzz_operations(operations, send, max_examples=max_examples, ids=ids)
    return len(operations), failures
