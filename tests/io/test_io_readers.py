"""Reading every supported format, encodings, truncated files and 3D input (no database)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from _corpus import CORPUS, LIECHTENSTEIN

from geogrid.errors import InputError
from geogrid.io import read_layers


def _base() -> gpd.GeoDataFrame:
    return gpd.read_file(CORPUS / "base_communities.geojson")


def test_geojson_real_buildings() -> None:
    [layer] = read_layers(LIECHTENSTEIN / "li_buildings.geojson")
    assert len(layer.frame) == 3723
    assert layer.frame.crs.to_epsg() == 4326
    assert layer.name == "li_buildings"
    assert set(layer.frame.geom_type) == {"Polygon"}


def test_geopackage_all_layers_or_one(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    _base().to_file(path, layer="communities", engine="pyogrio")
    gpd.read_file(CORPUS / "base_streets.geojson").to_file(path, layer="streets", engine="pyogrio")
    layers = read_layers(path)
    assert sorted(s.name for s in layers) == ["communities", "streets"]
    [only] = read_layers(path, layer="streets")
    assert len(only.frame) == 2
    with pytest.raises(InputError, match=r"no layer 'roads'.*communities"):
        read_layers(path, layer="roads")


def test_zipped_shapefile(tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    _base()[["code", "name", "geometry"]].to_file(folder / "c.shp", engine="pyogrio")
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for member in folder.iterdir():
            out.write(member, f"inner/{member.name}")
    [layer] = read_layers(archive)
    assert layer.frame["name"].tolist() == _base()["name"].tolist()
    assert layer.frame.crs.to_epsg() == 4326


def test_zip_without_a_readable_shapefile_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("readme.txt", "nothing here")
    with pytest.raises(InputError, match=r"GDAL does not recognise this") as err:
        read_layers(archive)
    assert err.value.file == str(archive)
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as out:
        out.writestr("a.shp", b"")
        out.writestr("b.shp", b"")
    # a zip of several shapefiles is read as their layers (test_shapefile_encodings), each
    # refused as a shapefile is, naming the zip
    with pytest.raises(InputError, match=r"GDAL does not recognise this") as err:
        read_layers(two)
    assert err.value.file == str(two)
    same = tmp_path / "same.zip"
    with zipfile.ZipFile(same, "w") as out:
        out.writestr("x/a.shp", b"")
        out.writestr("y/a.shp", b"")
    with pytest.raises(InputError, match=r"two shapefiles named 'a': x/a.shp, y/a.shp"):
        read_layers(same)


def test_geoparquet(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    _base().to_parquet(path)
    [layer] = read_layers(path)
    assert layer.frame.geometry.equals(_base().geometry)


def test_csv_with_wkt_has_no_crs(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    table = _base().drop(columns="geometry")
    table["WKT"] = _base().geometry.to_wkt()
    table.to_csv(path, index=False)
    [layer] = read_layers(path)
    assert layer.frame.crs is None
    assert layer.frame.geometry.set_crs(4326).geom_equals(_base().geometry).all()
    assert layer.frame["code"].tolist() == _base()["code"].tolist()  # codes stay text


def test_csv_with_lon_lat_columns(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("id,经度,纬度\n1,120.6,36.1\n2,120.7,36.2\n", encoding="utf-8")
    [layer] = read_layers(path, lonlat_columns=("经度", "纬度"))
    assert [(p.x, p.y) for p in layer.frame.geometry] == [(120.6, 36.1), (120.7, 36.2)]
    path.write_text("id,lon,lat\n1,120.6,36.1\n2,x,36.2\n", encoding="utf-8")
    with pytest.raises(InputError, match="no numeric lon/lat") as err:
        read_layers(path)
    assert err.value.feature == "row 3"


def test_csv_without_geometry_names_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("code,MC\n1,a\n", encoding="utf-8")
    with pytest.raises(InputError, match="the file has: code, MC"):
        read_layers(path)


def test_gb18030_shapefile_without_cpg_is_decoded() -> None:
    [layer] = read_layers(CORPUS / "gb18030" / "communities.shp")
    assert layer.frame["name"].tolist() == _base()["name"].tolist()
    assert layer.encoding == "gb18030"
    assert any("gb18030" in note for note in layer.notes)


def test_wrong_explicit_encoding_names_the_file() -> None:
    path = CORPUS / "gb18030" / "communities.shp"
    with pytest.raises(InputError, match="--encoding") as err:
        read_layers(path, encoding="utf-8")
    assert err.value.file == str(path)


def test_undecodable_csv_names_the_file() -> None:
    with pytest.raises(InputError, match="not in utf-8 or gb18030") as err:
        read_layers(CORPUS / "undecodable.csv")
    assert err.value.file == str(CORPUS / "undecodable.csv")


@pytest.mark.parametrize("name", ["truncated.gpkg", "truncated.geojson"])
def test_truncated_files_name_the_file(name: str) -> None:
    with pytest.raises(InputError, match="truncated") as err:
        read_layers(CORPUS / name)
    assert err.value.file == str(CORPUS / name)


def test_truncated_shapefile(tmp_path: Path) -> None:
    _base()[["code", "geometry"]].to_file(tmp_path / "c.shp", engine="pyogrio")
    data = (tmp_path / "c.shp").read_bytes()
    (tmp_path / "c.shp").write_bytes(data[: len(data) - 40])
    with pytest.raises(InputError, match="truncated"):
        read_layers(tmp_path / "c.shp")


def test_3d_input_loses_z_with_a_note() -> None:
    [layer] = read_layers(CORPUS / "buildings_3d.geojson")
    assert not shapely.has_z(layer.frame.geometry.to_numpy()).any()
    assert any("Z" in note and "12" in note for note in layer.notes)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "x.dwg").write_bytes(b"AC1027 a drawing, not a vector file")
    with pytest.raises(InputError, match=r"GDAL does not recognise this as a vector format"):
        read_layers(tmp_path / "x.dwg")
    with pytest.raises(InputError, match="no such file"):
        read_layers(tmp_path / "missing.geojson")
    (tmp_path / "empty.dwg").write_bytes(b"")
    with pytest.raises(InputError, match=r"the file is empty \(0 bytes\); nothing to import"):
        read_layers(tmp_path / "empty.dwg")
