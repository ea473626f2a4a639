"""``geogrid partition FILE`` as a process, on files a GIS analyst brings: no CRS, GCJ-02
labelled as WGS 84, a count column under a name no table knows (``--source-crs``, ``--map``,
``--mapping``, read as ``geogrid import`` reads them), buildings across two communities, and
community codes that do not fit their street's."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from _cli import run_geogrid

CASE = Path(__file__).parent.parent / "data" / "cases" / "c15"
LAYERS = ("communities", "buildings", "roads")
# c15's community, as its file gives it (WGS 84)
C15_BOUNDS = (120.46, 36.1, 120.4688943, 36.1071865)


Change = Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]


def _c15(tmp_path: Path, name: str, change: dict[str, Change]) -> Path:
    """c15 (one community, 56 buildings of 25 households, 3 roads) as a GeoPackage, each layer
    passed through ``change[layer]`` when given."""
    path = tmp_path / f"{name}.gpkg"
    for layer in LAYERS:
        frame = gpd.read_file(CASE / f"{layer}.geojson")
        fix = change.get(layer)
        pyogrio.write_dataframe(frame if fix is None else fix(frame), path, layer=layer)
    return path


def _last(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr.strip().splitlines()[-1]


@pytest.mark.filterwarnings("ignore:'crs' was not provided")  # pyogrio: what the test writes
def test_a_file_without_a_crs_is_refused_naming_source_crs_and_read_with_it(
    tmp_path: Path,
) -> None:
    # c15 in CGCS2000 Gauss-Krüger (CM 120° E, metres), its layers written without a CRS
    def no_crs(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame.to_crs("EPSG:4549").set_crs(None, allow_override=True)

    path = _c15(tmp_path, "nocrs", dict.fromkeys(LAYERS, no_crs))
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--report", str(report))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert _last(done).startswith(
        f"geogrid: error: file {path}, layer communities: the file has no CRS; declare it with "
        "--source-crs (EPSG:4326 for WGS 84, EPSG:4490 for CGCS2000"
    )
    assert json.loads(report.read_text())["refused"] == _last(done)[len("geogrid: error: ") :]
    out = tmp_path / "p.gpkg"
    done = run_geogrid("partition", str(path), "--source-crs", "EPSG:4549", "--out", str(out))
    assert done.returncode == 0, done.stderr
    grids = gpd.read_file(out, layer="basic_grids")
    assert grids.crs.to_epsg() == 4549  # the plan in the CRS the user declared
    assert int(grids["households"].sum()) == 56 * 25


def test_gcj02_labelled_as_wgs84_is_read_with_source_crs_gcj02(tmp_path: Path) -> None:
    from geogrid.crs import wgs84_to_offset

    def shifted(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        return frame.set_geometry(wgs84_to_offset(frame.geometry, "gcj02"))

    # only the roads from AMap: refused, saying what to do (the other layers are WGS 84)
    roads_only = _c15(tmp_path, "roads", {"roads": shifted})
    done = run_geogrid("partition", str(roads_only))
    assert done.returncode == 1
    assert _last(done).endswith(
        "then run `geogrid partition` on the store (when every layer of the file is GCJ-02, run "
        "partition again with --source-crs gcj02; if they are WGS 84 after all, with "
        "--source-crs EPSG:4326)"
    )
    # the whole file from AMap: --source-crs gcj02 converts every layer, as import does
    path = _c15(tmp_path, "gcj", dict.fromkeys(LAYERS, shifted))
    out, report = tmp_path / "p.gpkg", tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--source-crs", "gcj02", "--out", str(out),
                       "--report", str(report))  # fmt: skip
    assert done.returncode == 0, done.stderr
    grids = gpd.read_file(out, layer="basic_grids")
    assert grids.crs.to_epsg() == 4326
    assert grids["households"].tolist() == [300, 400, 400, 300]
    # the grids tile the community where WGS 84 puts it (GCJ-02 was ~500 m off), to 1 cm
    assert all(abs(a - b) < 1e-7 for a, b in zip(grids.total_bounds, C15_BOUNDS, strict=True)), (
        grids.total_bounds
    )
    notes = json.loads(report.read_text())["input_layers"]["notes"]
    assert "roads: converted from gcj02 to WGS 84 (--source-crs)" in notes


def test_a_count_column_no_table_knows_is_read_with_map_or_mapping(tmp_path: Path) -> None:
    path = _c15(tmp_path, "hh", {"buildings": lambda f: f.rename(columns={"households": "HH_CNT"})})
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--report", str(report))
    assert done.returncode == 0, done.stderr  # estimated, as import estimates, and said so
    data = json.loads(report.read_text())
    assert data["households"]["estimated"]["estimated"] == 56
    assert (
        "buildings: no households column, every count estimated; columns not read: HH_CNT "
        "(--map buildings.households=COLUMN reads one as the count)"
    ) in data["input_layers"]["notes"]
    # households is a field of communities too: a mapping for every kind names their column
    done = run_geogrid("partition", str(path), "--map", "households=HH_CNT")
    assert done.returncode == 1
    assert _last(done) == (
        f"geogrid: error: file {path}, layer communities, field households: the mapping names "
        "column 'HH_CNT' for field 'households', but the communities layer has: code, name, "
        "street_code, area_type (a mapping for one layer kind only: --map "
        "KIND.households=HH_CNT)"
    )
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"buildings": {"households": "HH_CNT"}}))
    # (a field of one kind mapped for every kind, road_class, leaves the others alone)
    by_map = ("--map", "buildings.households=HH_CNT", "--map", "road_class=road_class")
    for option in (by_map, ("--mapping", str(mapping))):
        done = run_geogrid("partition", str(path), *option, "--report", str(report))
        assert done.returncode == 0, done.stderr
        data = json.loads(report.read_text())
        assert data["households"]["households_in"] == 56 * 25  # given, none estimated
        assert "estimated" not in data["households"]


def test_a_code_column_no_table_knows_is_refused_naming_map(tmp_path: Path) -> None:
    path = _c15(tmp_path, "sqdm", {"communities": lambda f: f.rename(columns={"code": "SQDM"})})
    done = run_geogrid("partition", str(path))
    assert done.returncode == 1
    assert _last(done) == (
        f"geogrid: error: file {path}: layer communities has no code column (nor 社区代码 or "
        "another name for it); name it with --map communities.code=COLUMN; its columns: SQDM, "
        "name, street_code, area_type"
    )
    out = tmp_path / "p.gpkg"
    done = run_geogrid("partition", str(path), "--map", "communities.code=SQDM", "--out", str(out))
    assert done.returncode == 0, done.stderr
    codes = gpd.read_file(out, layer="basic_grids")["code"].tolist()
    assert codes == ["370212001001001", "370212001001002", "370212001001003", "370212001001004"]


def test_file_options_without_a_file_are_refused() -> None:
    done = run_geogrid("partition", "--source-crs", "gcj02", timeout=60)
    assert done.returncode == 1
    assert _last(done) == (
        "geogrid: error: --source-crs works on an INPUT file; the store's layers are WGS 84 "
        "(give it to geogrid import)"
    )
    done = run_geogrid("partition", "--map", "buildings.households=HH_CNT", timeout=60)
    assert done.returncode == 1
    assert _last(done) == (
        "geogrid: error: --map and --mapping work on an INPUT file; the store's layers were "
        "mapped on import (give them to geogrid import)"
    )


def _halves(
    path: Path, *, codes: tuple[str, str], street_codes: tuple[str, str], street: bool = False
) -> Path:
    """c15 in UTM 51N under two communities that meet at x = 271780 (west: 32 buildings, 800
    households; east: 24, 600), and one more building, S1 (30 households), 15 m west of that
    line and 20 m east of it; ``street``: a streets layer of street 370212001 around them."""
    communities = gpd.GeoDataFrame(
        {"code": list(codes), "name": ["西", "东"], "street_code": list(street_codes),
         "area_type": ["urban_community"] * 2},
        geometry=[shapely.box(271300, 3997990, 271780, 3998810),
                  shapely.box(271780, 3997990, 272140, 3998810)],
        crs="EPSG:32651",
    )  # fmt: skip
    buildings = gpd.read_file(CASE / "buildings.geojson").to_crs("EPSG:32651")
    s1 = gpd.GeoDataFrame(
        {"building_id": ["S1"], "levels": [6], "households": [30]},
        geometry=[shapely.box(271765, 3998400, 271800, 3998430)],
        crs="EPSG:32651",
    )
    layers = {
        "communities": communities,
        "buildings": pd.concat([buildings, s1], ignore_index=True),
        "roads": gpd.read_file(CASE / "roads_snapped.geojson").to_crs("EPSG:32651"),
    }
    if street:
        outline = shapely.box(271300, 3997990, 272140, 3998810)
        layers["streets"] = gpd.GeoDataFrame(
            {"code": ["370212001"], "name": ["街道"]}, geometry=[outline], crs="EPSG:32651"
        )
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return path


def test_a_building_in_two_communities_is_counted_once_and_listed(tmp_path: Path) -> None:
    path = _halves(tmp_path / "s.gpkg", codes=("370212001001", "370212001002"),
                  street_codes=("370212001",) * 2)  # fmt: skip
    out, report = tmp_path / "p.gpkg", tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--out", str(out), "--report", str(report))
    assert done.returncode == 0, done.stderr
    data = json.loads(report.read_text())
    assert data["households"]["households_in"] == 800 + 600 + 30
    assert data["households"]["in_grids"] == {"basic": 1430, "micro": 1430}
    grids = gpd.read_file(out, layer="basic_grids")
    # S1 whole in the east (its interior point's community), not split, not in both
    assert grids.groupby("parent_code")["households"].sum().to_dict() == {
        "370212001001": 800,
        "370212001002": 630,
    }
    assert data["input_layers"]["straddles_communities"] == {
        "buildings": 1,
        "households": 30,
        "listed": [
            {
                "building": "S1",
                "households": 30,
                "parent": "370212001002",
                "detail": "the building lies in communities 370212001002 (57%) and 370212001001 "
                "(43%); grids keep buildings whole, so the community boundary or the building "
                "needs a look",
            }
        ],
    }
    assert (
        "check: 1 building(s) lie in two communities (30 households; first: S1, counted in "
        "370212001002): each is kept whole and counted once, in the community holding its "
        "interior point"
    ) in " ".join(done.stdout.split())


def test_community_codes_are_checked_against_their_streets_as_import_does(
    tmp_path: Path,
) -> None:
    # a code not under its street_code: refused in import's words, naming feature and field
    path = _halves(tmp_path / "a.gpkg", codes=("370212001001", "370212002002"),
                  street_codes=("370212001",) * 2)  # fmt: skip
    done = run_geogrid("partition", str(path), "--out", str(tmp_path / "p.gpkg"))
    assert done.returncode == 1
    assert _last(done) == (
        f"geogrid: error: partition refused: file {path}, layer communities, feature "
        "370212002002, field code: code 370212002002 does not start with its street_code "
        "370212001"
    )
    assert not (tmp_path / "p.gpkg").exists()
    # a street_code naming no street of the file: listed, as import lists it, and divided
    path = _halves(tmp_path / "b.gpkg", codes=("370212001001", "370212009002"),
                   street_codes=("370212001", "370212009"), street=True)  # fmt: skip
    report = tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--report", str(report))
    assert done.returncode == 0, done.stderr
    data = json.loads(report.read_text())
    assert data["input_layers"]["notes"] == [
        "communities: street_code 370212009 is not in the streets layer (1 feature(s), first "
        "370212009002): containment not checked"
    ]
    assert data["households"]["in_grids"]["basic"] == 1430
    # ... unless the street it lies in is named by no community: that street would be divided
    # whole over its communities (the engine refused it as two parents overlapping)
    path = _halves(tmp_path / "c.gpkg", codes=("370212009001", "370212009002"),
                   street_codes=("370212009",) * 2, street=True)  # fmt: skip
    done = run_geogrid("partition", str(path))
    assert done.returncode == 1
    assert _last(done) == (
        f"geogrid: error: file {path}, layer communities, feature 370212009001, field "
        "street_code: street_code 370212009 names no street of the file, and the community lies "
        "in street 370212001, which no community names: that street would be divided whole, "
        "over its communities; correct the street_code (and the code's first 9 digits) or the "
        "street's code"
    )
