"""Store failures reach API clients as 503, ids no row can have as 404: never a bare 500."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from geogrid.api import create_app
from geogrid.settings import Settings, StoreSettings
from geogrid.store import Store


def _client(store: Store) -> TestClient:
    url = store.engine.url.render_as_string(hide_password=False)
    return TestClient(create_app(Settings(store=StoreSettings(database_url=url))))


@contextmanager
def _table_gone(store: Store, table: str) -> Iterator[None]:
    """``table`` renamed away for the block (the store breaks under a running API)."""
    with store.transaction() as conn:
        conn.execute(text(f"ALTER TABLE {table} RENAME TO {table}_away"))
    try:
        yield
    finally:
        with store.transaction() as conn:
            conn.execute(text(f"ALTER TABLE {table}_away RENAME TO {table}"))


def test_a_store_error_is_503(store: Store) -> None:
    with _client(store) as client:
        assert client.get("/plans").status_code == 200
        with _table_gone(store, "grid_plans"):
            response = client.get("/plans")
    assert response.status_code == 503
    body = response.json()
    assert "the store failed" in body["detail"] and "grid_plans" in body["detail"]


@pytest.mark.parametrize("plan_id", ["99999999999999999999999", str(2**63), "0"])
def test_an_impossible_plan_id_is_404(store: Store, plan_id: str) -> None:
    with _client(store) as client:
        response = client.get(f"/plans/{plan_id}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"grid plan {plan_id} does not exist"
