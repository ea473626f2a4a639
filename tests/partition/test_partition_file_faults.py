"""``geogrid partition FILE`` as a process on faults a tester found in real-like files: a
bow-tie community, household values written by hand, buildings without geometry, points in
the roads layer. Each is refused in one line or read as import reads it, nothing lost."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely
from _cli import run_geogrid
from _street_file import HOUSEHOLDS, WEST, buildings, communities, run_partition, write
from pyproj import Geod

# the western square with its 2nd and 3rd corners swapped: the ring crosses itself at the
# square's centre; make_valid keeps two triangles, half the land, the rest in no community
BOW_TIE = shapely.Polygon([(120.500, 36.200), (120.505, 36.205), (120.505, 36.200),
                           (120.500, 36.205)])  # fmt: skip
# the square with a spike out and back along its eastern edge: invalid, harmless
SPIKE = shapely.Polygon([(120.500, 36.200), (120.505, 36.200), (120.505, 36.2025),
                         (120.5049, 36.2025), (120.505, 36.2025), (120.505, 36.205),
                         (120.500, 36.205)])  # fmt: skip


def test_a_bow_tie_community_is_refused_naming_where_it_crosses_itself(tmp_path: Path) -> None:
    path = write(tmp_path, communities=communities(west=BOW_TIE))
    for more in ((), ("--repair",)):  # --repair failed in GEOS (side location conflict)
        code, last, report = run_partition(path, tmp_path, *more)
        assert code == 1
        assert last.startswith(
            f"geogrid: error: partition refused: file {path}, layer communities, feature {WEST}, "
            "field geometry: self-intersecting at 120.502500 36.202500: its boundary crosses "
            "itself, so make_valid would make it 2 piece(s) of 124,716 m² where the ring encloses "
            "0 m², losing or moving land (and its buildings) to other parents"
        )
        assert last.endswith(
            "fix the ring in a GIS so that it does not cross itself, then run again"
        )
        assert report == {"refused": last.removeprefix("geogrid: error: ")}


def test_a_spike_out_and_back_is_repaired_and_every_household_is_in_a_grid(
    tmp_path: Path,
) -> None:
    code, last, report = run_partition(
        write(tmp_path, communities=communities(west=SPIKE)), tmp_path
    )
    assert code == 0, last
    acc = report["households"]
    assert acc["households_in"] == 16 * HOUSEHOLDS
    assert acc["in_grids"] == {"basic": 320, "micro": 320}
    assert acc["unassigned_households"] == 0
    assert acc["placed_from_outside"]["nearest"] == {"buildings": 0, "households": 0}
    assert report["basic"]["count"] == 2 and report["basic"]["gap_area_m2"] == 0.0


def test_household_counts_written_by_hand_are_read_as_import_reads_them(tmp_path: Path) -> None:
    values: list[object] = [str(HOUSEHOLDS)] * 16
    values[:4] = ["20户", "２０", "", "  "]  # a unit, full-width digits, two blanks
    code, _, report = run_partition(write(tmp_path, buildings=buildings(values)), tmp_path)
    assert code == 0
    acc = report["households"]
    # the two blanks are missing counts, estimated as import estimates them; none is lost
    assert acc["estimated"]["given"] == 14 and acc["estimated"]["estimated"] == 2
    assert acc["households_in"] == acc["in_grids"]["basic"] == acc["in_grids"]["micro"]
    assert acc["households_in"] > 14 * HOUSEHOLDS and acc["unassigned_households"] == 0
    assert "buildings: households read as a number from text for 2 feature(s) (full-width " \
        "digits or a unit after it: '20户' as 20, '２０' as 20)" in report["input_layers"]["notes"]  # fmt: skip


def test_household_counts_that_are_not_numbers_are_all_listed(tmp_path: Path) -> None:
    values: list[object] = ["待核实"] * 12 + ["约30户"] + [str(HOUSEHOLDS)] * 3
    path = write(tmp_path, buildings=buildings(values))
    code, last, report = run_partition(path, tmp_path)
    assert code == 1
    listed = ", ".join(f"b{i:02d} '待核实'" for i in range(10))
    assert last == (
        f"geogrid: error: partition refused: file {path}, layer buildings, feature b00, field "
        f"households: households is not a number for 13 feature(s): {listed}, and 3 more; "
        "write a number (120, not 约120户), or leave it blank to have it estimated"
    )
    each = [
        (f["feature"], f["message"]) for f in report["findings"] if f["check"] == "not_a_number"
    ]
    assert len(each) == 13
    assert each[-1] == ("b12", "households '约30户' is not a number")


def test_buildings_without_geometry_are_refused_as_import_refuses_them(tmp_path: Path) -> None:
    # partition FILE listed them as unassigned ('no geometry'), warned of 0 m² buildings and
    # leaked a geopandas UserWarning, where import refused the file
    frame = buildings()
    frame.loc[0, "geometry"] = None
    frame.loc[5, "geometry"] = shapely.Polygon()
    path = write(tmp_path, buildings=frame)
    code, last, report = run_partition(path, tmp_path)  # no 'Warning' on stderr either
    assert code == 1
    assert last == (
        f"geogrid: error: partition refused: file {path}, layer buildings, feature b00, field "
        "geometry: the geometry is empty (NULL or without coordinates): draw the feature or "
        "delete it (and 1 more)"
    )
    assert [(f["feature"], f["check"]) for f in report["findings"]] == [
        ("b00", "empty_geometry"),
        ("b05", "empty_geometry"),
    ]


def test_points_in_the_roads_layer_are_refused_naming_them_as_import_does(tmp_path: Path) -> None:
    # it said 'roads must be lines (centre lines), found Point; derive centre lines from road
    # surfaces', naming no feature: a hint for polygons
    road = shapely.LineString([(120.500, 36.2035), (120.510, 36.2035)])
    stops = [shapely.Point(120.502, 36.2036), shapely.Point(120.507, 36.2036)]
    roads = gpd.GeoDataFrame({"road_id": ["R1", "BUS1", "BUS2"]}, geometry=[road, *stops],
                             crs="EPSG:4326")  # fmt: skip
    path = write(tmp_path, roads=roads)
    code, last, report = run_partition(path, tmp_path)
    assert code == 1
    assert last == (
        f"geogrid: error: partition refused: file {path}, layer roads, feature BUS1, field "
        "geometry: the geometry is a Point; roads need LineString or MultiLineString: a point "
        "has no line to follow, delete it or move it to a layer of its own (and 1 more)"
    )
    assert [f["feature"] for f in report["findings"]] == ["BUS1", "BUS2"]


def test_a_building_id_given_twice_or_blank_is_refused_as_import_refuses_it(
    tmp_path: Path,
) -> None:
    # partition FILE took them, and its lists (unassigned, suspect, straddling) named two
    # buildings by one id, where import refused the file
    frame = buildings()
    frame.loc[3, "building_id"] = "b02"
    frame.loc[9, "building_id"] = None
    path = write(tmp_path, buildings=frame)
    code, last, report = run_partition(path, tmp_path)
    assert code == 1
    assert last == (
        f"geogrid: error: partition refused: file {path}, layer buildings, feature row 10, "
        "field building_id: the feature has no building_id (and 1 more)"
    )
    assert [(f["feature"], f["check"]) for f in report["findings"]] == [
        ("row 10", "missing_id"),
        ("b02", "duplicate_id"),
    ]
    assert "b02 appears 2 times in the file" in report["findings"][1]["message"]


def test_a_buildings_layer_without_ids_is_divided(tmp_path: Path) -> None:
    path = write(tmp_path, buildings=buildings().drop(columns="building_id"))
    code, _, report = run_partition(path, tmp_path)
    assert code == 0
    assert report["households"]["in_grids"]["basic"] == 16 * HOUSEHOLDS
    assert report["households"]["unassigned"] == []


def test_buildings_of_a_non_residential_use_are_estimated_at_no_households(
    tmp_path: Path,
) -> None:
    # a delivery's 用途 without counts: every school and shop was estimated from its floor area
    # as homes, so a school block drew grids around it as if 400 families lived there
    frame = buildings().drop(columns="households")
    frame["用途"] = ["住宅", "学校"] * 4 + ["商业"] * 4 + ["住宅"] * 4
    path = write(tmp_path, buildings=frame)
    code, _, report = run_partition(path, tmp_path)
    assert code == 0
    homes = frame[frame["用途"] == "住宅"]
    floor = sum(abs(Geod(ellps="WGS84").geometry_area_perimeter(g)[0]) for g in homes.geometry)
    estimated = report["households"]
    assert estimated["households_in"] == round(floor * 0.85 / 90)  # 1 level, the defaults
    assert estimated["in_grids"]["basic"] == estimated["households_in"]
    assert estimated["estimated"]["by_use"] == {"commercial": 4, "residential": 8, "school": 4}


def test_roads_without_a_class_are_counted_as_taken_for_secondary_roads(tmp_path: Path) -> None:
    # a blank 道路等级 was taken as a secondary road without a word, where a value no table
    # knows was listed
    lines = [shapely.LineString([(120.500, y), (120.510, y)]) for y in (36.2030, 36.2035, 36.2040)]
    roads = gpd.GeoDataFrame({"road_id": ["R1", "R2", "R3"], "道路等级": ["支路", "", None]},
                             geometry=lines, crs="EPSG:4326")  # fmt: skip
    path = write(tmp_path, roads=roads)
    out, report = tmp_path / "p.gpkg", tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--out", str(out), "--report", str(report))
    assert done.returncode == 0, done.stderr
    assert json.loads(report.read_text())["network"]["unclassed"] == {
        "roads": {"lines": 2, "column": "road_class"}
    }
    assert (
        "roads: 2 line(s) with a blank class value, taken as secondary roads "
        "(--map roads.road_class=COLUMN reads a column as the class)"
    ) in " ".join(done.stdout.split())


def test_a_refusal_names_the_files_column_read_as_the_field(tmp_path: Path) -> None:
    # it said "field households" of a file whose column is 户数: the user looked for it
    frame = buildings().rename(columns={"households": "户数"})
    frame["户数"] = frame["户数"].astype(object)
    frame.loc[3, "户数"] = "20-30"
    path = write(tmp_path, buildings=frame)
    code, last, report = run_partition(path, tmp_path)
    assert code == 1
    assert last.startswith(
        f"geogrid: error: partition refused: file {path}, layer buildings, feature b03, field "
        "households (column 户数): households is not a number for 1 feature(s): b03 '20-30'"
    )
    assert [f["column"] for f in report["findings"] if f["severity"] == "error"] == ["户数"]
