"""API test helpers: settings for a store, keys of a role and jurisdiction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from geogrid.roles import Role
from geogrid.settings import ApiSettings, Settings, StoreSettings
from geogrid.store import Store
from geogrid.store.access import create_api_key

ApiClient = Callable[..., TestClient]
LAOSHAN = "370212"


def settings_for(store: Store, **api: Any) -> Settings:
    """Settings pointing at ``store``, with ``api`` overriding ApiSettings fields."""
    url = store.engine.url.render_as_string(hide_password=False)
    return Settings(store=StoreSettings(database_url=url), api=ApiSettings(**api))


def issue_key(store: Store, *, role: Role | str, jurisdiction: str, name: str | None = None) -> str:
    """A new key in ``store`` for a user named after role and jurisdiction unless ``name``."""
    role = Role(role)
    with store.transaction() as conn:
        return create_api_key(
            conn, name=name or f"{role.value}-{jurisdiction}", role=role, jurisdiction=jurisdiction
        )
