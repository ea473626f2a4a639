"""Messy real-world layer files, as a district GIS analyst sends them: every fault refused in one
line naming the file, feature and field and what to do, or read and said; nothing half-written.

The inputs are written here, small, by the tests themselves: empty files and layers, a point in
a polygon layer, degrees under a projected CRS, counts that are not whole, Big5 text that
GB18030 would garble.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from _cli import messages, run_geogrid
from _corpus import snapshot

from geogrid.crs import to_storage_crs
from geogrid.errors import CRSError, InputError, ValidationFailed
from geogrid.importer import ImportOptions, import_file
from geogrid.io import read_layers
from geogrid.store import Store
from geogrid.store.layers import read_layer

BOX_A = shapely.box(120.46, 36.10, 120.47, 36.11)
BOX_B = shapely.box(120.47, 36.10, 120.48, 36.11)


def _feature(props: dict[str, Any], geom: shapely.Geometry | None) -> dict[str, Any]:
    shape = None if geom is None else json.loads(shapely.to_geojson(geom))
    return {"type": "Feature", "properties": props, "geometry": shape}


def _write(path: Path, features: list[dict[str, Any]], crs: str | None = None) -> Path:
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _two_communities(path: Path, crs: str | None = None) -> Path:
    return _write(
        path,
        [
            _feature({"code": "370212001001", "name": "甲社区"}, BOX_A),
            _feature({"code": "370212001002", "name": "乙社区"}, BOX_B),
        ],
        crs,
    )


# --- empty files and layers ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".geojson", ".csv", ".gpkg"])
def test_a_zero_byte_file_is_refused_as_empty(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"communities{suffix}"
    path.write_bytes(b"")
    with pytest.raises(InputError) as caught:
        read_layers(path)
    assert str(caught.value) == f"file {path}: the file is empty (0 bytes); nothing to import"


def test_a_layer_without_features_is_refused_not_emptying_the_store(
    store: Store, tmp_path: Path
) -> None:
    """An empty FeatureCollection used to be refused as 'required fields have no column'; in
    replace mode it would have emptied the stored layer."""
    import_file(store, _two_communities(tmp_path / "communities.geojson"))
    before = snapshot(store)
    empty = _write(tmp_path / "communities_empty.geojson", [])
    with pytest.raises(InputError) as caught:
        import_file(store, empty, ImportOptions(layer="communities"))
    assert caught.value.message == (
        "no features to import: the file's layers (communities_empty) are empty"
    )
    assert snapshot(store) == before


def test_empty_layers_of_a_multi_layer_source_are_left_out_and_said(
    store: Store, tmp_path: Path
) -> None:
    source = tmp_path / "city.gpkg"
    communities = gpd.GeoDataFrame(
        {"code": ["370212001001", "370212001002"], "name": ["甲社区", "乙社区"]},
        geometry=[BOX_A, BOX_B],
        crs="EPSG:4326",
    )
    communities.to_file(source, layer="communities", engine="pyogrio")
    roads = gpd.GeoDataFrame({"road_id": []}, geometry=[], crs="EPSG:4326")
    roads.to_file(source, layer="roads", engine="pyogrio", geometry_type="LineString")
    result = import_file(store, source)
    assert result.written == {"communities": 2}
    notes = [f.message for f in result.report.findings if f.check == "read"]
    assert notes == ["layer roads of the file has no features; not imported"]


# --- wrong geometry types and unrepairable shapes -----------------------------------------------


@pytest.mark.parametrize(
    ("geom", "message"),
    [
        (
            shapely.Point(120.465, 36.105),
            "the geometry is a Point; communities need Polygon or MultiPolygon",
        ),
        (
            shapely.LineString([(120.46, 36.10), (120.47, 36.11)]),
            "the geometry is a LineString; communities need Polygon or MultiPolygon",
        ),
    ],
)
def test_a_wrong_geometry_type_is_an_error_not_a_traceback(
    store: Store, tmp_path: Path, geom: shapely.Geometry, message: str
) -> None:
    """A point among communities used to crash the gap check with AttributeError."""
    path = _write(
        tmp_path / "communities.geojson",
        [
            _feature({"code": "370212001001", "name": "甲社区"}, geom),
            _feature({"code": "370212001002", "name": "乙社区"}, BOX_B),
        ],
    )
    with pytest.raises(ValidationFailed) as caught:
        import_file(store, path, ImportOptions(layer="communities"))
    errors = [f for f in caught.value.report.findings if f.severity == "error"]
    assert [(f.check, f.feature, f.field, f.message) for f in errors] == [
        ("wrong_geometry_type", "370212001001", "geometry", message)
    ]
    assert read_layer(store.engine, "communities").empty


def test_a_point_among_roads_is_one_error(store: Store, tmp_path: Path) -> None:
    road = shapely.LineString([(120.461, 36.105), (120.469, 36.105)])
    path = _write(
        tmp_path / "roads.geojson",
        [
            _feature({"road_id": "R1"}, road),
            _feature({"road_id": "R2"}, shapely.Point(120.465, 36.1049)),
        ],
    )
    with pytest.raises(ValidationFailed) as caught:
        import_file(store, path, ImportOptions(layer="roads"))
    errors = [f for f in caught.value.report.findings if f.severity == "error"]
    assert [(f.check, f.feature) for f in errors] == [("wrong_geometry_type", "R2")]


# --- degrees under a projected CRS --------------------------------------------------------------


def _frame(crs: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": ["370212001001"]}, geometry=[BOX_A], crs=crs)


def test_degrees_labelled_web_mercator_are_refused_naming_the_fix() -> None:
    """They would land 120 m from null island, off Africa, without a word."""
    with pytest.raises(CRSError) as caught:
        to_storage_crs(_frame("EPSG:3857"), file="c.geojson")
    assert str(caught.value) == (
        "file c.geojson: coordinates (120.46000, 36.10000) .. (120.47000, 36.11000) look like "
        "lon/lat degrees, but the CRS of the file is the projected EPSG:3857 WGS 84 / "
        "Pseudo-Mercator (metres); if they are WGS 84 import again with --source-crs EPSG:4326 "
        "(EPSG:4490 for CGCS2000, gcj02 / bd09 for AMap / Baidu)"
    )


@pytest.mark.parametrize("declared", ["EPSG:4326", "EPSG:4490"])
def test_degrees_under_a_projected_label_import_with_the_declared_crs(declared: str) -> None:
    notes: list[str] = []
    out, label = to_storage_crs(_frame("EPSG:4549"), source_crs=declared, notes=notes)
    assert label == declared
    assert shapely.hausdorff_distance(out.geometry.iloc[0], BOX_A) < 1e-6
    assert notes == [
        "the coordinates cannot lie in the file's own CRS EPSG:4549; "
        f"read them in {declared} as --source-crs says"
    ]


def test_degrees_under_a_projected_label_may_be_declared_gcj02() -> None:
    out, label = to_storage_crs(_frame("EPSG:3857"), source_crs="gcj02")
    assert label == "gcj02"
    # GCJ-02 lies a few hundred metres north-east of WGS 84 here: the stored box moved back
    west, south, _, _ = out.total_bounds
    assert 120.454 < west < 120.4595 and 36.098 < south < 36.0999


def test_metres_near_a_projected_origin_still_import() -> None:
    """Projected data far from the origin is untouched by the degrees test."""
    frame = _frame("EPSG:4326").to_crs("EPSG:4549")
    out, label = to_storage_crs(frame)
    assert label == "EPSG:4549"
    # the box's edges are straight in EPSG:4549 now (to_crs moved only its corners), so back in
    # lon/lat they bow by about a centimetre (1e-7 degrees) from the original straight edges
    assert shapely.hausdorff_distance(out.geometry.iloc[0], BOX_A) < 5e-7


# --- counts that are not whole or not counts ----------------------------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"levels": 3.5},
            "levels 3.5 is not a whole number; round it in the file if that is meant",
        ),
        (
            {"households": 40.7},
            "households 40.7 is not a whole number; round it in the file if that is meant",
        ),
        ({"households": 1e30}, "households 1e+30 is not a count"),
        ({"levels": "inf"}, "levels inf is not a count"),
    ],
)
def test_counts_that_would_change_are_refused(
    store: Store, tmp_path: Path, props: dict[str, Any], message: str
) -> None:
    """40.7 households used to be stored as 41 without a word; infinity was a traceback."""
    building = shapely.box(120.461, 36.101, 120.4612, 36.1012)
    path = _write(
        tmp_path / "buildings.geojson", [_feature({"building_id": "b1", **props}, building)]
    )
    with pytest.raises(ValidationFailed) as caught:
        import_file(store, path, ImportOptions(layer="buildings"))
    errors = [f for f in caught.value.report.findings if f.severity == "error"]
    assert [(f.feature, f.field, f.message) for f in errors] == [("b1", next(iter(props)), message)]


def test_whole_counts_written_as_floats_import(store: Store, tmp_path: Path) -> None:
    building = shapely.box(120.461, 36.101, 120.4612, 36.1012)
    props = {"building_id": "b1", "levels": 3.0, "households": "40"}
    path = _write(tmp_path / "buildings.geojson", [_feature(props, building)])
    import_file(store, path, ImportOptions(layer="buildings"))
    stored = read_layer(store.engine, "buildings")
    assert (int(stored["levels"].iloc[0]), int(stored["households"].iloc[0])) == (3, 40)


# --- Big5 text that GB18030 would read as garble ------------------------------------------------


def _big5_shapefile(folder: Path) -> Path:
    frame = gpd.GeoDataFrame(
        {
            "code": ["370212001001", "370212001002"],
            "name": ["臺北市信義區市府路社區", "樓道堆放雜物社區"],
        },
        geometry=[BOX_A, BOX_B],
        crs="EPSG:4326",
    )
    path = folder / "shequ.shp"
    frame.to_file(path, encoding="big5", engine="pyogrio")
    path.with_suffix(".cpg").unlink()
    return path


def test_a_big5_shapefile_is_refused_not_garbled(tmp_path: Path) -> None:
    path = _big5_shapefile(tmp_path)
    with pytest.raises(InputError) as caught:
        read_layers(path)
    assert caught.value.message == (
        "the text is not in utf-8 or gb18030; pass the right encoding with --encoding "
        "(e.g. --encoding big5)"
    )
    [layer] = read_layers(path, encoding="big5")
    assert list(layer.frame["name"]) == ["臺北市信義區市府路社區", "樓道堆放雜物社區"]


def test_a_big5_csv_layer_is_refused_not_garbled(tmp_path: Path) -> None:
    path = tmp_path / "buildings.csv"
    text = "building_id,lon,lat,use\nb1,120.461,36.101,臺北市信義區辦公樓\n"
    path.write_bytes(text.encode("big5"))
    with pytest.raises(InputError) as caught:
        read_layers(path)
    assert "declare it with --encoding (e.g. big5" in caught.value.message
    [layer] = read_layers(path, encoding="big5")
    assert layer.frame["use"].iloc[0] == "臺北市信義區辦公樓"


def test_gbk_text_still_reads_as_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "buildings.csv"
    text = "building_id,lon,lat,use\nb1,120.461,36.101,崂山区沙子口街道办公楼\n"
    path.write_bytes(text.encode("gbk"))
    [layer] = read_layers(path)
    assert layer.frame["use"].iloc[0] == "崂山区沙子口街道办公楼"
    assert layer.notes == ["text decoded as gb18030"]


# --- a row with more cells than the header ------------------------------------------------------


def test_a_csv_row_longer_than_its_header_is_refused(tmp_path: Path) -> None:
    """pandas would make the first cell the row's index and shift every value one column."""
    path = tmp_path / "buildings.csv"
    path.write_text("building_id,lon,lat\nb1,120.461,36.101\nb2,120,462,36.102\n")
    with pytest.raises(InputError) as caught:
        read_layers(path)
    assert caught.value.message == (
        "line 3 has 4 cells but the header only 3: a value holds an unquoted comma, or the "
        "header lacks a column"
    )


