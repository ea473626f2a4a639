"""``geogrid import --report`` writes a report for a file refused while reading (issue 12): a
CRS its coordinates cannot lie in, a --layer that is no layer kind. It says refused, with the
line the error printed, in the shape of a refused validation (``ok`` false, one finding); the
exit code stays 1. A refused validation's report carries the line as well."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely
from _cli import messages, run_geogrid

STREET = "370212001"


def _communities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": [f"{STREET}001"], "name": ["甲社区"], "street_code": [STREET]},
        geometry=[shapely.box(120.50, 36.20, 120.51, 36.21)],
        crs="EPSG:4326",
    )


def _refused(tmp_path: Path, *args: str) -> tuple[str, dict]:
    report = tmp_path / "r.json"
    report.write_text("{}")  # a report of an earlier run is not left to be read as this one's
    done = run_geogrid("import", *args, "--report", str(report), db=tmp_path / "g.sqlite")
    assert done.returncode == 1, done.stderr
    [line] = messages(done)
    assert line.startswith("geogrid: error: ")
    return line.removeprefix("geogrid: error: "), json.loads(report.read_text(encoding="utf-8"))


def test_a_crs_refused_while_reading_writes_a_report(tmp_path: Path) -> None:
    # Gauss-Krüger metres (CGCS2000 / 3-degree zone 40) labelled as CGCS2000 lon/lat
    path = tmp_path / "communities.gpkg"
    metres = _communities().to_crs("EPSG:4549")
    metres.set_crs("EPSG:4490", allow_override=True).to_file(path, engine="pyogrio")
    line, body = _refused(tmp_path, str(path))
    assert "are not lon/lat although the CRS is geographic" in line
    assert body["refused"] == line
    assert body["ok"] is False and body["errors"] == 1 and body["summary"] == {"crs": {"error": 1}}
    [finding] = body["findings"]
    assert finding["check"] == "crs" and finding["severity"] == "error"
    assert line == f"file {finding['file']}: {finding['message']}"


def test_an_unknown_layer_kind_writes_a_report(tmp_path: Path) -> None:
    path = tmp_path / "communities.geojson"
    _communities().to_file(path, engine="pyogrio")
    line, body = _refused(tmp_path, str(path), "--layer", "parcels")
    assert "unknown layer kind 'parcels'; --layer takes a layer kind" in line
    assert body["refused"] == line
    assert body["ok"] is False and body["summary"] == {"input": {"error": 1}}
    assert body["findings"][0]["layer"] == "parcels"


def test_a_refused_validation_report_carries_the_line_too(tmp_path: Path) -> None:
    path = tmp_path / "communities.geojson"
    _communities().assign(name=[None]).to_file(path, engine="pyogrio")
    line, body = _refused(tmp_path, str(path))
    assert body["refused"] == line
    assert line.startswith("import refused: ") and "the feature has no name" in line
    assert body["summary"]["missing_value"] == {"error": 1}
