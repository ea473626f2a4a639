"""The access rule on a real store: keys (hashed), roles, jurisdiction, anonymous read, audit."""

from __future__ import annotations

from typing import Annotated

import pytest
from _api import ApiClient, issue_key, settings_for
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from geogrid.api import create_app
from geogrid.api.access import (
    PLAN_WRITERS,
    Principal,
    PrincipalDep,
    Role,
    code_clause,
    record_write,
    require,
)
from geogrid.store import Store
from geogrid.store.access import list_api_keys, read_audit, revoke_api_key
from geogrid.store.access_tables import ApiKey
from geogrid.store.tables import table_of

STREET = Principal("li", Role.viewer, "370212001")


def test_covers_is_a_code_prefix() -> None:
    assert STREET.covers("370212001")
    assert STREET.covers("370212001003")  # a community of the street
    assert STREET.covers("370212001003002017")  # a micro grid in it
    assert not STREET.covers("370212002003")  # the next street's community
    assert not STREET.covers("370212")  # the district is larger than the street
    assert not STREET.covers(None)
    assert Principal(None, Role.viewer, "").covers("110105")


def test_code_clause_binds_the_prefix_in_sql(store: Store) -> None:
    # api_keys.jurisdiction is a code column like any other: filter it with the clause.
    for code in ("370212001003", "370212002001", "370212001", "370212"):
        issue_key(store, role="viewer", jurisdiction=code, name=f"k{code}")
    keys = table_of(ApiKey)
    wildcard = Principal("x", Role.viewer, "37021200%")
    with store.engine.connect() as conn:
        seen = conn.execute(
            select(keys.c.jurisdiction).where(code_clause(STREET, keys.c.jurisdiction))
        )
        literal = conn.execute(
            select(keys.c.name).where(code_clause(wildcard, keys.c.jurisdiction))
        )
        assert sorted(r[0] for r in seen) == ["370212001", "370212001003"]
        assert literal.all() == []  # a wildcard is a literal character, never a LIKE pattern


def _app_with_probe(store: Store, **api: object) -> TestClient:
    app = create_app(settings_for(store, **api))
    probe = APIRouter()

    @probe.get("/probe/read")
    def read(principal: PrincipalDep) -> dict[str, str | None]:
        return {
            "name": principal.name,
            "role": principal.role,
            "jurisdiction": principal.jurisdiction,
        }

    @probe.post("/probe/plan-write")
    def write(principal: Annotated[Principal, Depends(require(*PLAN_WRITERS))]) -> dict[str, str]:
        with app.state.store.transaction() as conn:
            record_write(conn, principal, "plan.edit", "plan:7", {"grids": 2})
        return {"ok": "yes"}

    app.include_router(probe)
    return TestClient(app)


def test_keys_header_forms_and_failures(store: Store) -> None:
    key = issue_key(store, role="planner", jurisdiction="370212001", name="wang")
    with _app_with_probe(store) as client:
        by_header = client.get("/probe/read", headers={"X-API-Key": key})
        by_bearer = client.get("/probe/read", headers={"Authorization": f"Bearer {key}"})
        missing = client.get("/probe/read")
        wrong = client.get("/probe/read", headers={"X-API-Key": key[:-2] + "xx"})
        garbage = client.get("/probe/read", headers={"X-API-Key": "'; DROP TABLE api_keys; --"})
        with store.transaction() as conn:
            revoke_api_key(conn, "wang")
        revoked = client.get("/probe/read", headers={"X-API-Key": key})
    assert by_header.json() == {"name": "wang", "role": "planner", "jurisdiction": "370212001"}
    assert by_bearer.json() == by_header.json()
    for response in (missing, wrong, garbage, revoked):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert "X-API-Key" in missing.json()["detail"]
    assert revoked.json()["detail"] == "the API key is unknown or revoked"
    assert [k.name for k in list_api_keys(store.engine)] == ["wang"]


def test_key_is_stored_hashed(store: Store) -> None:
    key = issue_key(store, role="viewer", jurisdiction="370212", name="zhao")
    secret = key.split("_", 2)[2]
    with store.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM api_keys WHERE name = 'zhao'")).one()._mapping
    assert all(secret not in str(v) for v in row.values())
    assert len(row["key_hash"]) == 64 and len(row["salt"]) == 32


def test_anonymous_read_is_off_by_default_and_a_viewer_when_on(store: Store) -> None:
    with _app_with_probe(store) as closed:
        assert closed.get("/probe/read").status_code == 401
    with _app_with_probe(store, anonymous_read=True, anonymous_jurisdiction="370212") as public:
        read = public.get("/probe/read")
        write = public.post("/probe/plan-write")
    assert read.json() == {"name": None, "role": "viewer", "jurisdiction": "370212"}
    assert write.status_code == 403 and write.json()["title"] == "Forbidden"


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer", 403), ("analyst", 403), ("dispatcher", 403), ("planner", 200), ("admin", 200)],
)
def test_require_lets_plan_writers_through_and_logs_the_write(
    store: Store, role: str, status: int
) -> None:
    key = issue_key(store, role=role, jurisdiction="370212001", name=f"u-{role}")
    with _app_with_probe(store) as client:
        response = client.post("/probe/plan-write", headers={"X-API-Key": key})
    assert response.status_code == status
    audit = read_audit(store.engine)
    if status == 200:
        assert [(a["actor"], a["role"], a["action"], a["target"]) for a in audit] == [
            (f"u-{role}", role, "plan.edit", "plan:7")
        ]
        assert audit[0]["details"] == {"grids": 2} and audit[0]["jurisdiction"] == "370212001"
    else:
        assert audit == []
        assert f"role {role} may not do this" in response.json()["detail"]


def test_audit_entry_rolls_back_with_its_write(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as conn:
        record_write(conn, STREET, "incident.act", "incident:1")
        raise RuntimeError("the write failed")
    assert read_audit(store.engine) == []


def test_api_client_fixture_sends_a_key_of_the_role(store: Store, api_client: ApiClient) -> None:
    client = api_client(store, role="dispatcher", jurisdiction="370212001002")
    assert client.get("/health").status_code == 200
    keys = list_api_keys(store.engine)
    assert [(k.role, k.jurisdiction) for k in keys] == [(Role.dispatcher, "370212001002")]
