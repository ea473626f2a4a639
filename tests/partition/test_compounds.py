"""Residential compounds (小区) from the user's polygon layer: a building without a compound_id
of its own belongs to the compound holding it, and a compound that fits the band stays in one
basic grid. Hand-built in UTM 51N metres."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from _cli import run_geogrid

from geogrid.partition.engine import partition_plan
from geogrid.partition.inputs import with_polygon_compounds

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0


def _street() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """An urban community (band 300-500) 900 m long with one row of 44 houses of 15 households
    (660: two grids, the even split at house 22). Compounds: A houses 0-19 (300 households),
    B 20-27 (120), C 28-43 (240): kept whole, the grids are A and B + C (300 and 360)."""
    parent = gpd.GeoDataFrame(
        {"code": ["370212001001"], "area_type": ["urban"]},
        geometry=[shapely.box(X0, Y0, X0 + 900, Y0 + 400)],
        crs=UTM,
    )
    xs = [X0 + 10 + 20 * i for i in range(44)]
    houses = gpd.GeoDataFrame(
        {"building_id": [f"H{i}" for i in range(44)], "households": [15] * 44},
        geometry=[shapely.box(x - 5, Y0 + 195, x + 5, Y0 + 205) for x in xs],
        crs=UTM,
    )
    edges = [0, 400, 560, 900]  # compound outlines between houses 19|20 and 27|28
    compounds = gpd.GeoDataFrame(
        {"compound_id": ["A", "B", "C"], "name": ["春晖小区", "幸福里", "江南苑"]},
        geometry=[shapely.box(X0 + a, Y0, X0 + b, Y0 + 400) for a, b in pairwise(edges)],
        crs=UTM,
    )
    return parent, houses, compounds


def _grid_of_houses(plan_grids: gpd.GeoDataFrame, houses: gpd.GeoDataFrame) -> list[int]:
    grids = plan_grids.reset_index(drop=True)
    inside, grid = shapely.STRtree(grids.geometry.to_numpy()).query(
        houses.geometry.centroid.to_numpy(), predicate="within"
    )
    return grid[np.argsort(inside)].tolist()


def test_compounds_from_the_layer_are_kept_whole() -> None:
    parent, houses, compounds = _street()
    plan = partition_plan(parent, houses, compounds=compounds)
    assert sorted(plan.grids["basic"]["households"].tolist()) == [300, 360]
    assert plan.report["basic"]["compounds"] == {
        "compounds": 3,
        "fit_band": 3,
        "split": 0,
        "split_fitting": 0,
    }
    grid = _grid_of_houses(plan.grids["basic"], houses)
    assert len(set(grid[:20])) == 1 and len(set(grid[20:])) == 1 and grid[0] != grid[20]


def test_a_compound_id_of_the_building_wins_over_the_polygon() -> None:
    given = np.array([-1, 0, -1, 1, -1])
    polygon = np.array([0, 1, -1, 0, 1])
    # the given ids 0-1 stay; polygons 0 and 1 become compounds 2 and 3; none stays none
    assert with_polygon_compounds(given, polygon).tolist() == [2, 0, -1, 1, 3]


def test_partition_file_reads_a_xiaoqu_layer_and_says_what_it_kept(tmp_path: Path) -> None:
    parent, houses, compounds = _street()
    path = tmp_path / "street.gpkg"
    pyogrio.write_dataframe(parent.to_crs(4326), path, layer="communities")
    pyogrio.write_dataframe(houses.to_crs(4326), path, layer="buildings")
    pyogrio.write_dataframe(compounds[["name", "geometry"]].to_crs(4326), path, layer="小区")
    done = run_geogrid("partition", str(path), "--report", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stderr
    assert "compounds: 3, 3 fit one basic grid; 0 split (0 of those that fit)" in done.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    basic = report["basic"]
    assert (basic["count"], basic["households_min"], basic["households_max"]) == (2, 300, 360)
