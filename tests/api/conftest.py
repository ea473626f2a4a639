"""API fixtures: a client of the real app on a real store, holding a key of a given role and
jurisdiction (``api_client(store, role=..., jurisdiction=...)``)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from _api import LAOSHAN, ApiClient, issue_key, settings_for
from fastapi.testclient import TestClient

from geogrid.api import create_app
from geogrid.roles import Role
from geogrid.store import Store


@pytest.fixture
def api_client() -> Iterator[ApiClient]:
    """A factory: ``api_client(store, role="viewer", jurisdiction="370212", key=True, **api)``.

    Returns a started TestClient of ``create_app`` on ``store`` that sends a fresh key of that
    role and jurisdiction in ``X-API-Key`` (none when ``key=False``); ``api`` sets ApiSettings
    fields (``anonymous_read=True`` ...). Clients are closed at the end of the test.
    """
    serial = itertools.count(1)
    with ExitStack() as stack:

        def make(
            store: Store,
            *,
            role: Role | str = Role.viewer,
            jurisdiction: str = LAOSHAN,
            key: bool = True,
            **api: Any,
        ) -> TestClient:
            client = TestClient(create_app(settings_for(store, **api)))
            if key:
                name = f"{Role(role).value}-{jurisdiction}-{next(serial)}"
                client.headers["X-API-Key"] = issue_key(
                    store, role=role, jurisdiction=jurisdiction, name=name
                )
            return stack.enter_context(client)

        yield make
