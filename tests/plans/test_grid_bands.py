"""The band check of a stored plan's grids: exemptions read from the grids as drawn."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from geogrid.grid_bands import band_summary, grid_bands, largest_by_points


def _plan() -> gpd.GeoDataFrame:
    # community C (urban: basic 300-500, micro 10-30) in two pieces: B1 and B2 side by side
    # (B2 drawn 0.5 mm off B1, as stored edges may be), B3 alone 4 km east with 40 households
    rows = [
        ("basic", "C001", "C", 450, 30, box(0, 0, 0.01, 0.01)),
        ("basic", "C002", "C", 400, 25, box(0.01 + 5e-9, 0, 0.02, 0.01)),
        ("basic", "C003", "C", 40, 3, box(0.05, 0, 0.06, 0.01)),
        ("micro", "C003001", "C003", 35, 3, box(0.05, 0, 0.055, 0.01)),
        ("micro", "C003002", "C003", 5, 1, box(0.055, 0, 0.06, 0.01)),
    ]
    columns = ["level", "code", "parent_code", "households", "buildings", "geometry"]
    frame = gpd.GeoDataFrame(rows, columns=columns, crs="EPSG:4326")
    frame["name"] = None
    return frame


def test_a_detached_piece_a_tower_and_a_parent_too_small_are_exempt() -> None:
    largest = {"C003001": 35, "C003002": 5}  # C003001: a tower of 35 and two sheds of none
    rows = grid_bands(_plan(), area_types={"C": "urban"}, locked=set(), largest=largest)
    assert {r["code"]: r["exempt"] for r in rows} == {
        "C001": None,
        "C002": None,
        "C003": "detached_piece",  # 40 households fit no basic grid of 300-500
        "C003001": "single_over_band_building",
        "C003002": "parent_too_small",  # beside the tower C003 holds 5 < 10
    }
    assert band_summary(rows) == {
        "grids": 5,
        "within": 2,
        "within_share": 0.4,
        "out_of_band": 0,
        "exempt": {"detached_piece": 1, "parent_too_small": 1, "single_over_band_building": 1},
    }


def test_without_the_units_only_a_grid_of_one_building_is_known_to_be_a_tower() -> None:
    rows = grid_bands(_plan(), area_types={"C": "urban"}, locked=set())
    exempt = {r["code"]: r["exempt"] for r in rows}
    assert exempt["C003001"] is None  # 35 households in 3 buildings: one may be movable
    assert exempt["C003002"] is None  # so C003 may hold 40: two micro grids of 20 would do
    assert band_summary(rows)["out_of_band"] == 2


def test_a_piece_joined_to_the_rest_is_no_detached_piece() -> None:
    plan = _plan()
    plan.loc[plan["code"] == "C003", "geometry"] = box(0.02, 0, 0.03, 0.01)  # beside C002
    rows = grid_bands(plan, area_types={"C": "urban"}, locked=set(), largest={})
    assert {r["code"]: r["exempt"] for r in rows}["C003"] is None  # a miss an edit can fix


def test_before_units_are_stored_buildings_are_placed_by_a_point_inside() -> None:
    points = np.array([[0.051, 0.005], [0.052, 0.005], [0.057, 0.005], [0.2, 0.2]])
    households = np.array([35, 0, 5, 80])  # the last lies in no grid
    assert largest_by_points(_plan(), points, households) == {"C003001": 35, "C003002": 5}
