"""OGC API - Features on SpatiaLite and PostGIS: landing, collections, paging, CRS, filters,
the jurisdiction cut and personal data."""

from __future__ import annotations

import math
from typing import Any

import pytest
from _api import ApiClient
from _city import DISTRICT, EAST, WEST, build_city
from fastapi.testclient import TestClient

from geogrid.store import Store

R = 6378137.0  # the WGS 84 semi-major axis: Web Mercator x = R * lon in radians


@pytest.fixture
def city(store: Store) -> tuple[Store, Any]:
    return store, build_city(store)


def _all(client: TestClient, path: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every feature through rel=next links (absolute URLs), and numberMatched."""
    page = client.get(path, params=params)
    assert page.status_code == 200, page.text
    body = page.json()
    features, matched = list(body["features"]), body["numberMatched"]
    while nxt := [lk["href"] for lk in body["links"] if lk["rel"] == "next"]:
        body = client.get(nxt[0]).json()
        features += body["features"]
    return features, matched


def test_landing_conformance_and_api(city: tuple[Store, Any], api_client: ApiClient) -> None:
    store, _ = city
    client = api_client(store)
    landing = client.get("/").json()
    rels = {lk["rel"]: lk for lk in landing["links"]}
    assert rels["service-desc"]["href"].endswith("/api")
    assert rels["data"]["href"].endswith("/collections")
    classes = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in classes
    api = client.get("/api")
    assert api.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    document = api.json()
    assert document["openapi"] == "3.0.3"
    params = document["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
    limit = next(p for p in params if p["name"] == "limit")["schema"]
    assert (limit["default"], limit["maximum"], limit["minimum"]) == (100, 10_000, 1)


def test_collections_are_cut_to_the_jurisdiction(
    city: tuple[Store, Any], api_client: ApiClient
) -> None:
    store, plans = city
    district = api_client(store, jurisdiction=DISTRICT).get("/collections").json()
    ids = [c["id"] for c in district["collections"]]
    assert ids == [
        "districts", "streets", "communities", "buildings", "compounds", "natural_villages",
        "barrier_lines", "basic_grids", "micro_grids", f"plan-{plans.published}-basic_grids",
        f"plan-{plans.published}-micro_grids", f"plan-{plans.draft}-basic_grids", "incidents",
    ]  # fmt: skip
    streets = next(c for c in district["collections"] if c["id"] == "streets")
    assert streets["storageCrs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert streets["extent"]["spatial"]["bbox"] == [[120.40, 36.08, 120.48, 36.12]]
    west = api_client(store, jurisdiction=WEST).get("/collections/streets").json()
    assert west["extent"]["spatial"]["bbox"] == [[120.40, 36.08, 120.44, 36.12]]
    incidents = api_client(store, jurisdiction=EAST).get("/collections/incidents").json()
    assert incidents["extent"]["spatial"]["bbox"][0][0] == pytest.approx(120.445)
    assert incidents["extent"]["temporal"]["interval"][0][0].startswith("2025-04")


@pytest.mark.parametrize(
    ("jurisdiction", "expected"),
    [
        (DISTRICT, {"streets": 2, "communities": 3, "buildings": 24, "barrier_lines": 3, "basic_grids": 7, "micro_grids": 14, "incidents": 31, "districts": 1}),
        (WEST, {"streets": 1, "communities": 2, "buildings": 12, "barrier_lines": 2, "basic_grids": 4, "micro_grids": 8, "incidents": 20, "districts": 0}),
        ("370212002001", {"streets": 0, "communities": 1, "buildings": 12, "barrier_lines": 2, "basic_grids": 3, "micro_grids": 6, "incidents": 10, "districts": 0}),
    ],
)  # fmt: skip
def test_every_page_through_next_links(
    city: tuple[Store, Any], api_client: ApiClient, jurisdiction: str, expected: dict[str, int]
) -> None:
    store, _ = city
    client = api_client(store, jurisdiction=jurisdiction)
    for cid, count in expected.items():
        features, matched = _all(client, f"/collections/{cid}/items", limit=5)
        assert matched == count, cid
        assert len(features) == count and len({f["id"] for f in features}) == count, cid


def test_a_page_past_the_end_points_back_to_the_last_page(
    city: tuple[Store, Any], api_client: ApiClient
) -> None:
    store, _ = city
    client = api_client(store, jurisdiction=DISTRICT)
    body = client.get("/collections/buildings/items", params={"limit": 10, "offset": 50}).json()
    assert (body["numberMatched"], body["numberReturned"]) == (24, 0)
    prev = next(link["href"] for link in body["links"] if link["rel"] == "prev")
    assert "offset=14" in prev  # the last 10 of 24 buildings, not offset 40 past the end


def test_single_items_and_the_jurisdiction(city: tuple[Store, Any], api_client: ApiClient) -> None:
    store, _ = city
    west = api_client(store, jurisdiction=WEST)
    mine = west.get("/collections/basic_grids/items/370212001001002")
    theirs = west.get("/collections/basic_grids/items/370212002001001")
    building_east = west.get("/collections/buildings/items/B20")
    assert mine.status_code == 200 and mine.headers["content-type"] == "application/geo+json"
    assert mine.json()["properties"]["households"] == 302
    assert mine.json()["geometry"]["type"] == "Polygon"
    assert theirs.status_code == 404 and building_east.status_code == 404
    assert west.get("/collections/lakes/items").status_code == 404
    assert west.get("/collections/incidents/items/not-a-number").status_code == 404


def test_crs_parameters(city: tuple[Store, Any], api_client: ApiClient) -> None:
    store, _ = city
    client = api_client(store)
    path = "/collections/streets/items/370212001"
    crs84 = client.get(path)
    lat_lon = client.get(path, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/4326"})
    cgcs = client.get(path, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/4490"})
    mercator = client.get(path, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/3857"})
    bad = client.get(path, params={"crs": "EPSG:2000"})
    assert crs84.headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    assert lat_lon.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    ring = crs84.json()["geometry"]["coordinates"][0]
    assert [120.40, 36.08] in ring
    assert [36.08, 120.40] in lat_lon.json()["geometry"]["coordinates"][0]
    assert [36.08, 120.40] in cgcs.json()["geometry"]["coordinates"][0]
    xs = sorted({round(p[0]) for p in mercator.json()["geometry"]["coordinates"][0]})
    assert xs == [round(R * math.radians(120.40)), round(R * math.radians(120.44))]
    assert bad.status_code == 400 and bad.json()["field"] == "crs"
    # bbox in EPSG:4326 is lat,lon: this one holds only the east street.
    east = client.get(
        "/collections/buildings/items",
        params={
            "bbox": "36.09,120.4405,36.11,120.48",
            "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326",
        },
    ).json()
    assert east["numberMatched"] == 12
    huge = client.get("/collections/buildings/items", params={"bbox": "-180,-90,180,90"})
    assert huge.status_code == 400 and "square degrees" in huge.json()["detail"]


def test_filters_sort_and_properties(city: tuple[Store, Any], api_client: ApiClient) -> None:
    store, _ = city
    client = api_client(store)

    def matched(cid: str, **params: str) -> int:
        response = client.get(f"/collections/{cid}/items", params=params)
        assert response.status_code == 200, response.text
        return int(response.json()["numberMatched"])

    open_end = "." * 2  # OGC's open interval end
    assert matched("incidents", datetime=f"2025-05-01T00:00:00Z/{open_end}") == 20
    assert matched("incidents", datetime=f"{open_end}/2025-04-30T23:59:59Z") == 11
    assert matched("buildings", households="15") == 1
    assert matched("incidents", filter="basic_code LIKE '370212002%'") == 10
    assert matched("incidents", filter="basic_code IS NULL") == 1
    assert matched("buildings", filter="households BETWEEN 20 AND 25 AND use = 'residential'") == 6
    assert (
        matched("buildings", filter="S_INTERSECTS(geometry, BBOX(120.44, 36.0, 120.5, 36.2))") == 12
    )
    assert (
        matched("incidents", filter="T_AFTER(reported_at, TIMESTAMP('2025-06-01T00:00:00Z'))") == 10
    )
    cql_json = '{"op": "in", "args": [{"property": "building_id"}, ["B01", "B02", "X"]]}'
    assert matched("buildings", filter=cql_json, **{"filter-lang": "cql2-json"}) == 2
    page = client.get(
        "/collections/buildings/items",
        params={"sortby": "-households", "properties": "households", "limit": 3},
    ).json()
    assert [f["properties"] for f in page["features"]] == [
        {"building_id": "B23", "households": 33},
        {"building_id": "B22", "households": 32},
        {"building_id": "B21", "households": 31},
    ]
    unknown = client.get("/collections/buildings/items", params={"colour": "red"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "colour"


def test_queryables_and_personal_data(city: tuple[Store, Any], api_client: ApiClient) -> None:
    store, _ = city
    viewer = api_client(store, role="viewer")
    analyst = api_client(store, role="analyst")
    schema = viewer.get("/collections/incidents/queryables")
    assert schema.headers["content-type"] == "application/schema+json"
    props = schema.json()["properties"]
    assert props["reported_at"] == {"title": "reported_at", "type": "string", "format": "date-time"}
    assert "reporter" not in props and props["geometry"]["format"] == "geometry-point"
    first = viewer.get("/collections/incidents/items", params={"ref": "T-00"}).json()
    path = f"/collections/incidents/items/{first['features'][0]['id']}"
    assert "reporter" not in viewer.get(path).json()["properties"]
    assert analyst.get(path).json()["properties"]["reporter"] == "resident 0"
    hidden = viewer.get(
        "/collections/incidents/items", params={"filter": "reporter = 'resident 0'"}
    )
    assert hidden.status_code == 400 and "not a queryable" in hidden.json()["detail"]


def test_reads_need_a_key(city: tuple[Store, Any], api_client: ApiClient) -> None:
    store, _ = city
    anonymous = api_client(store, key=False)
    public = api_client(store, key=False, anonymous_read=True, anonymous_jurisdiction=WEST)
    assert anonymous.get("/collections").status_code == 401
    assert public.get("/collections/basic_grids/items").json()["numberMatched"] == 4


def test_tiles_are_declared_now_that_the_tiles_router_is_mounted(spatialite_store: Store) -> None:
    from _api import settings_for

    from geogrid.api import create_app

    with TestClient(create_app(settings_for(spatialite_store, anonymous_read=True))) as client:
        classes = client.get("/conformance").json()["conformsTo"]
        rels = [lk["rel"] for lk in client.get("/").json()["links"]]
        tile_sets = client.get("/tileMatrixSets")
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt" in classes
    assert "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes" in rels
    assert tile_sets.status_code == 200


def test_extents_follow_writes(city: tuple[Store, Any], api_client: ApiClient) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    from geogrid.store import write_layer

    store, _ = city
    client = api_client(store)
    before = client.get("/collections/streets").json()["extent"]["spatial"]["bbox"][0]
    wider = gpd.GeoDataFrame(
        {
            "code": ["370212003"],
            "name": ["新街道"],
            "district_code": [DISTRICT],
            "synthetic": [True],
        },
        geometry=[box(120.48, 36.08, 120.50, 36.12)],
        crs="EPSG:4326",
    )
    with store.transaction() as conn:
        write_layer(
            conn, "streets", wider, source_file="s2.gpkg", source_crs="EPSG:4326", mode="append"
        )
    after = client.get("/collections/streets").json()["extent"]["spatial"]["bbox"][0]
    assert before == [120.40, 36.08, 120.48, 36.12] and after == [120.40, 36.08, 120.50, 36.12]
