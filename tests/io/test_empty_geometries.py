"""Buildings without geometry and points among roads are refused on import naming each, in the
words partition FILE uses for them (tests/partition/test_partition_file_faults.py)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely
from _cli import run_geogrid
from _street_file import buildings, write


def test_import_refuses_buildings_without_geometry_naming_each(tmp_path: Path) -> None:
    frame = buildings()
    frame.loc[0, "geometry"] = None
    frame.loc[5, "geometry"] = shapely.Polygon()
    path, report = write(tmp_path, buildings=frame), tmp_path / "r.json"
    done = run_geogrid("import", str(path), "--report", str(report), db=tmp_path / "s.sqlite")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"geogrid: error: import refused: file {path}, layer buildings, feature b00, field "
        "geometry: the geometry is empty (NULL or without coordinates): draw the feature or "
        "delete it (and 1 more error(s), see the report)"
    )
    found = json.loads(report.read_text())["findings"]
    errors = [(f["feature"], f["check"]) for f in found if f["severity"] == "error"]
    assert errors == [("b00", "empty_geometry"), ("b05", "empty_geometry")]


def test_import_refuses_points_in_the_roads_layer_saying_what_to_do(tmp_path: Path) -> None:
    road = shapely.LineString([(120.500, 36.2035), (120.510, 36.2035)])
    roads = gpd.GeoDataFrame({"road_id": ["R1", "BUS1"]},
                             geometry=[road, shapely.Point(120.502, 36.2036)], crs="EPSG:4326")  # fmt: skip
    path = write(tmp_path, roads=roads)
    done = run_geogrid("import", str(path), db=tmp_path / "s.sqlite")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"geogrid: error: import refused: file {path}, layer roads, feature BUS1, field "
        "geometry: the geometry is a Point; roads need LineString or MultiLineString: a point "
        "has no line to follow, delete it or move it to a layer of its own"
    )
