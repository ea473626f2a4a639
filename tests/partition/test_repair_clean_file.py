"""``geogrid partition FILE --repair`` on a file with nothing to repair gives the plan a plain
run gives (issue 12, found by a new user: 54 basic grids plain, 53 with --repair, the layers
having gone to lon/lat and back with their edges cut into 20 m pieces). c15's buildings and
snapped roads in UTM 51N under two communities that meet exactly."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from _cli import run_geogrid

CASE = Path(__file__).parent.parent / "data" / "cases" / "c15"


def _clean_halves(tmp_path: Path) -> Path:
    path = tmp_path / "halves.gpkg"
    communities = gpd.GeoDataFrame(
        {"code": ["370212001001", "370212001002"], "area_type": ["urban_community"] * 2},
        geometry=[shapely.box(271300, 3997990, 271780, 3998810),
                  shapely.box(271780, 3997990, 272140, 3998810)],
        crs="EPSG:32651",
    )  # fmt: skip
    for name, frame in (
        ("communities", communities),
        ("buildings", gpd.read_file(CASE / "buildings.geojson").to_crs("EPSG:32651")),
        ("roads", gpd.read_file(CASE / "roads_snapped.geojson").to_crs("EPSG:32651")),
    ):
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return path


def test_repair_with_nothing_to_repair_changes_nothing(tmp_path: Path) -> None:
    path = _clean_halves(tmp_path)
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
