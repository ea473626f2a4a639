"""Layers round-trip through both stores, with their CRS recorded and spatial indexes in place."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, Polygon
from sqlalchemy import text

from geogrid.errors import CRSError
from geogrid.store import Store, layer_counts, layer_sources, read_layer, write_layer


def _communities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["370212001001", "370212001002"],
            "name": ["东韩社区", "西韩社区"],
            "street_code": ["370212001", "370212001"],
            "area_type": ["urban_community", "village"],
            "synthetic": [True, True],
        },
        geometry=[
            Polygon([(120.40, 36.10), (120.41, 36.10), (120.41, 36.11), (120.40, 36.11)]),
            Polygon([(120.41, 36.10), (120.42, 36.10), (120.42, 36.11), (120.41, 36.11)]),
        ],
        crs="EPSG:4326",
    )


def test_layer_round_trip_keeps_fields_and_geometry(store: Store) -> None:
    communities = _communities()
    with store.transaction() as conn:
        written = write_layer(
            conn, "communities", communities, source_file="c.geojson", source_crs="gcj02"
        )
    assert written == 2
    back = read_layer(store.engine, "communities")
    assert list(back["code"]) == list(communities["code"])
    assert list(back["name"]) == ["东韩社区", "西韩社区"]
    assert list(back["area_type"]) == ["urban_community", "village"]
    assert back.crs.to_epsg() == 4326
    assert all(shapely.equals(back.geometry.values, communities.geometry.values))
    sources = {s["layer"]: s for s in layer_sources(store.engine)}
    assert sources["communities"]["source_crs"] == "gcj02"


def test_barrier_layers_share_one_table_but_stay_apart(store: Store) -> None:
    roads = gpd.GeoDataFrame(
        {"road_id": ["r1", "r2"], "road_class": ["arterial", "local"]},
        geometry=[LineString([(0, 0), (1, 1)]), LineString([(1, 1), (2, 1)])],
        crs="EPSG:4326",
    )
    rivers = gpd.GeoDataFrame(
        {"waterway_id": ["w1"], "waterway_class": ["river"]},
        geometry=[LineString([(0, 1), (1, 0)])],
        crs="EPSG:4326",
    )
    with store.transaction() as conn:
        write_layer(conn, "roads", roads, source_file="roads.gpkg", source_crs="EPSG:4326")
        write_layer(conn, "waterways", rivers, source_file="w.gpkg", source_crs="EPSG:4326")
        write_layer(conn, "roads", roads.iloc[:1], source_file="roads.gpkg", source_crs="EPSG:4326")
    counts = layer_counts(store.engine)
    assert counts["roads"] == 1 and counts["waterways"] == 1
    assert list(read_layer(store.engine, "waterways")["waterway_class"]) == ["river"]


def test_bbox_filter_uses_geometry(store: Store) -> None:
    with store.transaction() as conn:
        write_layer(conn, "communities", _communities(), source_file="c", source_crs="EPSG:4326")
    west = read_layer(store.engine, "communities", bbox=(120.399, 36.099, 120.405, 36.105))
    assert list(west["code"]) == ["370212001001"]


def test_failed_transaction_leaves_store_unchanged(store: Store) -> None:
    with store.transaction() as conn:
        write_layer(conn, "communities", _communities(), source_file="c", source_crs="EPSG:4326")
    before = layer_counts(store.engine)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        write_layer(conn, "communities", _communities().iloc[:1], source_file="c", source_crs="x")
        raise RuntimeError("import failed half-way")
    assert layer_counts(store.engine) == before
    assert len(layer_sources(store.engine)) == 1


def test_refuses_frames_not_in_storage_crs(store: Store) -> None:
    projected = _communities().to_crs("EPSG:32651")
    with pytest.raises(CRSError, match="EPSG:4326"), store.transaction() as conn:
        write_layer(conn, "communities", projected, source_file="p.gpkg", source_crs="EPSG:32651")


def test_every_geometry_column_has_a_spatial_index(store: Store) -> None:
    with store.engine.connect() as conn:
        if store.kind == "spatialite":
            rows = conn.execute(
                text("SELECT f_table_name FROM geometry_columns WHERE spatial_index_enabled = 1")
            ).all()
        else:
            rows = conn.execute(
                text("SELECT tablename FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'")
            ).all()
    indexed = {r[0] for r in rows}
    assert {
        "districts", "streets", "communities", "buildings", "compounds", "natural_villages",
        "barrier_lines", "grids",
    } <= indexed  # fmt: skip
