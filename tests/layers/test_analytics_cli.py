"""The staff and hot spot commands as processes on a SpatiaLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli import messages, run_geogrid
from analytics_store import basic_code, planted

from geogrid.crs import wgs84_to_gcj02
from geogrid.settings import StoreSettings
from geogrid.store import open_store


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "g.sqlite"
    store = open_store(StoreSettings(database_url=f"sqlite:///{path}"))
    store.migrate()
    with store.transaction() as conn:
        planted(conn)
    store.dispose()
    return path


def _staff_csv(path: Path, rows: list[str]) -> Path:
    """A registry as an Excel user saves it in China: GB18030, Chinese headers and roles."""
    text = "工号,姓名,电话,岗位,负责网格,lon,lat\n" + "\n".join(rows) + "\n"
    path.write_bytes(text.encode("gb18030"))
    return path


MAPPING = ["--map", "staff_id=工号", "--map", "name=姓名", "--map", "phone=电话"]
MAPPING += ["--map", "role=岗位", "--map", "grid_codes=负责网格"]


def test_staff_import_export_and_personal_data(db: Path, tmp_path: Path) -> None:
    lon, lat = wgs84_to_gcj02(120.4525, 36.1025)
    good = _staff_csv(
        tmp_path / "staff.csv",
        [
            f"W1,张三,13800000001,专职网格员,{basic_code(0, 0)},{lon:.7f},{lat:.7f}",
            "P1,李四,13800000002,社区民警,370212001001,,",
            f"B1,王五,13800000003,楼栋长,{basic_code(0, 0)}001;{basic_code(0, 0)}002,,",
        ],
    )
    done = run_geogrid("staff", "import", str(good), *MAPPING, "--source-crs", "gcj02", db=db)
    assert done.returncode == 0, done.stderr
    assert "imported 3 staff with 4 grid assignments (locations: gcj02" in done.stdout
    plain = run_geogrid("staff", "export", "--format", "json", db=db)
    rows = {r["staff_id"]: r for r in json.loads(plain.stdout)["rows"]}
    assert "name" not in rows["W1"] and "phone" not in rows["W1"]
    assert rows["W1"]["lon"] == pytest.approx(120.4525, abs=1e-6)  # GCJ-02 offset removed
    assert rows["B1"]["role"] == "building_head"
    personal = run_geogrid("staff", "export", "--include-personal", db=db)
    assert "张三" in personal.stdout and "13800000001" in personal.stdout


def test_a_bad_registry_is_refused_whole_with_one_line(db: Path, tmp_path: Path) -> None:
    bad = _staff_csv(
        tmp_path / "bad.csv",
        [
            f"W1,张三,13800000001,专职网格员,{basic_code(0, 0)},,",
            f"W2,张三,13800000001,专职网格员,{basic_code(0, 1)},,",  # the same person again
            f"W3,赵六,13800000004,专职网格员,{basic_code(0, 2)};{basic_code(0, 3)};{basic_code(0, 4)},,",
            "W4,钱七,13800000005,专职网格员,370212001001999,,",
        ],
    )
    report = tmp_path / "report.json"
    done = run_geogrid("staff", "import", str(bad), *MAPPING, "--report", str(report), db=db)
    assert done.returncode == 1
    [line] = messages(done)
    assert line.startswith("geogrid: error: import refused: file ")
    checks = {f["check"]: f["feature"] for f in json.loads(report.read_text())["findings"]}
    assert checks == {"too_many_grids": "W3", "unknown_grid": "W4", "duplicate_person": "W1"}
    export = run_geogrid("staff", "export", db=db)
    assert export.stdout.strip() == "staff_id,role,grid_codes,lon,lat"  # nothing was stored


def test_hotspots_coverage_and_recommend_commands(db: Path, tmp_path: Path) -> None:
    hot = run_geogrid("hotspots", "--format", "json", db=db)
    assert hot.returncode == 0, hot.stderr
    rows = {r["code"]: r for r in json.loads(hot.stdout)["rows"]}
    assert len(rows) == 64
    assert rows[basic_code(1, 1)]["label"] in ("hot_95", "hot_99")
    assert rows[basic_code(7, 7)]["label"] == "not_significant"
    assert '"method": "Gi* z-score, normal p (two-sided), FDR (Benjamini-Hochberg)"' in hot.stderr
    # 64 grids: permutation inference under FDR runs 2 * 64 / 0.01 = 12,800 permutations
    perm = run_geogrid("hotspots", "--inference", "permutation", "--format", "json", db=db)
    assert perm.returncode == 0, perm.stderr
    assert '"inference": "permutation"' in perm.stderr and '"permutations": 12800' in perm.stderr
    bad = run_geogrid("hotspots", "--inference", "bootstrap", db=db)
    assert bad.returncode == 1
    assert "--inference must be normal or permutation" in bad.stderr
    density = tmp_path / "density.npz"
    csv = run_geogrid("hotspots", "--emerging", "month", "--density", str(density), db=db)
    assert csv.returncode == 0, csv.stderr
    assert csv.stdout.splitlines()[0].startswith("code,incidents,pattern,trend_z")
    assert density.exists()
    cover = run_geogrid("staff", "coverage", "--format", "csv", db=db)
    assert cover.returncode == 0, cover.stderr
    assert len(cover.stdout.strip().splitlines()) == 1 + 64 + 256
    advice = run_geogrid(
        "staff", "recommend", "--add", "2", "--radius", "300", "--time-limit", "3", db=db
    )
    assert advice.returncode == 0, advice.stderr
    answer = json.loads(advice.stdout)
    assert len(answer["rows"]) == 2
    assert answer["summary"]["summary"]["objective"] <= answer["summary"]["summary"]["bound"]
