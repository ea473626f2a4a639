"""`geogrid users add|list|revoke` as a process: the key works once issued, fails once revoked."""

from __future__ import annotations

from pathlib import Path

from _cli import run_geogrid

from geogrid.settings import StoreSettings
from geogrid.store import open_store
from geogrid.store.access import find_api_key


def test_users_add_list_revoke(tmp_path: Path) -> None:
    db = tmp_path / "g.sqlite"
    added = run_geogrid(
        "users", "add", "wang", "--role", "planner", "--jurisdiction", "370212001", db=db
    )
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip()
    assert key.startswith("gg_") and "cannot be shown again" in added.stderr
    twice = run_geogrid("users", "add", "wang", "--jurisdiction", "370212", db=db)
    bad_role = run_geogrid(
        "users", "add", "li", "--role", "boss", "--jurisdiction", "370212", db=db
    )
    bad_code = run_geogrid("users", "add", "li", "--jurisdiction", "37021", db=db)
    listed = run_geogrid("users", "list", db=db)
    store = open_store(StoreSettings(database_url=f"sqlite:///{db}"))
    try:
        found = find_api_key(store.engine, key)
        assert found is not None and (found.role, found.jurisdiction) == ("planner", "370212001")
        revoked = run_geogrid("users", "revoke", "wang", db=db)
        assert revoked.returncode == 0 and find_api_key(store.engine, key) is None
    finally:
        store.dispose()
    again = run_geogrid("users", "revoke", "wang", db=db)
    assert twice.returncode == 1 and "already has a key" in twice.stderr
    assert bad_role.returncode == 1 and "unknown role 'boss'" in bad_role.stderr
    assert bad_code.returncode == 1 and "field jurisdiction" in bad_code.stderr
    assert "wang" in listed.stdout and "planner" in listed.stdout and key not in listed.stdout
    assert again.returncode == 1 and "no live API key for user 'wang'" in again.stderr
