"""A disposed store leaves no connection open, not even one a thread still held."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from geogrid.settings import StoreSettings
from geogrid.store import open_store


def _url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "spatialite":
        return f"sqlite:///{tmp_path / 'g.sqlite'}"
    return str(request.getfixturevalue("postgis_url"))


def _is_closed(raw: object) -> bool:
    closed = getattr(raw, "closed", None)  # psycopg
    if closed is not None:
        return bool(closed)
    try:  # sqlite: a closed connection refuses every statement
        raw.execute("SELECT 1")  # type: ignore[attr-defined]
    except Exception as exc:
        return "closed" in str(exc)
    return False


@pytest.mark.parametrize("kind", ["spatialite", "postgis"])
def test_a_connection_checked_out_at_dispose_is_closed_when_returned(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # A server thread still reading when the server stops: before, its connection went back
    # to the dropped pool and stayed open until the garbage collector came (a ResourceWarning
    # in whichever test happened to be running then).
    store = open_store(StoreSettings(database_url=_url(kind, tmp_path, request)))
    conn = store.engine.connect()
    assert conn.execute(text("SELECT 1")).scalar() == 1
    raw = conn.connection.dbapi_connection
    store.dispose()
    assert not _is_closed(raw)  # still in the thread's hands
    conn.close()
    assert _is_closed(raw)


@pytest.mark.parametrize("kind", ["spatialite", "postgis"])
def test_a_disposed_store_still_answers_and_keeps_nothing_open(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = open_store(StoreSettings(database_url=_url(kind, tmp_path, request)))
    store.dispose()
    for _ in range(2):
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT 2")).scalar() == 2
            raw = conn.connection.dbapi_connection
        assert _is_closed(raw)
    store.dispose()
