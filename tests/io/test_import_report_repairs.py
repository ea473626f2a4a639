"""``geogrid import --repair --report`` lists each fix in ``repairs``, one line per fix as the
report of ``geogrid partition FILE --repair`` has them (``input_layers.repairs``); without
--repair there is no such list (issue 12). A street 0.02° x 0.01° at 36.2° N whose two
communities leave a strip 1 m wide between them (1,110 m²: the width rule of --repair fills
it, giving it to the first of the two, whose shared borders are as long)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import shapely
from _cli import run_geogrid

STREET = "370212001"
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(36.205))


def _files(tmp_path: Path, strip_m: float) -> tuple[Path, Path]:
    street, communities = tmp_path / "streets.geojson", tmp_path / "communities.geojson"
    gpd.GeoDataFrame(
        {"code": [STREET], "name": ["中韩街道"], "district_code": ["370212"]},
        geometry=[shapely.box(120.50, 36.20, 120.52, 36.21)],
        crs="EPSG:4326",
    ).to_file(street, engine="pyogrio")
    west = shapely.box(120.500, 36.20, 120.510, 36.21)
    east = shapely.box(120.510 + strip_m / M_PER_DEG_LON, 36.20, 120.520, 36.21)
    gpd.GeoDataFrame(
        {"code": [f"{STREET}001", f"{STREET}002"], "name": ["西", "东"],
         "street_code": [STREET] * 2},
        geometry=[west, east], crs="EPSG:4326",
    ).to_file(communities, engine="pyogrio")  # fmt: skip
    return street, communities


def _report(tmp_path: Path, communities: Path, *options: str) -> dict:
    report = tmp_path / f"r{len(options)}.json"
    db = tmp_path / "g.sqlite"
    done = run_geogrid("import", str(communities), *options, "--report", str(report), db=db)
    assert done.returncode == 0, done.stderr
    return json.loads(report.read_text(encoding="utf-8"))


def test_the_import_report_lists_each_repair(tmp_path: Path) -> None:
    street, communities = _files(tmp_path, 1.0)
    assert run_geogrid("import", str(street), db=tmp_path / "g.sqlite").returncode == 0
    body = _report(tmp_path, communities, "--repair")
    # the strip between the two is shared down its middle: a line for each half
    west, east = body["repairs"]
    for fix, code in ((west, f"{STREET}001"), (east, f"{STREET}002")):
        assert fix.startswith(f"communities {code}: a gap of 55")
        assert fix.endswith(
            f"given to {code} (a strip along 2 neighbours, each given the part nearest to it)"
        )
        assert f" m² in {STREET} near (120.51" in fix
    # the same fixes as their findings
    findings = [f for f in body["findings"] if f["check"] == "repair_gap"]
    assert [west, east] == [f"communities {f['feature']}: {f['message']}" for f in findings]


def test_nothing_to_repair_is_an_empty_list_and_without_repair_there_is_none(
    tmp_path: Path,
) -> None:
    street, communities = _files(tmp_path, 0.0)
    assert run_geogrid("import", str(street), db=tmp_path / "g.sqlite").returncode == 0
    assert _report(tmp_path, communities, "--repair")["repairs"] == []
    assert "repairs" not in _report(tmp_path, communities)
