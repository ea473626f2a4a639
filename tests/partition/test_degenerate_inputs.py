"""Degenerate features of a lon/lat file (issue 12): a road of two equal points, a null or
empty road, a bow-tie community. ``geogrid partition FILE`` (and ``geogrid import``, for the
road of two equal points) ended in a GEOS traceback on each (in the GCJ-02 check, which reads the file before the geometry checks, and in the
reprojection's cutting of edges). Now the roads without length are left out and counted, and
the bow-tie is refused in one line naming where it crosses itself. Two communities of 600 m x 600 m
side by side in UTM 51N (123° E), written in WGS 84 lon/lat; one house in each."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from _cli import run_geogrid

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0


def _layers() -> dict[str, gpd.GeoDataFrame]:
    communities = gpd.GeoDataFrame(
        {"code": ["370212001001", "370212001002"], "area_type": ["urban_community"] * 2},
        geometry=[shapely.box(X0, Y0, X0 + 600, Y0 + 600), shapely.box(X0 + 600, Y0, X0 + 1200, Y0 + 600)],
        crs=UTM,
    )  # fmt: skip
    buildings = gpd.GeoDataFrame(
        {"building_id": ["H1", "H2"], "households": [10, 12]},
        geometry=[shapely.box(X0 + 100, Y0 + 100, X0 + 112, Y0 + 112),
                  shapely.box(X0 + 700, Y0 + 100, X0 + 712, Y0 + 112)],
        crs=UTM,
    )  # fmt: skip
    point = (X0 + 300, Y0 + 300)
    roads = gpd.GeoDataFrame(
        {"road_id": ["R1", "ZERO", "NULL", "EMPTY"], "road_class": ["secondary"] * 4},
        geometry=[shapely.LineString([(X0, Y0 + 300), (X0 + 1200, Y0 + 300)]),
                  shapely.LineString([point, point]), None, shapely.LineString()],
        crs=UTM,
    )  # fmt: skip
    return {"communities": communities, "buildings": buildings, "roads": roads}


def _write(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame.to_crs("EPSG:4326"), path, layer=name, driver="GPKG")


def test_roads_without_length_are_left_out_and_counted(tmp_path: Path) -> None:
    path, report = tmp_path / "in.gpkg", tmp_path / "r.json"
    _write(path, _layers())
    done = run_geogrid("partition", str(path), "--report", str(report))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "check: 3 line(s) without length (null, empty or two equal points) left out" in (
        " ".join(done.stdout.split())
    )
    network = json.loads(report.read_text())["network"]
    assert (network["lines_in"], network["empty_lines"]) == (1, 3)


def test_a_bow_tie_community_is_refused_in_one_line(tmp_path: Path) -> None:
    layers = _layers()
    x, y = X0 + 600, Y0
    # the second community's ring crosses itself: a bow-tie over the first one's east half
    layers["communities"].loc[1, "geometry"] = shapely.Polygon(
        [(x - 300, y), (x + 600, y + 600), (x + 600, y), (x - 300, y + 600)]
    )
    path = tmp_path / "in.gpkg"
    _write(path, layers)
    done = run_geogrid("partition", str(path))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    # refused as a bow-tie naming where it crosses itself (UTM 500,750 4,000,300; its edges,
    # straight in lon/lat, cross a hair south), not by the overlap of the triangles make_valid
    # made of it with the first community
    assert last.startswith(
        f"geogrid: error: partition refused: file {path}, layer communities, feature "
        "370212001002, field geometry: self-intersecting at 123.008337 36.147422: "
    )


def test_the_import_refuses_a_road_of_two_equal_points_in_one_line(tmp_path: Path) -> None:
    layers = _layers()
    layers["roads"] = layers["roads"].iloc[:2]  # R1 and ZERO
    layers["communities"]["name"] = ["东社区", "西社区"]  # the import wants names
    path = tmp_path / "in.gpkg"
    _write(path, layers)
    done = run_geogrid("--store", str(tmp_path / "s.sqlite"), "import", str(path))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"geogrid: error: import refused: file {path}, layer roads, feature ZERO, field "
        "geometry: invalid geometry"
    )
