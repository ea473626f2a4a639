"""import -> export -> import gives the same layers, for every format, on both stores."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from _corpus import LIECHTENSTEIN, load_base

from geogrid.importer import ImportOptions, import_file
from geogrid.io import EXPORT_FORMATS, parse_map_options, read_layers, to_export_crs, write_layers
from geogrid.schema import LAYERS
from geogrid.store import Store
from geogrid.store.layers import read_layer

SUFFIX = {
    "geojson": ".geojson",
    "gpkg": ".gpkg",
    "shp": ".zip",
    "parquet": ".parquet",
    "csv": ".csv",
}


def _same(left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, layer: str) -> None:
    key = LAYERS[layer].id_field
    left = left.sort_values(key).reset_index(drop=True)
    right = right.sort_values(key).reset_index(drop=True)
    columns = [c for c in left.columns if c != "geometry"]
    assert left[columns].astype(str).equals(right[columns].astype(str))
    # GeoPackage and Shapefile may turn a Polygon into a one-part MultiPolygon: same shape.
    a, b = left.geometry.to_numpy(), right.geometry.to_numpy()
    assert (shapely.hausdorff_distance(a, b) < 1e-9).all()
    assert (shapely.get_num_geometries(a) == shapely.get_num_geometries(b)).all()


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_round_trip(store: Store, li_streets: Path, tmp_path: Path, fmt: str) -> None:
    import_file(
        store, li_streets, ImportOptions(layer="streets", mapping=parse_map_options(["code=DM"]))
    )
    import_file(store, LIECHTENSTEIN / "li_buildings.geojson", ImportOptions(layer="buildings"))
    before = {name: read_layer(store.engine, name) for name in ("streets", "buildings")}
    for name, frame in before.items():
        path = tmp_path / f"{name}{SUFFIX[fmt]}"
        write_layers({name: frame}, path, fmt=fmt)
        source_crs = "EPSG:4326" if fmt == "csv" else None
        result = import_file(store, path, ImportOptions(layer=name, source_crs=source_crs))
        assert result.report.ok
        _same(read_layer(store.engine, name), frame, name)
    assert set(read_layer(store.engine, "buildings")["households_source"]) == {"estimated"}


def test_geopackage_of_all_layers_needs_no_mapping(store: Store, tmp_path: Path) -> None:
    load_base(store, buildings=True)
    frames = {
        name: read_layer(store.engine, name) for name in ("streets", "communities", "buildings")
    }
    path = write_layers(frames, tmp_path / "all.gpkg", fmt="gpkg")
    assert sorted(layer.name for layer in read_layers(path)) == sorted(frames)
    result = import_file(store, path)
    assert result.written == {"streets": 2, "communities": 4, "buildings": 12}
    for name, frame in frames.items():
        _same(read_layer(store.engine, name), frame, name)


def test_export_with_offset_and_epsg(store: Store) -> None:
    load_base(store)
    stored = read_layer(store.engine, "communities")
    moved, label = to_export_crs(stored, "gcj02")
    assert label == "gcj02"
    moved_m = moved.set_crs(4326, allow_override=True).to_crs(32651)
    shift = stored.to_crs(32651).centroid.distance(moved_m.centroid)
    assert shift.between(300, 700).all()
    projected, label = to_export_crs(stored, "EPSG:4549")
    assert label == "EPSG:4549" and projected.crs.to_epsg() == 4549


def test_single_layer_formats_refuse_several_layers(tmp_path: Path) -> None:
    from geogrid.errors import InputError

    frame = gpd.read_file(LIECHTENSTEIN / "li_waterways.geojson")
    with pytest.raises(InputError, match="use --format gpkg"):
        write_layers({"a": frame, "b": frame}, tmp_path / "x.geojson", fmt="geojson")
