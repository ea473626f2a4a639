"""Residential compounds and natural villages as vector tiles on both stores: ids, attributes
and the jurisdiction's polygon (neither carries a code), through the same tile route as every
layer."""

from __future__ import annotations

import hashlib
from typing import Any

import geopandas as gpd
import mapbox_vector_tile
import pytest
from _api import ApiClient
from _tiles_data import STRADDLING, STREET_A, fill
from shapely.geometry import box

from geogrid.store import Store
from geogrid.store.layers import write_layer

FEATURES = {
    "77": ("翠湖小区", (120.434, 36.121, 120.437, 36.124)),  # street A, numeric id
    "cmp-B": ("海景花园", (120.449, 36.121, 120.452, 36.124)),  # street B
}


def _features(client: Any, layer: str, id_field: str) -> dict[str, tuple[int, str]]:
    z, y, x = STRADDLING
    response = client.get(f"/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"].endswith("max-age=300")
    features = mapbox_vector_tile.decode(response.content)[layer]["features"]
    return {f["properties"][id_field]: (f["id"], f["properties"]["name"]) for f in features}


def _ancestor(zoom: int) -> str:
    """The tile at ``zoom`` that holds the straddling tile."""
    z, y, x = STRADDLING
    return f"{zoom}/{y >> (z - zoom)}/{x >> (z - zoom)}"


@pytest.mark.parametrize(
    ("layer", "id_field", "minzoom"),
    [("compounds", "compound_id", 12), ("natural_villages", "village_id", 11)],
)
def test_tiles_carry_ids_names_and_follow_the_jurisdiction(
    store: Store, api_client: ApiClient, layer: str, id_field: str, minzoom: int
) -> None:
    fill(store)
    rows = [{id_field: k, "name": n, "geometry": box(*b)} for k, (n, b) in FEATURES.items()]
    with store.transaction() as conn:
        frame = gpd.GeoDataFrame(rows, crs="EPSG:4326")
        write_layer(conn, layer, frame, source_file="t", source_crs="EPSG:4326")
    md5_52 = int(hashlib.md5(b"cmp-B").hexdigest()[:13], 16)
    assert _features(api_client(store), layer, id_field) == {
        "77": (77, "翠湖小区"),
        "cmp-B": (md5_52, "海景花园"),
    }
    in_a = _features(api_client(store, jurisdiction=STREET_A), layer, id_field)
    assert in_a == {"77": (77, "翠湖小区")}
    tiles = f"/collections/{layer}/tiles/WebMercatorQuad"
    assert api_client(store).get(f"{tiles}/{_ancestor(minzoom)}").status_code == 200
    assert api_client(store).get(f"{tiles}/{_ancestor(minzoom - 1)}").status_code == 404
