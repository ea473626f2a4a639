"""`geogrid partition FILE` never writes over what it reads, nor over somebody's data."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
from _cli import run_geogrid

CASE = Path(__file__).parent.parent / "data" / "cases" / "c15"


def _input(path: Path) -> Path:
    for name in ("communities", "buildings", "roads"):
        frame = gpd.read_file(CASE / f"{name}.geojson")
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return path


def _layers(path: Path) -> list[str]:
    return sorted(str(name) for name, _ in pyogrio.list_layers(path))


def test_an_out_or_report_naming_the_input_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    path = _input(tmp_path / "street.gpkg")
    before = path.read_bytes()
    done = run_geogrid("partition", str(path), "--out", str(path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"geogrid: error: file {path}: --out names a file this command reads: writing it "
        "would destroy it; name another file"
    )
    done = run_geogrid("partition", str(path), "--report", str(tmp_path / "." / "street.gpkg"))
    assert done.returncode == 1
    assert "--report names a file this command reads" in done.stderr
    assert path.read_bytes() == before


def test_an_out_holding_other_layers_is_refused_a_plan_of_an_earlier_run_replaced(
    tmp_path: Path,
) -> None:
    path = _input(tmp_path / "street.gpkg")
    project = _input(tmp_path / "project.gpkg")  # somebody's GeoPackage of layers
    done = run_geogrid("partition", str(path), "--out", str(project))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"geogrid: error: file {project}: --out exists and holds layers that are not a plan's "
        "(communities, buildings, roads); writing the plan would replace them: name another "
        "file, or delete it first"
    )
    assert _layers(project) == ["buildings", "communities", "roads"]
    plan = tmp_path / "plan.gpkg"
    for _ in range(2):  # the second run replaces the first run's plan
        done = run_geogrid("partition", str(path), "--out", str(plan))
        assert done.returncode == 0, done.stderr
    assert _layers(plan) == ["basic_grids", "micro_grids"]
