"""Residential compounds as vector tiles on both stores: ids, attributes and the jurisdiction's
polygon (compounds carry no code), through the same tile route as every layer."""

from __future__ import annotations

import hashlib
from typing import Any

import geopandas as gpd
import mapbox_vector_tile
from _api import ApiClient
from _tiles_data import STRADDLING, STREET_A, fill
from shapely.geometry import box

from geogrid.store import Store
from geogrid.store.layers import write_layer

COMPOUNDS = {
    "77": ("翠湖小区", (120.434, 36.121, 120.437, 36.124)),  # street A, numeric id
    "cmp-B": ("海景花园", (120.449, 36.121, 120.452, 36.124)),  # street B
}


def _compounds(client: Any) -> dict[str, tuple[int, str]]:
    z, y, x = STRADDLING
    response = client.get(f"/collections/compounds/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"].endswith("max-age=300")
    features = mapbox_vector_tile.decode(response.content)["compounds"]["features"]
    return {f["properties"]["compound_id"]: (f["id"], f["properties"]["name"]) for f in features}


def test_compound_tiles_carry_ids_names_and_follow_the_jurisdiction(
    store: Store, api_client: ApiClient
) -> None:
    fill(store)
    rows = [{"compound_id": k, "name": n, "geometry": box(*b)} for k, (n, b) in COMPOUNDS.items()]
    with store.transaction() as conn:
        frame = gpd.GeoDataFrame(rows, crs="EPSG:4326")
        write_layer(conn, "compounds", frame, source_file="t", source_crs="EPSG:4326")
    md5_52 = int(hashlib.md5(b"cmp-B").hexdigest()[:13], 16)
    assert _compounds(api_client(store)) == {"77": (77, "翠湖小区"), "cmp-B": (md5_52, "海景花园")}
    assert _compounds(api_client(store, jurisdiction=STREET_A)) == {"77": (77, "翠湖小区")}
    low = api_client(store).get("/collections/compounds/tiles/WebMercatorQuad/11/802/1709")
    assert low.status_code == 404  # below the layer's minimum zoom (12)
