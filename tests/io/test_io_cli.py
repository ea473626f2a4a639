"""`geogrid import` and `geogrid export` run as processes on a SpatiaLite file."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
from _cli import messages, run_geogrid
from _corpus import CORPUS, LIECHTENSTEIN


def test_import_then_export(tmp_path: Path, li_streets: Path) -> None:
    db = tmp_path / "g.sqlite"
    done = run_geogrid("import", str(li_streets), "--layer", "streets", "--map", "code=DM", db=db)
    assert done.returncode == 0, done.stderr
    assert "streets" in done.stdout and messages(done) == []
    report = tmp_path / "report.json"
    done = run_geogrid(
        "import",
        str(LIECHTENSTEIN / "li_buildings.geojson"),
        "-l",
        "buildings",
        "--households-total",
        "9000",
        "--report",
        str(report),
        db=db,
    )
    assert done.returncode == 0, done.stderr
    assert "scaled to 9,000" in done.stdout
    assert json.loads(report.read_text(encoding="utf-8"))["ok"] is True
    out = tmp_path / "li.gpkg"
    done = run_geogrid("export", "--out", str(out), db=db)
    assert done.returncode == 0, done.stderr
    buildings = gpd.read_file(out, layer="buildings")
    assert len(buildings) == 3723 and buildings["households"].sum() == 9000
    assert len(gpd.read_file(out, layer="streets")) == 12
    done = run_geogrid(
        "export",
        "--layer",
        "streets",
        "--crs",
        "gcj02",
        "--out",
        str(tmp_path / "s.gpkg"),
        db=db,
    )
    assert done.returncode == 0, done.stderr
    assert "gcj02" in done.stdout


def test_refused_import_is_one_line_on_stderr_with_a_report(tmp_path: Path) -> None:
    db = tmp_path / "g.sqlite"
    for name in ("streets", "communities"):
        done = run_geogrid("import", str(CORPUS / f"base_{name}.geojson"), "-l", name, db=db)
        assert done.returncode == 0, done.stderr
    report = tmp_path / "report.json"
    bad = CORPUS / "gcj02_declared_wgs84.geojson"
    done = run_geogrid("import", str(bad), "-l", "communities", "--report", str(report), db=db)
    assert done.returncode == 1
    [line] = messages(done)
    assert line.startswith("geogrid: error: import refused: file ") and str(bad) in line
    assert "--source-crs gcj02" in line
    body = json.loads(report.read_text(encoding="utf-8"))
    assert body["ok"] is False and body["summary"]["crs_offset"] == {"error": 1}
    assert "crs_offset" in done.stdout  # the table of findings


def test_unreadable_file_and_bad_options(tmp_path: Path) -> None:
    db = tmp_path / "g.sqlite"
    done = run_geogrid("import", str(CORPUS / "truncated.gpkg"), db=db)
    assert done.returncode == 1
    assert messages(done) == [
        line for line in messages(done) if line.startswith("geogrid: error: file ")
    ]
    assert not db.exists()  # the refused import left no empty store behind
    done = run_geogrid(
        "export", "--layer", "buildings", "--out", str(tmp_path / "b.geojson"), db=db
    )
    assert done.returncode == 1
    assert messages(done) == [
        f"geogrid: error: no store at {db}: this command only reads a store; name an existing "
        "one with --store FILE (or DATABASE_URL), or create one with 'geogrid import' or "
        "'geogrid demo'"
    ]
    from geogrid.settings import StoreSettings
    from geogrid.store import open_store

    open_store(StoreSettings(database_url=f"sqlite:///{db}")).migrate()  # an empty store
    done = run_geogrid(
        "export", "--layer", "buildings", "--out", str(tmp_path / "b.geojson"), db=db
    )
    assert messages(done) == ["geogrid: error: the store has no buildings yet; import them first"]


def test_export_a_plan_level(tmp_path: Path) -> None:
    from geogrid.settings import StoreSettings
    from geogrid.store import open_store
    from geogrid.store.plans import save_plan

    db = tmp_path / "g.sqlite"
    store = open_store(StoreSettings(database_url=f"sqlite:///{db}"))
    store.migrate()
    communities = gpd.read_file(CORPUS / "base_communities.geojson")
    basic = gpd.GeoDataFrame(
        {
            "code": [f"{c}01" for c in communities["code"]],
            "parent_code": communities["code"],
            "households": [300, 320, 310, 280],
            "buildings": [3, 3, 3, 3],
        },
        geometry=communities.geometry,
        crs=4326,
    )
    with store.transaction() as conn:
        plan_id = save_plan(conn, {"basic": basic}, report={}, author="test")
    store.dispose()
    out = tmp_path / "basic.zip"
    done = run_geogrid(
        "export", "--plan", str(plan_id), "--level", "basic", "--out", str(out), db=db
    )
    assert done.returncode == 0, done.stderr
    grids = gpd.read_file(out)
    assert sorted(grids["code"]) == sorted(basic["code"])
    assert sorted(grids["households"]) == [280, 300, 310, 320]
    done = run_geogrid("export", "--plan", "99", "--out", str(out), db=db)
    assert done.returncode == 1 and len(messages(done)) == 1
