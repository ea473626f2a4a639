"""The API on a real store: health with counts, layers and plans as GeoJSON, errors as HTTP."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from fastapi.testclient import TestClient
from shapely.geometry import box

from geogrid.api import create_app
from geogrid.settings import ApiSettings, Settings, StoreSettings
from geogrid.store import Store, save_plan, write_layer


def _client(store: Store, **api: Any) -> TestClient:
    url = store.engine.url.render_as_string(hide_password=False)
    settings = Settings(store=StoreSettings(database_url=url), api=ApiSettings(**api))
    return TestClient(create_app(settings))


def _fill(store: Store) -> int:
    streets = gpd.GeoDataFrame(
        {"code": ["370212001"], "name": ["中韩街道"], "synthetic": [True]},
        geometry=[box(120.40, 36.10, 120.42, 36.12)],
        crs="EPSG:4326",
    )
    grids = gpd.GeoDataFrame(
        {"code": ["370212001001001"], "parent_code": ["370212001001"], "households": [400]},
        geometry=[box(120.40, 36.10, 120.41, 36.11)],
        crs="EPSG:4326",
    )
    with store.transaction() as conn:
        write_layer(conn, "streets", streets, source_file="s.gpkg", source_crs="EPSG:4490")
        return save_plan(conn, {"basic": grids}, author="test", report={"basic": {"count": 1}})


def test_health_reports_store_kind_and_counts(store: Store) -> None:
    _fill(store)
    with _client(store, kpi_warmup=False) as client:
        body = client.get("/health").json()
    assert body["store"] == store.kind
    assert body["warm"] is True  # no warm-up configured: ready at once
    assert body["counts"]["streets"] == 1 and body["counts"]["grids"] == 1
    assert body["counts"]["buildings"] == 0 and body["counts"]["incidents"] == 0


def test_layers_and_plans_as_geojson(store: Store, api_client: Any) -> None:
    plan_id = _fill(store)
    client = api_client(store, role="viewer", jurisdiction="370212")
    layer = client.get("/layers/streets")
    grids = client.get(f"/plans/{plan_id}/grids", params={"level": "basic"})
    plan = client.get(f"/plans/{plan_id}").json()
    assert layer.headers["content-type"] == "application/geo+json"
    feature = layer.json()["features"][0]
    assert feature["properties"]["name"] == "中韩街道"
    assert grids.json()["features"][0]["properties"]["households"] == 400
    assert plan["report"] == {"basic": {"count": 1}}


def test_layers_and_plans_follow_the_access_rule(store: Store, api_client: Any) -> None:
    plan_id = _fill(store)
    anonymous = api_client(store, key=False)
    for path in ("/layers", "/layers/streets", "/plans", f"/plans/{plan_id}/grids"):
        assert anonymous.get(path).status_code == 401, path
    elsewhere = api_client(store, role="viewer", jurisdiction="370212002")  # another street
    assert elsewhere.get("/layers/streets").json()["features"] == []
    assert elsewhere.get(f"/plans/{plan_id}/grids").json()["features"] == []
    own = api_client(store, role="viewer", jurisdiction="370212001001")  # the grid's community
    codes = [f["properties"]["code"] for f in own.get(f"/plans/{plan_id}/grids").json()["features"]]
    assert codes == ["370212001001001"]


def test_domain_errors_map_to_http(store: Store) -> None:
    with _client(store, anonymous_read=True) as client:
        missing = client.get("/plans/12345")
        unknown_layer = client.get("/layers/lakes")
        bad_bbox = client.get("/layers/streets", params={"bbox": "1,2,x"})
    assert missing.status_code == 404 and "12345" in missing.json()["detail"]
    assert unknown_layer.status_code == 400 and "lakes" in unknown_layer.json()["detail"]
    assert bad_bbox.status_code == 400 and bad_bbox.json()["field"] == "bbox"


def test_spatialite_does_not_warm_up_by_default(spatialite_store: Store) -> None:
    # one writer per file: the warm-up's statistics writes would race the first requests'
    _fill(spatialite_store)
    with _client(spatialite_store) as client:
        assert client.get("/health").json()["warm"] is True
        assert client.app.state.kpis.warmed.is_set()  # type: ignore[attr-defined]
        assert len(client.app.state.tiles.cache) == 0  # type: ignore[attr-defined]