def test_cli_refuses_a_point_community_in_one_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "communities.geojson",
        [_feature({"code": "370212001001", "name": "甲社区"}, shapely.Point(120.465, 36.105))],
    )
    result = run_geogrid("import", str(path), "--layer", "communities", db=tmp_path / "s.sqlite")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert messages(result)[-1] == (
        f"geogrid: error: import refused: file {path}, layer communities, feature 370212001001, "
        "field geometry: the geometry is a Point; communities need Polygon or MultiPolygon"
    )


# --- coordinates that are not numbers -----------------------------------------------------------


def test_a_nan_coordinate_is_an_error_not_a_geos_traceback(store: Store, tmp_path: Path) -> None:
    """GDAL reads NaN in GeoJSON; GEOS then failed in make_valid with IllegalArgumentException."""
    path = tmp_path / "buildings.geojson"
    ring = "[[120.461,36.101],[NaN,36.101],[120.4612,36.1012],[120.461,36.101]]"
    good = "[[120.462,36.101],[120.4622,36.101],[120.4622,36.1012],[120.462,36.101]]"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        f'{{"type":"Feature","properties":{{"building_id":"b1"}},'
        f'"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}},'
        f'{{"type":"Feature","properties":{{"building_id":"b2"}},'
        f'"geometry":{{"type":"Polygon","coordinates":[{good}]}}}}]}}'
    )
    with pytest.raises(ValidationFailed) as caught:
        import_file(store, path, ImportOptions(layer="buildings"))
    errors = [f for f in caught.value.report.findings if f.severity == "error"]
    assert [(f.check, f.feature, f.field, f.message) for f in errors] == [
        (
            "bad_coordinates",
            "b1",
            "geometry",
            "a coordinate is not a number (NaN or infinity); fix or drop the feature",
        )
    ]
    assert read_layer(store.engine, "buildings").empty
