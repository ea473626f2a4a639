"""``geogrid partition FILE`` as a process: households estimated the way import does, the
household account printed first, exemptions by reason (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from _cli import run_geogrid
from _villages import natural_villages, row_of_houses, village_parent

CASE = Path(__file__).parent.parent / "data" / "cases" / "c15"


def _input(tmp_path: Path, *, drop_households: int) -> Path:
    path = tmp_path / "in.gpkg"
    buildings = gpd.read_file(CASE / "buildings.geojson")
    buildings.loc[buildings.index[:drop_households], "households"] = None
    for name, frame in (
        ("communities", gpd.read_file(CASE / "communities.geojson")),
        ("buildings", buildings),
        ("roads", gpd.read_file(CASE / "roads.geojson")),
    ):
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return path


def test_partition_file_estimates_missing_households_and_prints_the_account(
    tmp_path: Path,
) -> None:
    path = _input(tmp_path, drop_households=4)
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "p.gpkg"),
                       "--report", str(report))  # fmt: skip
    assert done.returncode == 0, done.stderr
    first = done.stdout.strip().splitlines()[0]
    acc = json.loads(report.read_text())["households"]
    # 52 buildings keep their 25 households each; the 4 without (1,198 m², 6 levels) get the
    # import's estimate: 4 x 1,198.2 m² x 6 x 0.85 / 90 m² = 271.6, rounded to 272 in all
    assert acc["estimated"]["estimated"] == 4 and acc["estimated"]["given"] == 52
    assert acc["households_in"] == 52 * 25 + 272
    assert first == (
        f"households: {acc['households_in']:,} in, {acc['households_in']:,} in grids, "
        "0 unassigned (0 buildings)"
    )
    assert "households estimated for 4 buildings" in done.stdout
    grids = gpd.read_file(tmp_path / "p.gpkg", layer="basic_grids")
    assert int(grids.households.sum()) == acc["households_in"]
    # the plan is written under a temporary name GDAL accepts for a GeoPackage, then renamed
    assert "Warning" not in done.stderr
    assert done.stdout.strip().splitlines()[-1] == f"plan written to {tmp_path / 'p.gpkg'}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.gpkg", "p.gpkg", "r.json"]


def test_partition_file_reads_the_natural_villages_layer(tmp_path: Path) -> None:
    path = tmp_path / "villages.gpkg"
    for name, frame in (
        ("communities", village_parent()),
        ("buildings", row_of_houses()),
        ("natural_villages", natural_villages()),
    ):
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--report", str(report))
    assert done.returncode == 0, done.stderr
    basic = json.loads(report.read_text())["basic"]
    # the two villages (240 and 360 households) are each a grid of the band 200-400
    assert basic["settlements"] == {"settlements": 2, "fit_band": 2, "split": 0, "split_fitting": 0}
    assert basic["households_min"] == 240 and basic["households_max"] == 360


def test_partition_file_with_two_workers_gives_the_same_grids(tmp_path: Path) -> None:
    path = _input(tmp_path, drop_households=0)
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.gpkg"
        done = run_geogrid("partition", str(path), "--out", str(out), "--workers", workers)
        assert done.returncode == 0, done.stderr
        outs.append(gpd.read_file(out, layer="basic_grids"))
    one, two = outs
    assert one["code"].tolist() == two["code"].tolist()
    assert one["households"].tolist() == two["households"].tolist()
    assert one.geometry.to_wkb().tolist() == two.geometry.to_wkb().tolist()


def test_partition_file_reads_chinese_road_classes_and_lists_unknown_ones(tmp_path: Path) -> None:
    """Road classes written the Chinese way (CJJ 37: 次干路, 支路; a hutong) weigh as their
    English spellings; a value no table knows is taken as a secondary road and said so."""
    english = _input(tmp_path, drop_households=0)
    chinese = tmp_path / "zh.gpkg"
    for layer in ("communities", "buildings"):
        pyogrio.write_dataframe(gpd.read_file(english, layer=layer), chinese, layer=layer)
    roads = gpd.read_file(english, layer="roads")
    roads["road_class"] = ["次干路", "支路", "胡同"]
    extra = roads.iloc[[2]].assign(road_id="R4", road_class="景观路")
    extra["geometry"] = extra.geometry.translate(xoff=-0.0003)  # a lane beside the side road
    pyogrio.write_dataframe(gpd.pd.concat([roads, extra]), chinese, layer="roads")
    english_extra = gpd.pd.concat([gpd.read_file(english, layer="roads"), extra])
    english_extra.loc[english_extra.road_id == "R4", "road_class"] = "secondary"
    pyogrio.write_dataframe(english_extra, english, layer="roads")
    grids = []
    for path in (english, chinese):
        report = tmp_path / f"{path.stem}.json"
        done = run_geogrid("partition", str(path), "--out", str(tmp_path / f"{path.stem}_p.gpkg"),
                           "--report", str(report))  # fmt: skip
        assert done.returncode == 0, done.stderr
        grids.append(gpd.read_file(tmp_path / f"{path.stem}_p.gpkg", layer="basic_grids"))
        unknown = json.loads(report.read_text())["network"]["unknown_classes"]
        if path == chinese:
            assert unknown == {"roads": {"景观路": 1}}
            assert "roads: class values not known, taken as secondary roads: '景观路' (1)" in (
                done.stdout.replace("\n", " ")
            )
        else:
            assert unknown == {}
    assert grids[0]["households"].tolist() == grids[1]["households"].tolist()
    assert grids[0].geometry.normalize().to_wkb().tolist() == (
        grids[1].geometry.normalize().to_wkb().tolist()
    )


def test_partition_file_errors_name_the_file_and_the_feature(tmp_path: Path) -> None:
    path = _input(tmp_path, drop_households=0)
    buildings = gpd.read_file(path, layer="buildings")
    buildings.loc[3, "households"] = -5
    pyogrio.write_dataframe(buildings, path, layer="buildings", driver="GPKG")
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "p.gpkg"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"geogrid: error: partition refused: file {path}, layer buildings, feature B04, "
        "field households: households is negative (-5)"
    )
    assert not (tmp_path / "p.gpkg").exists()


def test_partition_file_refuses_roads_in_gcj02_labelled_as_wgs84(tmp_path: Path) -> None:
    # c15's three roads as AMap gives them: GCJ-02, some 500 m off, in a layer that says
    # WGS 84. Judged every ~20 m along the lines, 20% of the points lie outside the community
    # as read and none once converted from GCJ-02: refused, naming the layer, nothing written
    from geogrid.crs import wgs84_to_offset

    path = _input(tmp_path, drop_households=0)
    roads = gpd.read_file(path, layer="roads")
    roads = roads.set_geometry(wgs84_to_offset(roads.geometry, "gcj02"))
    pyogrio.write_dataframe(roads, path, layer="roads", driver="GPKG")
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "p.gpkg"))
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"geogrid: error: file {path}: layer 'roads' looks like GCJ-02 (AMap, Tencent) labelled "
        "as WGS 84 (read as WGS 84, 20% of the vertices near the edge of the communities layer "
        "lie outside it, 0% once converted from GCJ-02); convert it first: `geogrid import "
    ), last
    assert "--layer roads --source-layer roads --source-crs gcj02" in last
    assert not (tmp_path / "p.gpkg").exists()


def test_partition_file_refuses_an_output_it_cannot_write_before_it_runs(tmp_path: Path) -> None:
    path = _input(tmp_path, drop_households=0)
    missing = tmp_path / "no-such-folder" / "p.gpkg"
    done = run_geogrid("partition", str(path), "--out", str(missing))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"geogrid: error: file {missing}: --out: no such folder {missing.parent}"
    )
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "p.geojson"))
    assert done.returncode == 1
    assert done.stderr.strip().endswith("--out writes a GeoPackage: name it *.gpkg")
    assert not (tmp_path / "p.geojson").exists()
    report = tmp_path / "nowhere" / "r.json"
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "p.gpkg"),
                       "--report", str(report))  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "p.gpkg").exists()  # nothing half-written


def test_partition_file_checks_values_as_import_does(tmp_path: Path) -> None:
    """The file route reads values the way import does: 农村 is general_rural (basic band
    150-350, not the urban 300-500), a code stored as a number keeps its twelve digits, and a
    count written as text ('约12户') is refused naming the building (not silently estimated)."""
    path = _input(tmp_path, drop_households=0)
    communities = gpd.read_file(path, layer="communities")
    code = str(communities["code"].iloc[0])
    communities["code"] = communities["code"].astype(float)
    communities["area_type"] = "农村"
    pyogrio.write_dataframe(communities, path, layer="communities", driver="GPKG")
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "p.gpkg"))
    assert done.returncode == 0, done.stderr
    grids = gpd.read_file(tmp_path / "p.gpkg", layer="basic_grids")
    assert int(grids["households"].sum()) == 1400
    assert int(grids["households"].max()) <= 350  # urban: 300 / 400 / 400 / 300
    assert all(c.startswith(code) and len(c) == 15 for c in grids["code"])
    buildings = gpd.read_file(path, layer="buildings")
    buildings["households"] = buildings["households"].astype(str)
    buildings.loc[buildings.index[3], "households"] = "约12户"  # '12户' is read as 12
    pyogrio.write_dataframe(buildings, path, layer="buildings", driver="GPKG")
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "q.gpkg"))
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("geogrid: error: partition refused: file ")
    b = buildings["building_id"].iloc[3]
    assert last.endswith(f"feature {b}, field households: households is not a number for 1 "
                         f"feature(s): {b} '约12户'; write a number (120, not 约120户), or leave "
                         "it blank to have it estimated")  # fmt: skip
    assert not (tmp_path / "q.gpkg").exists()


def test_partition_file_refuses_an_unknown_only_code(tmp_path: Path) -> None:
    path = _input(tmp_path, drop_households=0)
    done = run_geogrid("partition", str(path), "--only", "370212009999",
                       "--out", str(tmp_path / "p.gpkg"))  # fmt: skip
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "only: no parent has the code(s) 370212009999; the parents' codes run from "
            "370212001001 to 370212001001 (1 parents)"
        )
    )
    assert not (tmp_path / "p.gpkg").exists()


def test_partition_file_lists_the_layers_it_does_not_read(tmp_path: Path) -> None:
    """A land-use layer beside the input layers is named with its count, not passed over."""
    path = _input(tmp_path, drop_households=0)
    parcels = gpd.read_file(path, layer="buildings").iloc[:3][["geometry"]]
    pyogrio.write_dataframe(parcels, path, layer="parcels", driver="GPKG")
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--report", str(report))
    assert done.returncode == 0, done.stderr
    layers = json.loads(report.read_text())["input_layers"]
    assert layers == {
        "read": ["communities", "buildings", "roads"],
        "not_read": {"parcels": 3},
        "notes": [],
    }
    assert (
        "  layers not read: parcels (3 features); partition reads communities, streets, "
        "buildings, roads, waterways, railways, natural_villages, compounds"
    ) in done.stdout


def test_partition_file_without_a_buildings_layer_names_the_layers_it_has(
    tmp_path: Path,
) -> None:
    path = tmp_path / "in.gpkg"
    for name in ("communities", "roads"):
        pyogrio.write_dataframe(gpd.read_file(CASE / f"{name}.geojson"), path, layer=f"{name}_2024",
                                driver="GPKG")  # fmt: skip
    done = run_geogrid("partition", str(path), "--report", str(tmp_path / "r.json"))
    assert done.returncode == 1
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "no 'buildings' layer (layers here: communities_2024, roads_2024; rename one to it)"
        )
    )


def _with_layer(tmp_path: Path, name: str, frame: gpd.GeoDataFrame, *, drop: str = "") -> Path:
    """The c15 input with one layer replaced (or added) as ``name``; ``drop`` left out."""
    path = tmp_path / "in.gpkg"
    layers = {
        n: gpd.read_file(CASE / f"{n}.geojson") for n in ("communities", "buildings", "roads")
    }
    layers.pop(drop, None)
    layers.pop(name.lower(), None)
    layers[name] = frame
    for layer, data in layers.items():
        pyogrio.write_dataframe(data, path, layer=layer, driver="GPKG")
    return path


def _refusal(path: Path, tmp_path: Path) -> str:
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "p.gpkg"))
    assert done.returncode == 1
    assert not (tmp_path / "p.gpkg").exists()
    return done.stderr.strip().splitlines()[-1]


def test_partition_file_refuses_a_layer_whose_coordinates_do_not_fit_its_crs(
    tmp_path: Path,
) -> None:
    # Gauss-Krüger metres labelled as CGCS2000 lon/lat: refused naming the layer, as import
    # refuses it, instead of a plan of 'duplicate footprints' from infinite coordinates
    buildings = gpd.read_file(CASE / "buildings.geojson").to_crs("EPSG:4549")
    path = _with_layer(tmp_path, "buildings", buildings.set_crs("EPSG:4490", allow_override=True))
    last = _refusal(path, tmp_path)
    assert last.startswith(f"geogrid: error: file {path}, layer buildings: coordinates (")
    assert "are not lon/lat although the CRS is geographic; the data looks projected" in last
    assert "ogr2ogr -a_srs EPSG:NNNN" in last


def test_partition_file_refuses_roads_with_latitude_and_longitude_swapped(tmp_path: Path) -> None:
    roads = gpd.read_file(CASE / "roads.geojson")
    swapped = roads.set_geometry(shapely.transform(roads.geometry.to_numpy(), lambda c: c[:, ::-1]))
    last = _refusal(_with_layer(tmp_path, "roads", swapped), tmp_path)
    assert ", layer roads: coordinates (36.1000, 120.4602) .. (36.1075, 120.4687) look like " \
        "(latitude, longitude): the axes are swapped" in last  # fmt: skip


def test_partition_file_refuses_roads_that_are_not_lines(tmp_path: Path) -> None:
    # road surfaces dissolved into one polygon made one block of the whole street (0% in band)
    roads = gpd.read_file(CASE / "roads.geojson")
    surface = gpd.GeoDataFrame({"road_id": ["S1"]}, geometry=[roads.union_all().buffer(0.0001)],
                               crs=roads.crs)  # fmt: skip
    last = _refusal(_with_layer(tmp_path, "roads", surface), tmp_path)
    assert last.endswith(
        "field geometry: roads must be lines (centre lines), found Polygon; derive centre lines "
        "from road surfaces before dividing"
    )


def test_partition_file_reads_a_layer_named_in_capitals_and_says_when_there_are_no_roads(
    tmp_path: Path,
) -> None:
    roads = gpd.read_file(CASE / "roads.geojson")
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(_with_layer(tmp_path, "Roads", roads)),
                       "--report", str(report))  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(report.read_text())
    assert out["input_layers"] == {
        "read": ["communities", "buildings", "Roads"],
        "not_read": {},
        "notes": [],
    }
    assert out["network"]["lines_in"] == 3
    none = tmp_path / "none"
    none.mkdir()
    communities = gpd.read_file(CASE / "communities.geojson").assign(area_type="")
    done = run_geogrid(
        "partition", str(_with_layer(none, "communities", communities, drop="roads"))
    )
    # an empty area type (a DBF's missing value) is missing, not refused; no roads is said
    assert done.returncode == 0, done.stderr
    assert "barrier lines: none; the grids follow no road, river or railway" in done.stdout


def test_partition_file_names_a_household_count_no_floor_can_hold(tmp_path: Path) -> None:
    buildings = gpd.read_file(CASE / "buildings.geojson")
    buildings.loc[5, "households"] = 99_999  # a slip for 99
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(_with_layer(tmp_path, "buildings", buildings)),
                       "--report", str(report))  # fmt: skip
    assert done.returncode == 0, done.stderr
    dense = json.loads(report.read_text())["households"]["suspect"]["dense"]
    assert dense["buildings"] == 1 and dense["households"] == 99_999
    assert dense["first"][0]["building_id"] == buildings["building_id"].iloc[5]
    assert "check: 1 building(s) hold more households than one per 4 m² of floor" in done.stdout


def test_partition_file_reads_households_from_a_chinese_column_as_import_does(
    tmp_path: Path,
) -> None:
    buildings = gpd.read_file(CASE / "buildings.geojson").rename(
        columns={"households": "户数", "levels": "层数"}
    )
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(_with_layer(tmp_path, "buildings", buildings)),
                       "--report", str(report))  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(report.read_text())
    assert out["households"]["households_in"] == 56 * 25  # given, none estimated
    assert "estimated" not in out["households"]
    assert "buildings: households taken from column '户数'" in out["input_layers"]["notes"]
    assert "  buildings: households taken from column '户数'" in done.stdout


def test_partition_file_takes_layers_without_id_columns(tmp_path: Path) -> None:
    # a district office's file: no building or road ids at all (feature_label numbered rows)
    buildings = gpd.read_file(CASE / "buildings.geojson").drop(columns="building_id")
    path = _with_layer(tmp_path, "buildings", buildings)
    roads = gpd.read_file(CASE / "roads.geojson").drop(columns="road_id")
    pyogrio.write_dataframe(roads, path, layer="roads", driver="GPKG")
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--report", str(report))
    assert done.returncode == 0, done.stderr
    assert json.loads(report.read_text())["households"]["households_in"] == 56 * 25
    assert "the plan was not written: pass --out PLAN.gpkg to keep it" in done.stdout


def _overlapping_halves(tmp_path: Path, *, west_edge: float = 271782) -> Path:
    """c15 in UTM 51N (metres) under two communities that overlap by a strip 2 m wide and
    820 m long (1,640 m²), west over east, between two rows of buildings; with ``west_edge``
    271780 they meet exactly."""
    path = tmp_path / "halves.gpkg"
    west = shapely.box(271300, 3997990, west_edge, 3998810)
    east = shapely.box(271780, 3997990, 272140, 3998810)
    communities = gpd.GeoDataFrame(
        {
            "code": ["370212001001", "370212001002"],
            "name": ["西", "东"],
            "street_code": ["370212001"] * 2,
            "area_type": ["urban_community"] * 2,
        },
        geometry=[west, east],
        crs="EPSG:32651",
    )
    for name, frame in (
        ("communities", communities),
        ("buildings", gpd.read_file(CASE / "buildings.geojson").to_crs("EPSG:32651")),
        ("roads", gpd.read_file(CASE / "roads_snapped.geojson").to_crs("EPSG:32651")),
    ):
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return path


def test_partition_file_repair_gives_a_sliver_of_the_parents_to_one(tmp_path: Path) -> None:
    path = _overlapping_halves(tmp_path)
    refused = run_geogrid("partition", str(path))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    last = refused.stderr.strip().splitlines()[-1]
    assert "370212001001 and 370212001002 overlap by 1640.0 m²" in last
    assert "--repair of 'geogrid partition FILE'" in last
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--repair", "--report", str(report))
    assert done.returncode == 0, done.stderr
    fixes = [line for line in done.stdout.splitlines() if "repaired communities" in line]
    assert len(fixes) == 1 and "by 1,640.0 m²" in fixes[0], done.stdout
    data = json.loads(report.read_text())
    assert data["households"]["households_in"] == 1400
    assert data["households"]["in_grids"] == {"basic": 1400, "micro": 1400}
    assert data["basic"]["overlap_area_m2"] == 0.0
    [repair] = data["input_layers"]["repairs"]
    assert not any("overlapped" in note for note in data["input_layers"]["notes"])  # once
    assert repair.startswith("communities 370212001001: overlapped 370212001002 by 1,640.0 m²")
    assert data["basic"]["gap_area_m2"] < 0.01
    store = run_geogrid("partition", "--repair")
    assert store.returncode != 0 and "--repair works on an INPUT file" in store.stderr


def test_partition_file_repair_with_nothing_to_repair_changes_nothing(tmp_path: Path) -> None:
    """A clean file gives the plain run's plan with --repair (found by a new user: 54 basic
    grids plain, 53 with --repair, the layers having gone to lon/lat and back with their edges
    cut into 20 m pieces)."""
    path = _overlapping_halves(tmp_path, west_edge=271780)
    plans = {}
    for name, extra in (("plain", ()), ("repair", ("--repair",))):
        out = tmp_path / f"{name}.gpkg"
        done = run_geogrid("partition", str(path), *extra, "--out", str(out))
        assert done.returncode == 0, done.stderr
        plans[name] = out
    assert "--repair: nothing to repair" in done.stdout
    for level in ("basic_grids", "micro_grids"):
        plain = pyogrio.read_dataframe(plans["plain"], layer=level).sort_values("code")
        repaired = pyogrio.read_dataframe(plans["repair"], layer=level).sort_values("code")
        assert plain["code"].tolist() == repaired["code"].tolist()
        same = shapely.equals_exact(plain.geometry.to_numpy(), repaired.geometry.to_numpy(), 0)
        assert same.all(), f"{level}: {int((~same).sum())} grids differ"


def test_partition_file_refuses_buildings_in_the_wrong_zone(tmp_path: Path) -> None:
    """Buildings written in one Gauss-Krüger zone (EPSG:4549, CM 120° E) and labelled as the
    next (EPSG:4550): the import refused them; partition FILE divided the communities with no
    building in them and exited 0 (found by a new user). Now the import's words, with what to
    do in a file."""
    halves = _overlapping_halves(tmp_path, west_edge=271780)
    path = tmp_path / "zones.gpkg"
    for name in ("communities", "buildings", "roads"):
        frame = pyogrio.read_dataframe(halves, layer=name).to_crs("EPSG:4549")
        if name == "buildings":
            frame = frame.set_crs("EPSG:4550", allow_override=True)
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "p.gpkg"))
    assert done.returncode == 1, done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"geogrid: error: file {path}, layer buildings: all 56 buildings lie about 27"
    )
    assert last.endswith(
        "the layer's CRS (declared EPSG:4550) is probably wrong; set it to EPSG:4549, which "
        "puts it among them (in the file, with ogr2ogr -a_srs)"
    )
    assert not (tmp_path / "p.gpkg").exists()


def test_partition_file_says_the_datum_was_not_checked_outside_the_seed_districts(
    tmp_path: Path,
) -> None:
    # c15 moved to Wuhan (no seed district there, no street layer): nothing can tell WGS 84
    # from GCJ-02, and partition FILE says so as import does, with what to do for a file
    path = tmp_path / "in.gpkg"
    for name in ("communities", "buildings", "roads"):
        frame = gpd.read_file(CASE / f"{name}.geojson")
        moved = frame.set_geometry(frame.geometry.translate(xoff=-6.2, yoff=-5.5))
        pyogrio.write_dataframe(moved, path, layer=name, driver="GPKG")
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "p.gpkg"),
                       "--report", str(report))  # fmt: skip
    assert done.returncode == 0, done.stderr
    note = (
        "layer 'communities': the datum could not be checked: no other layer of the file or "
        "embedded district boundary has an edge near this layer's features; if the coordinates "
        "come from AMap / Tencent (GCJ-02) or Baidu (BD-09), run partition again with "
        "--source-crs gcj02 or bd09"
    )
    # the buildings and roads fit the communities: one note, on the layer nothing could judge
    assert json.loads(report.read_text())["input_layers"]["notes"] == [note]
    assert "layer 'communities': the datum could not be checked" in done.stdout


def test_partition_file_refuses_communities_in_gcj02_at_a_seed_district_edge(
    tmp_path: Path,
) -> None:
    # two communities at Shahekou's (Dalian) west edge as AMap gives them: shifted some 500 m
    # east, into the district (no vertex outside it), their edge off its outline until read
    # as GCJ-02
    from geogrid.boundaries import districts
    from geogrid.crs import wgs84_to_offset

    seed = districts().set_index("code").geometry.loc["210204"]
    outline = max(shapely.get_parts(seed), key=lambda p: p.area)
    xy = shapely.get_coordinates(outline.exterior)
    vx, vy = xy[xy[:, 0].argmin()]
    cut = outline.intersection(shapely.box(vx - 0.001, vy - 0.005, vx + 0.014, vy + 0.005))
    area = max(shapely.get_parts(cut), key=lambda p: p.area)
    communities = gpd.GeoDataFrame({"code": ["210204001001"]}, geometry=[area], crs=4326)
    x, y = area.representative_point().coords[0]
    buildings = gpd.GeoDataFrame(
        {"building_id": ["B1"], "households": [20]},
        geometry=[shapely.box(x, y, x + 0.0002, y + 0.0001)],
        crs=4326,
    )
    path = tmp_path / "in.gpkg"
    for name, frame in (("communities", communities), ("buildings", buildings)):
        shifted = frame.set_geometry(wgs84_to_offset(frame.geometry, "gcj02"))
        pyogrio.write_dataframe(shifted, path, layer=name, driver="GPKG")
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "p.gpkg"))
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"geogrid: error: file {path}: layer 'communities' looks like GCJ-02 (AMap, Tencent) "
        "labelled as WGS 84 (its edge lies 398 m off the outline of Shahekou (210204) as WGS 84, "
        "0 m off as GCJ-02 (0% of its vertices near that outline lie outside it as WGS 84, 0% as "
        "GCJ-02)); convert it first: `geogrid import "
    ), last
    assert "--layer communities --source-layer communities --source-crs gcj02" in last
    assert not (tmp_path / "p.gpkg").exists()
