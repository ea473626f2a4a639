"""``geogrid partition FILE --report R.json`` writes a report when the file is refused
(issue 12): while reading (a CRS its coordinates cannot lie in, no buildings layer) as later
(parents that overlap). It says refused, with the line the error printed; the exit code stays
1. One community of 600 m x 600 m in UTM 51N with one house."""

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
        {"code": ["370212001001"], "area_type": ["urban_community"]},
        geometry=[shapely.box(X0, Y0, X0 + 600, Y0 + 600)],
        crs=UTM,
    )
    buildings = gpd.GeoDataFrame(
        {"building_id": ["H1"], "households": [10]},
        geometry=[shapely.box(X0 + 100, Y0 + 100, X0 + 112, Y0 + 112)],
        crs=UTM,
    )
    return {"communities": communities, "buildings": buildings}


def _refused(tmp_path: Path, layers: dict[str, gpd.GeoDataFrame]) -> tuple[str, dict]:
    path = tmp_path / "in.gpkg"
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    report = tmp_path / "r.json"
    report.write_text("{}")  # an earlier run's report is not left to be read as this one's
    done = run_geogrid("partition", str(path), "--report", str(report))
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("geogrid: error: ")
    return last.removeprefix("geogrid: error: "), json.loads(report.read_text())


def test_a_crs_refused_while_reading_writes_the_refusal(tmp_path: Path) -> None:
    layers = _layers()
    # UTM metres labelled as lon/lat
    layers["buildings"] = layers["buildings"].set_crs("EPSG:4326", allow_override=True)
    line, body = _refused(tmp_path, layers)
    assert line.startswith(f"file {tmp_path / 'in.gpkg'}, layer buildings: coordinates (")
    assert body == {"refused": line}


def test_a_file_without_buildings_writes_the_refusal(tmp_path: Path) -> None:
    layers = _layers()
    del layers["buildings"]
    line, body = _refused(tmp_path, layers)
    assert line == (
        f"file {tmp_path / 'in.gpkg'}: no 'buildings' layer (layers here: communities; rename "
        "one to it)"
    )
    assert body == {"refused": line}


def test_overlapping_parents_write_the_refusal(tmp_path: Path) -> None:
    layers = _layers()
    second = layers["communities"].assign(
        code=["370212001002"], geometry=[shapely.box(X0 + 550, Y0, X0 + 1200, Y0 + 600)]
    )
    layers["communities"] = gpd.GeoDataFrame(
        [*layers["communities"].to_dict("records"), *second.to_dict("records")], crs=UTM
    )
    line, body = _refused(tmp_path, layers)
    assert "parents 370212001001 and 370212001002 overlap by 30000.0 m², 50.0 m wide" in line
    assert body == {"refused": line}
