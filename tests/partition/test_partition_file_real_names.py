"""``geogrid partition FILE`` on files named and made the way real deliveries are (a tester's
faults): a zip of shapefiles named in Chinese without the zip's UTF-8 flag (GBK from Chinese
Windows, UTF-8 from Info-ZIP), water layers under Chinese surveying names, a roads layer GDAL
cannot read, roads with M coordinates, a station polygon among railways."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from _street_file import HOUSEHOLDS, ROAD, roads, run_partition, write, zipped

from geogrid.cli.partition_input import file_layer_names, input_layers
from geogrid.io import read_layers

RIVER = shapely.LineString([(120.5005, 36.2005), (120.5005, 36.2045)])


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_a_zip_of_shapefiles_named_in_chinese_without_the_utf8_flag(
    tmp_path: Path, encoding: str
) -> None:
    path = zipped(tmp_path, encoding)
    # the import's reader: the layers by the names they were given
    assert sorted(layer.name for layer in read_layers(path)) == ["房屋", "社区", "道路"]
    assert file_layer_names(path) == {"communities": "社区", "buildings": "房屋", "roads": "道路"}
    code, last, report = run_partition(path, tmp_path)
    assert code == 0, last
    assert report["input_layers"]["read"] == ["社区", "房屋", "道路"]  # as zipped
    assert report["input_layers"]["not_read"] == {}
    grids = gpd.read_file(tmp_path / "p.gpkg", layer="basic_grids")
    assert int(grids["households"].sum()) == 16 * HOUSEHOLDS


def test_a_zip_holding_a_folder_of_shapefiles(tmp_path: Path) -> None:
    # Windows zips a folder with the folder in it: partition FILE said "GDAL does not
    # recognise this as a vector format it can read", where import read it
    path = zipped(tmp_path, "gbk", folder="delivery_2024")
    assert file_layer_names(path) == {"communities": "社区", "buildings": "房屋", "roads": "道路"}
    code, last, report = run_partition(path, tmp_path)
    assert code == 0, last
    assert report["input_layers"]["read"] == ["社区", "房屋", "道路"]
    grids = gpd.read_file(tmp_path / "p.gpkg", layer="basic_grids")
    assert int(grids["households"].sum()) == 16 * HOUSEHOLDS


def test_water_and_road_layers_under_chinese_surveying_names(tmp_path: Path) -> None:
    river = gpd.GeoDataFrame(geometry=[RIVER], crs="EPSG:4326")
    surfaces = gpd.GeoDataFrame(geometry=[ROAD.buffer(0.0001)], crs="EPSG:4326")
    path = write(tmp_path, 道路面=surfaces, 道路中心线=roads(), 水系线=river)
    # the centre lines are the roads, whichever comes first; the surfaces are listed, not read
    assert file_layer_names(path) == {
        "communities": "communities",
        "buildings": "buildings",
        "roads": "道路中心线",
        "waterways": "水系线",
    }
    assert input_layers(path)["not_read"] == {"道路面": 1}
    path.unlink()
    area = gpd.GeoDataFrame(geometry=[RIVER.buffer(0.0001)], crs="EPSG:4326")
    for name in ("水系面", "河流面", "水域"):
        path = write(tmp_path, **{name: area})
        assert file_layer_names(path)["waterways"] == name
        path.unlink()


def test_road_surfaces_alone_are_refused_with_the_hint(tmp_path: Path) -> None:
    surfaces = gpd.GeoDataFrame(geometry=[ROAD.buffer(0.0001)], crs="EPSG:4326")
    code, last, _ = run_partition(write(tmp_path, 道路面层=surfaces), tmp_path)
    assert code == 1
    assert last.endswith(
        "roads must be lines (centre lines), found Polygon; derive centre lines from road "
        "surfaces before dividing"
    )


def test_a_roads_layer_of_a_geometry_type_gdal_does_not_know(tmp_path: Path) -> None:
    """A GeoPackage of LinearRings (geopandas writes their type as ''): GDAL reads the layer as
    a table, which was "no layer 'roads'; the file has: ..." and two RuntimeWarnings."""
    ring = shapely.LineString([(120.5, 36.2), (120.51, 36.2), (120.51, 36.205), (120.5, 36.2)])
    path = write(tmp_path)
    with sqlite3.connect(path) as db:  # the table as such a file has it: a column of no type
        db.execute('CREATE TABLE roads (fid INTEGER PRIMARY KEY, "geom" , road_class TEXT)')
        db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                   "VALUES ('roads', 'features', 'roads', 4326)")  # fmt: skip
        db.execute("INSERT INTO gpkg_geometry_columns VALUES ('roads', 'geom', '', 4326, 0, 0)")
        db.execute("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name "
                   "TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT "
                   "NOT NULL)")  # fmt: skip
        db.execute("INSERT INTO gpkg_extensions VALUES ('roads', 'geom', 'gpkg_geom_', "
                   "'http://www.geopackage.org/spec120/#extension_geometry_types', 'read-write')")  # fmt: skip
        blob = b"GP\x00\x01" + struct.pack("<i", 4326) + shapely.to_wkb(ring)
        db.execute("INSERT INTO roads (geom, road_class) VALUES (?, 'primary')", (blob,))
    code, last, _ = run_partition(path, tmp_path)
    assert code == 1
    assert last == (
        f"geogrid: error: file {path}: layer 'roads' has no geometry GDAL can read (a table "
        "without one, or a type GDAL does not know, such as a GeoPackage layer of LinearRings); "
        "write its features as LineString or Polygon and read it again"
    )


def test_roads_with_m_coordinates_are_read_without_warnings(tmp_path: Path) -> None:
    path = write(tmp_path)
    pyogrio.write_dataframe(roads(), path, layer="roads", SPATIAL_INDEX=False)
    measured = shapely.from_wkt("LINESTRING M (120.500 36.2010 0, 120.510 36.2010 5)")
    blob = b"GP\x00\x01" + struct.pack("<i", 4326) + shapely.to_wkb(measured, flavor="iso")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE roads SET geom = ?", (blob,))
        db.execute("UPDATE gpkg_geometry_columns SET m = 1 WHERE table_name = 'roads'")
    code, last, report = run_partition(path, tmp_path)  # no UserWarning on stderr (3 were)
    assert code == 0, last
    assert (
        "roads: dropped the M (measure) coordinate of 1 feature(s) (the layer is 'Measured "
        "LineString')" in report["input_layers"]["notes"]
    )


def test_a_station_polygon_among_railways_is_refused_in_railway_words(tmp_path: Path) -> None:
    railways = gpd.GeoDataFrame(
        {"railway_id": ["R1", "S1"]},
        geometry=[ROAD, shapely.box(120.502, 36.2005, 120.503, 36.2008)],
        crs="EPSG:4326",
    )
    path = write(tmp_path, railways=railways)
    code, last, _ = run_partition(path, tmp_path)
    assert code == 1
    assert last == (
        f"geogrid: error: partition refused: file {path}, layer railways, feature S1, field "
        "geometry: the geometry is a Polygon; railways need LineString or MultiLineString: a "
        "station or yard outline is no track, delete it or move it to a layer of its own"
    )
