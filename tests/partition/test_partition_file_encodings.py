"""``geogrid partition FOLDER`` of shapefiles reads their text as ``geogrid import`` does: GBK
without a .cpg (户数 was read as »§Êý, left unread and every household estimated), and UTF-8
field names a DBF cut mid-character (a UnicodeDecodeError)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from _cli import run_geogrid

CASE = Path(__file__).parent.parent / "data" / "cases" / "c15"


def _folder(tmp_path: Path, encoding: str, *, cpg: bool) -> tuple[Path, int]:
    """The c15 case as shapefiles with Chinese column names, and the households written."""
    folder = tmp_path / "shp"
    folder.mkdir()
    communities = gpd.read_file(CASE / "communities.geojson").rename(
        columns={"code": "社区代码", "name": "社区名称", "street_code": "街道代码"}
    )
    communities["社区名称"] = "东山社区"
    buildings = gpd.read_file(CASE / "buildings.geojson").drop(columns="households")
    buildings["户数"] = [10 + i % 7 for i in range(len(buildings))]
    roads = gpd.read_file(CASE / "roads.geojson")
    for name, frame in (("communities", communities), ("buildings", buildings), ("roads", roads)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # GDAL cuts long names to 10 bytes
            pyogrio.write_dataframe(frame, folder / f"{name}.shp", encoding=encoding)
        if not cpg:
            (folder / f"{name}.cpg").unlink(missing_ok=True)
    return folder, int(buildings["户数"].sum())


def _partition(tmp_path: Path, folder: Path, *args: str) -> tuple[int, list[str], str]:
    out, report = tmp_path / "p.gpkg", tmp_path / "r.json"
    done = run_geogrid("partition", str(folder), "--out", str(out), "--report", str(report), *args)
    assert done.returncode == 0, done.stderr
    grids = gpd.read_file(out, layer="basic_grids")
    notes = json.loads(report.read_text())["input_layers"]["notes"]
    return int(grids["households"].sum()), notes, done.stdout


def test_partition_folder_of_gbk_shapefiles_without_cpg(tmp_path: Path) -> None:
    folder, written = _folder(tmp_path, "GBK", cpg=False)
    total, notes, stdout = _partition(tmp_path, folder)
    assert total == written
    assert "households estimated" not in stdout
    assert "buildings: attributes decoded as gb18030" in notes
    assert "buildings: households taken from column '户数'" in notes
    assert "communities: code taken from column '社区代码'" in notes


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_partition_folder_with_utf8_names_cut_mid_character(tmp_path: Path) -> None:
    folder, written = _folder(tmp_path, "UTF-8", cpg=True)
    total, notes, _ = _partition(tmp_path, folder)
    assert total == written
    assert any("'社区代' was cut mid-character" in note for note in notes)
    assert "communities: code taken from column '社区代'" in notes


def test_partition_folder_with_the_encoding_given(tmp_path: Path) -> None:
    folder, written = _folder(tmp_path, "GBK", cpg=False)
    total, notes, _ = _partition(tmp_path, folder, "--encoding", "gbk")
    assert total == written
    assert "buildings: attributes decoded as gbk" in notes
