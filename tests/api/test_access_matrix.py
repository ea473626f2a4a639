"""The access matrix: every role x jurisdiction (district, street, community, no key, revoked
key) x endpoint family, allowed and denied, with what each one sees written out.

Families here: features (items, single items), collections (the list and its extents) and
exports. Tiles, feeds, statistics and edits add their rows in their own modules with the same
principals (see ROLES and JURISDICTIONS).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from _api import settings_for
from _city import DISTRICT, EAST, WEST, build_city
from fastapi.testclient import TestClient

from geogrid.api import create_app
from geogrid.roles import Role
from geogrid.store import Store
from geogrid.store.access import create_api_key, revoke_api_key

ROLES = tuple(Role)
COMMUNITY = "370212002001"
JURISDICTIONS = (DISTRICT, WEST, COMMUNITY)
# What each jurisdiction sees: basic grids, incidents, buildings, and one grid code inside / outside.
SEES = {
    DISTRICT: {
        "basic_grids": 7,
        "incidents": 31,
        "buildings": 24,
        "inside": "370212002001003",
        "outside": None,
    },
    WEST: {
        "basic_grids": 4,
        "incidents": 20,
        "buildings": 12,
        "inside": "370212001002002",
        "outside": "370212002001001",
    },
    COMMUNITY: {
        "basic_grids": 3,
        "incidents": 10,
        "buildings": 12,
        "inside": "370212002001002",
        "outside": "370212001001001",
    },
}
STREET_EXTENT = {DISTRICT: [120.40, 36.08, 120.48, 36.12], WEST: [120.40, 36.08, 120.44, 36.12], COMMUNITY: None}  # fmt: skip
PERSONAL = {Role.analyst, Role.admin}


@pytest.fixture
def world(store: Store) -> tuple[TestClient, dict[tuple[Role, str], str], str]:
    """One app, a key per role x jurisdiction, and a revoked key."""
    build_city(store)
    keys: dict[tuple[Role, str], str] = {}
    with store.transaction() as conn:
        for role in ROLES:
            for code in JURISDICTIONS:
                keys[role, code] = create_api_key(conn, name=f"{role}-{code}", role=role, jurisdiction=code)  # fmt: skip
        revoked = create_api_key(conn, name="gone", role=Role.admin, jurisdiction=DISTRICT)
        revoke_api_key(conn, "gone")
    with TestClient(create_app(settings_for(store))) as client:
        yield client, keys, revoked


def _features(client: TestClient, key: str, code: str, role: Role) -> None:
    h = {"X-API-Key": key}
    sees = SEES[code]
    for cid in ("basic_grids", "incidents", "buildings"):
        body = client.get(f"/collections/{cid}/items", headers=h, params={"limit": 100}).json()
        assert body["numberMatched"] == sees[cid] == len(body["features"]), (role, code, cid)
    assert (
        client.get(f"/collections/basic_grids/items/{sees['inside']}", headers=h).status_code == 200
    )
    if sees["outside"]:
        assert (
            client.get(f"/collections/basic_grids/items/{sees['outside']}", headers=h).status_code
            == 404
        )
    incident = client.get("/collections/incidents/items", headers=h, params={"limit": 1}).json()
    assert ("reporter" in incident["features"][0]["properties"]) == (role in PERSONAL), (role, code)


def _collections(client: TestClient, key: str, code: str, role: Role) -> None:
    body = client.get("/collections/streets", headers={"X-API-Key": key}).json()
    extent = body.get("extent", {}).get("spatial", {}).get("bbox", [None])[0]
    assert extent == STREET_EXTENT[code], (role, code)


def _exports(client: TestClient, key: str, code: str, role: Role) -> None:
    response = client.get("/collections/incidents/export", headers={"X-API-Key": key}, params={"format": "gpkg"})  # fmt: skip
    assert response.status_code == 200, (role, code, response.text[:200])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.gpkg"
        path.write_bytes(response.content)
        frame = pyogrio.read_dataframe(path)
    assert len(frame) == SEES[code]["incidents"], (role, code)
    assert ("reporter" in frame.columns) == (role in PERSONAL), (role, code)


FAMILIES = {"features": _features, "collections": _collections, "exports": _exports}
PATHS = {
    "features": "/collections/basic_grids/items",
    "collections": "/collections",
    "exports": "/collections/incidents/export?format=geojson",
}


@pytest.mark.parametrize("family", FAMILIES)
def test_every_role_and_jurisdiction(world: Any, family: str) -> None:
    client, keys, _ = world
    for (role, code), key in keys.items():
        FAMILIES[family](client, key, code, role)


@pytest.mark.parametrize("family", FAMILIES)
def test_no_key_and_revoked_key_are_refused(world: Any, family: str) -> None:
    client, _, revoked = world
    assert client.get(PATHS[family]).status_code == 401
    assert client.get(PATHS[family], headers={"X-API-Key": revoked}).status_code == 401
    assert (
        client.get(PATHS[family], headers={"Authorization": "Bearer gg_nope_nope"}).status_code
        == 401
    )


def test_a_grid_outside_the_district_store_is_never_seen_by_a_street(world: Any) -> None:
    client, keys, _ = world
    # The east street sees no feature of the west street, in any family.
    key = {"X-API-Key": keys[Role.admin, COMMUNITY]}
    codes = {f["id"] for f in client.get("/collections/micro_grids/items", headers=key).json()["features"]}  # fmt: skip
    assert codes and all(c.startswith(EAST) for c in codes)
