"""A CQL2 injection corpus: quotes, comments, stacked statements, functions, unknown and
hidden properties, huge literals, type confusion. Every one is a clear 400 and changes nothing."""

from __future__ import annotations

import json

import pytest
from _api import ApiClient
from _city import build_city
from sqlalchemy import text

from geogrid.store import Store
from geogrid.store.all_tables import metadata

HUGE = "x" * 5_000
CORPUS_TEXT = [
    "name = 'a' OR '1'='1",  # a property compared with nothing: '1' is not a property
    "name = 'a'; DROP TABLE buildings; --",
    "name = 'a' -- comment",
    "name = 'a' /* comment */",
    "1=1",
    "households > 0 UNION SELECT * FROM api_keys",
    "sqlite_version() = '3'",
    "pg_sleep(10) = 1",
    "upper(building_id) = 'B01'",
    "key_hash = 'x'",  # a column of another table
    "geom_wkb = 'x'",
    '"building_id" = \'B01\' OR "x"="x"',
    f"building_id = '{HUGE}'",
    "households = 'many'",
    "households > 1e300",
    "S_INTERSECTS(households, POINT(1 2))",
    "S_INTERSECTS(geometry, 'POLYGON((0 0,1 0,1 1,0 0))')",
    "T_AFTER(building_id, TIMESTAMP('2025-01-01T00:00:00Z'))",
    "building_id IN (" + ",".join(f"'{k}'" for k in range(600)) + ")",
    " AND ".join(["households > 1"] * 600),
    "building_id LIKE",
    "",
    "\x00",
]
CORPUS_JSON = [
    '{"op": "=", "args": [{"property": "building_id; DROP TABLE buildings"}, "x"]}',
    '{"op": "drop", "args": [{"property": "building_id"}]}',
    '{"op": "=", "args": [{"op": "sqlite_version", "args": []}, "3"]}',
    '{"op": "=", "args": [{"property": "building_id"}, {"property": "key_hash"}]}',
    '{"op": "=", "args": [{"property": "households"}, {"sql": "1 OR 1=1"}]}',
    '{"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Polygon", "coordinates": "x"}]}',
    "not json at all",
    json.dumps({"op": "=", "args": [{"property": "building_id"}, HUGE]}),
]


def _snapshot(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t.name: int(conn.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one()) for t in metadata.sorted_tables}  # fmt: skip


@pytest.fixture
def city(store: Store) -> Store:
    build_city(store)
    return store


def test_every_injection_is_a_clear_400_and_changes_nothing(
    city: Store, api_client: ApiClient
) -> None:
    client = api_client(city)
    before = _snapshot(city)
    answers = [
        ("cql2-text", f, client.get("/collections/buildings/items", params={"filter": f}))
        for f in CORPUS_TEXT
    ]
    answers += [("cql2-json", f, client.get("/collections/buildings/items", params={"filter": f, "filter-lang": "cql2-json"})) for f in CORPUS_JSON]  # fmt: skip
    answers += [("export", f, client.get("/collections/buildings/export", params={"filter": f})) for f in CORPUS_TEXT[:6]]  # fmt: skip
    for lang, text_, response in answers:
        assert response.status_code == 400, (
            lang,
            text_[:80],
            response.status_code,
            response.text[:300],
        )
        body = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert body["field"] == "filter" and body["detail"], (lang, text_[:80])
        assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()
    assert _snapshot(city) == before
    quoted = client.get(
        "/collections/buildings/items", params={"filter": "building_id = 'B01'' OR ''1''=''1'"}
    )
    assert quoted.status_code == 400 or quoted.json()["numberMatched"] == 0
