"""Hot-spot and staff-coverage results served by the OGC services on SpatiaLite and PostGIS:
as feature collections (jurisdiction, paging, filters, no personal data) and as attributes of
the basic and micro grid tiles (present while the result's plan and staff are current)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import mapbox_vector_tile
import morecantile
import pandas as pd
import shapely
from _api import LAOSHAN, ApiClient
from fastapi.testclient import TestClient
from geoalchemy2 import WKBElement
from sqlalchemy import insert

from geogrid.analytics import run_coverage, run_hotspots
from geogrid.settings import HotspotSettings
from geogrid.store import Store
from geogrid.store import tables as t
from geogrid.store.incident_bulk import import_incidents
from geogrid.store.staff import save_staff

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers"))
from analytics_store import COMMUNITY, ORIGIN, SIZE, basic_code, incidents, planted

WEB_MERCATOR = morecantile.tms.get("WebMercatorQuad")
STAFFED = basic_code(0, 0)  # a grid worker and (through the community) a community police
UNMANNED = basic_code(7, 7)  # the far corner: nobody answers for it
HOT_GRID = basic_code(1, 1)  # the middle of the planted incident cluster


def _district(conn: Any) -> None:
    area = shapely.box(ORIGIN[0] - 0.01, ORIGIN[1] - 0.01, ORIGIN[0] + 0.05, ORIGIN[1] + 0.05)
    wkb = WKBElement(shapely.to_wkb(shapely.MultiPolygon([area])), srid=t.SRID)
    conn.execute(insert(t.table_of(t.District)), {"code": LAOSHAN, "name": "崂山区", "geom": wkb})


def _staff(conn: Any) -> None:
    people = gpd.GeoDataFrame(
        {
            "staff_id": ["W1", "P1"],
            "role": ["grid_worker", "community_police"],
            "name": ["张三", "李四"],
            "phone": ["13800000001", "13800000002"],
        },
        geometry=[None, None],
        crs="EPSG:4326",
    )
    assignments = pd.DataFrame(
        {"staff_id": ["W1", "P1"], "role": list(people["role"]), "grid_code": [STAFFED, COMMUNITY]}
    )
    save_staff(conn, people, assignments, source_file="s.csv", source_crs="EPSG:4326")


def _plan(store: Store) -> int:
    with store.transaction() as conn:
        plan_id = planted(conn)
        _district(conn)
        _staff(conn)
    return plan_id


def _items(client: TestClient, cid: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/collections/{cid}/items", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _by_code(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["properties"]["code"]: f["properties"] for f in body["features"]}


def test_results_are_collections_of_the_published_plan(store: Store, api_client: ApiClient) -> None:
    plan_id = _plan(store)
    client = api_client(store)
    assert client.get("/collections/basic_grids_coverage").status_code == 404
    run_hotspots(store, plan_id, settings=HotspotSettings(permutations=999), seed=1)
    run_coverage(store, plan_id)
    ids = {c["id"] for c in client.get("/collections").json()["collections"]}
    assert {"basic_grids_hotspots", "basic_grids_coverage", "micro_grids_coverage"} <= ids
    assert "micro_grids_hotspots" not in ids  # only basic hot spots were computed
    described = client.get("/collections/basic_grids_hotspots").json()["description"]
    assert described.endswith(" Bins: Gi* z-score, normal p (two-sided), FDR (Benjamini-Hochberg).")
    # the big screen's legend reads the same line from its page config
    screen = client.get("/maps/screen").text
    assert (
        '"hotspotMethod": "Gi* z-score, normal p (two-sided), FDR (Benjamini-Hochberg)"' in screen
    )

    coverage = _items(client, "basic_grids_coverage")
    assert coverage["numberMatched"] == 64
    grids = _by_code(coverage)
    assert grids[UNMANNED]["unmanned"] is True and grids[UNMANNED]["workers"] == 0
    assert grids[STAFFED]["unmanned"] is False and grids[STAFFED]["workers"] == 1
    assert grids[STAFFED]["missing_community_police"] is False
    assert grids[STAFFED]["missing_traffic_police"] is True
    for props in grids.values():
        assert not {"name", "phone", "staff"} & set(props)
    assert "张三" not in client.get("/collections/basic_grids_coverage/items").text
    micro = _items(client, "micro_grids_coverage")
    assert micro["numberMatched"] == 256
    assert _by_code(micro)[f"{STAFFED}001"]["unmanned"] is False

    unmanned = _items(client, "basic_grids_coverage", unmanned="true")
    assert STAFFED not in _by_code(unmanned) and unmanned["numberMatched"] == 63
    page = _items(client, "basic_grids_coverage", limit=10)
    assert len(page["features"]) == 10
    assert any(link["rel"] == "next" for link in page["links"])

    hot = _by_code(_items(client, "basic_grids_hotspots"))
    assert hot[HOT_GRID]["label"].startswith("hot_") and hot[HOT_GRID]["bin"] >= 1
    assert not hot[UNMANNED]["label"].startswith("hot_")
    assert hot[HOT_GRID]["incidents"] > 100  # 30 a month for a year in the cluster

    elsewhere = api_client(store, jurisdiction="370202")
    assert _items(elsewhere, "basic_grids_coverage")["numberMatched"] == 0


def _tile_of(code: str, z: int) -> morecantile.Tile:
    index = int(code[-3:]) - 1
    i, j = divmod(index, 8)
    lon, lat = ORIGIN[0] + (i + 0.5) * SIZE, ORIGIN[1] + (j + 0.5) * SIZE
    return WEB_MERCATOR.tile(lon, lat, z)


def _tile_grids(client: TestClient, code: str) -> dict[str, dict[str, Any]]:
    tile = _tile_of(code, 14)
    response = client.get(f"/collections/basic_grids/tiles/WebMercatorQuad/14/{tile.y}/{tile.x}")
    assert response.status_code == 200, response.text
    layer = mapbox_vector_tile.decode(response.content)["basic_grids"]
    return {f["properties"]["code"]: f["properties"] for f in layer["features"]}


def test_results_travel_as_grid_tile_attributes_while_current(
    store: Store, api_client: ApiClient
) -> None:
    plan_id = _plan(store)
    client = api_client(store)
    before = _tile_grids(client, UNMANNED)  # cached before any result exists
    assert "unmanned" not in before[UNMANNED] and "gi_bin" not in before[UNMANNED]

    run_coverage(store, plan_id)
    run_hotspots(store, plan_id, settings=HotspotSettings(permutations=999), seed=1)
    after = _tile_grids(client, UNMANNED)[UNMANNED]
    assert after["unmanned"] is True and after["workers"] == 0
    assert after["missing_traffic_police"] is True
    assert not after["hotspot"].startswith("hot_")
    staffed = _tile_grids(client, STAFFED)
    assert staffed[STAFFED]["unmanned"] is False and staffed[STAFFED]["workers"] == 1
    hot = _tile_grids(client, HOT_GRID)[HOT_GRID]
    assert hot["hotspot"].startswith("hot_") and hot["gi_bin"] >= 1
    meta = client.get("/collections/basic_grids/tiles/WebMercatorQuad/tilejson.json").json()
    assert meta["vector_layers"][0]["description"].endswith(
        "; gi_bin / hotspot: Gi* z-score, normal p (two-sided), FDR (Benjamini-Hochberg)"
    )

    # A new incident does not take the colours off the map: the last analysis stays on the
    # tiles (a command centre takes incidents all day), while the collections list only
    # results of the current data.
    extra = incidents(seed=9).head(1).assign(id="X-1")
    with store.transaction() as conn:
        import_incidents(conn, extra, source_file="x.csv", plan_id=plan_id)
    kept = _tile_grids(client, UNMANNED)[UNMANNED]
    assert kept["unmanned"] is True and not kept["hotspot"].startswith("hot_")
    assert _tile_grids(client, HOT_GRID)[HOT_GRID]["hotspot"].startswith("hot_")
    listed = {c["id"] for c in client.get("/collections").json()["collections"]}
    assert "basic_grids_coverage" not in listed
    # A new staff registry does: the coverage drawn from the old one is not served.
    with store.transaction() as conn:
        _staff(conn)
    stale = _tile_grids(client, UNMANNED)[UNMANNED]
    assert "unmanned" not in stale and stale["hotspot"] == kept["hotspot"]
