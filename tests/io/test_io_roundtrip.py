"""import -> export -> import gives the same layers, for every format, on both stores, through
the code ``geogrid export --layer`` runs (the HTTP export's writers)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from _corpus import LIECHTENSTEIN, load_base

from geogrid.cli.export_run import export_picks, layer_picks
from geogrid.errors import InputError
from geogrid.importer import ImportOptions, import_file
from geogrid.io import parse_map_options, read_layers
from geogrid.io.stream_export import EXPORT_FORMATS, export_format
from geogrid.schema import LAYERS
from geogrid.settings import Settings
from geogrid.store import Store
from geogrid.store.feature_filters import Filters
from geogrid.store.layers import read_layer

SUFFIX = {
    "geojson": ".geojson",
    "geojsonseq": ".geojsons",
    "gpkg": ".gpkg",
    "shp": ".zip",
    "parquet": ".parquet",
    "csv": ".csv",
    "fgb": ".fgb",
}


def _export(store: Store, path: Path, layer: str | None = None) -> dict[str, int]:
    fmt = export_format(path)
    picks = layer_picks(store.engine, layer, fmt)
    return export_picks(store, Settings(), picks, out=path, fmt=fmt, crs="EPSG:4326", given=Filters())  # fmt: skip


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
        assert _export(store, path, name) == {name: len(frame)}
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
    path = tmp_path / "all.gpkg"
    assert _export(store, path) == {name: len(frame) for name, frame in frames.items()}
    assert sorted(layer.name for layer in read_layers(path)) == sorted(frames)
    result = import_file(store, path)
    assert result.written == {"streets": 2, "communities": 4, "buildings": 12}
    for name, frame in frames.items():
        _same(read_layer(store.engine, name), frame, name)


def test_single_layer_formats_refuse_several_layers(store: Store, tmp_path: Path) -> None:
    load_base(store)
    with pytest.raises(InputError, match="geojson holds one layer: pass --layer"):
        _export(store, tmp_path / "x.geojson")
    assert not (tmp_path / "x.geojson").exists()
