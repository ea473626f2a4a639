"""Shapefiles in GBK without a .cpg, and UTF-8 field names a DBF cut mid-character, read the
same way by every route: one file, a folder of shapefiles, a zip of several (issue: the folder
read GBK as Latin-1, 户数 became »§Êý and was left unread)."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from _cli import run_geogrid

from geogrid.io import read_layers
from geogrid.io.mapping import alias_columns
from geogrid.schema import LAYERS

HOUSEHOLDS = [12, 30, 7, 45]


def _layers() -> dict[str, gpd.GeoDataFrame]:
    square = shapely.box(120.40, 36.10, 120.41, 36.11)
    communities = gpd.GeoDataFrame(
        {"社区代码": ["370212001001"], "社区名称": ["东山社区"], "街道代码": ["370212001"]},
        geometry=[square],
        crs=4326,
    )
    boxes = [
        shapely.box(120.401 + i * 0.002, 36.101, 120.4015 + i * 0.002, 36.1015) for i in range(4)
    ]
    buildings = gpd.GeoDataFrame(
        {"bid": [f"B{i}" for i in range(4)], "户数": HOUSEHOLDS, "名称": ["一号楼"] * 4},
        geometry=boxes,
        crs=4326,
    )
    return {"communities": communities, "buildings": buildings}


def write_shapefiles(folder: Path, encoding: str, *, cpg: bool) -> Path:
    """The layers as shapefiles in ``folder``, text in ``encoding``, with or without a .cpg."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in _layers().items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL cuts the names to 10 bytes
            pyogrio.write_dataframe(frame, folder / f"{name}.shp", encoding=encoding)
        if not cpg:
            (folder / f"{name}.cpg").unlink(missing_ok=True)
    return folder


def _by_name(path: Path, **kwargs: str) -> dict[str, gpd.GeoDataFrame]:
    return {layer.name: layer.frame for layer in read_layers(path, **kwargs)}


def test_gbk_folder_without_cpg_is_read_as_one_gbk_file_is(tmp_path: Path) -> None:
    folder = write_shapefiles(tmp_path / "gbk", "GBK", cpg=False)
    assert not list(folder.glob("*.cpg"))
    layers = read_layers(folder)
    frames = {layer.name: layer.frame for layer in layers}
    assert list(frames["buildings"]["户数"]) == HOUSEHOLDS
    assert set(frames["buildings"]["名称"]) == {"一号楼"}
    assert list(frames["communities"]["社区名称"]) == ["东山社区"]
    assert all(layer.encoding == "gb18030" for layer in layers)
    assert all("attributes decoded as gb18030" in layer.notes for layer in layers)
    # the single file reads the same
    [one] = read_layers(folder / "buildings.shp")
    assert list(one.frame["户数"]) == HOUSEHOLDS
    # one layer of the folder, by name
    assert list(_by_name(folder, layer="buildings")) == ["buildings"]


def test_gbk_zip_of_several_shapefiles(tmp_path: Path) -> None:
    folder = write_shapefiles(tmp_path / "gbk", "GBK", cpg=False)
    path = tmp_path / "gbk.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in sorted(folder.iterdir()):
            archive.write(part, part.name)
    frames = _by_name(path)
    assert sorted(frames) == ["buildings", "communities"]
    assert list(frames["buildings"]["户数"]) == HOUSEHOLDS
    assert list(frames["communities"]["社区代码"]) == ["370212001001"]


def test_explicit_encoding_is_used_for_a_folder(tmp_path: Path) -> None:
    folder = write_shapefiles(tmp_path / "gbk", "GBK", cpg=False)
    frames = _by_name(folder, encoding="gbk")
    assert list(frames["buildings"]["户数"]) == HOUSEHOLDS


# GDAL warns as it cuts the names, in a message pyogrio cannot decode (the cut character)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_utf8_names_cut_mid_character_are_read_with_a_note(tmp_path: Path) -> None:
    folder = write_shapefiles(tmp_path / "utf8", "UTF-8", cpg=True)
    [communities] = read_layers(folder / "communities.shp")
    # 社区代码 is 12 bytes in UTF-8; the DBF keeps 10, the last character's first byte among them
    assert list(communities.frame.columns) == ["社区代", "社区名", "街道代", "geometry"]
    assert list(communities.frame["社区名"]) == ["东山社区"]
    assert any("'社区代' was cut mid-character" in note for note in communities.notes)
    # and the cut names are still taken for the fields they name
    renamed, notes = alias_columns(communities.frame, LAYERS["communities"])
    assert "code taken from column '社区代'" in notes
    assert {"code", "name", "street_code"} <= set(renamed.columns)
    assert list(renamed["code"]) == ["370212001001"]


def test_folder_import_reads_gbk_households(tmp_path: Path) -> None:
    folder = write_shapefiles(tmp_path / "gbk", "GBK", cpg=False)
    store = tmp_path / "store.sqlite"
    done = run_geogrid(
        "--store", str(store), "import", str(folder), "--layer", "buildings:buildings"
    )
    assert done.returncode == 0, done.stderr + done.stdout
    assert "households: given for 4 buildings, estimated for 0" in done.stdout
