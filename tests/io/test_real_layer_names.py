"""``geogrid import`` reads layers named as real deliveries name them, as ``geogrid partition
FILE`` does: shapefiles zipped on Chinese Windows (GBK names, no UTF-8 flag: 房屋 was "╖┐╬▌"
and no layer kind), 道路面 beside 道路中心线, a water area refused in one line."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from _cli import run_geogrid
from _street_file import ROAD, roads, write, zipped

from geogrid.import_sources import sources_of
from geogrid.importer import ImportOptions


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_import_reads_a_zip_named_in_chinese_without_the_utf8_flag(
    tmp_path: Path, encoding: str
) -> None:
    store = tmp_path / "s.sqlite"
    done = run_geogrid("--store", str(store), "import", str(zipped(tmp_path, encoding)))
    assert done.returncode == 0, done.stderr
    assert "layer 房屋 read as buildings, by its name" in done.stdout.replace("\n", " ")
    counts = {name: len(gpd.read_file(store, layer=name)) for name in ("communities", "buildings")}
    assert counts == {"communities": 2, "buildings": 16}


def test_road_surfaces_beside_centre_lines_are_listed_not_imported(tmp_path: Path) -> None:
    surfaces = gpd.GeoDataFrame(geometry=[ROAD.buffer(0.0001)], crs="EPSG:4326")
    path = write(tmp_path, 道路面=surfaces, 道路中心线=roads())
    sources = sources_of(path, ImportOptions())
    assert [s.name for s in sources] == ["communities", "buildings", "道路中心线"]
    assert (
        "layer 道路面 of the file (1 features) is not imported: road surfaces beside a layer of "
        "centre lines (to import this one instead: --layer 道路面:roads)"
    ) in sources[0].notes


def test_a_water_area_is_refused_by_import_in_one_line(tmp_path: Path) -> None:
    area = gpd.GeoDataFrame(geometry=[ROAD.buffer(0.0002)], crs="EPSG:4326")
    path = write(tmp_path, 水系面=area)
    done = run_geogrid("--store", str(tmp_path / "s.sqlite"), "import", str(path))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"geogrid: error: import refused: file {path}, layer waterways, feature 1, field "
        "geometry: the geometry is a Polygon; waterways need LineString or MultiLineString: a "
        "water area (水系面); store its outline as lines (QGIS: Polygons to lines)"
    )
