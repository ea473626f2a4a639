"""Natural villages from the user's layer (issue 12, item 7): a village that fits the band stays
in one grid; buildings in no village are clustered. Hand-built input in UTM 51N (metres)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geogrid.errors import InputError
from geogrid.partition.engine import partition_plan

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0


def _village_parent() -> gpd.GeoDataFrame:
    box = shapely.box(X0, Y0, X0 + 800, Y0 + 400)
    return gpd.GeoDataFrame(
        {"code": ["370212100201"], "area_type": ["village"]}, geometry=[box], crs=UTM
    )


def _row_of_houses() -> gpd.GeoDataFrame:
    """40 houses of 15 households, 10 m apart in one row: one cluster of 600 households."""
    xs = [X0 + 10 + 20 * i for i in range(40)]
    geoms = [shapely.box(x - 5, Y0 + 195, x + 5, Y0 + 205) for x in xs]
    return gpd.GeoDataFrame(
        {"building_id": [f"H{i}" for i in range(40)], "households": [15] * 40},
        geometry=geoms,
        crs=UTM,
    )


def _villages() -> gpd.GeoDataFrame:
    # west: houses 0-15 (x <= 310), 240 households; east: houses 16-39, 360 households
    west = shapely.box(X0, Y0, X0 + 320, Y0 + 400)
    east = shapely.box(X0 + 320, Y0, X0 + 800, Y0 + 400)
    return gpd.GeoDataFrame({"name": ["W", "E"]}, geometry=[west, east], crs=UTM)


def test_villages_from_the_layer_are_kept_whole() -> None:
    plan = partition_plan(_village_parent(), _row_of_houses(), villages=_villages())
    assert sorted(plan.grids["basic"]["households"].tolist()) == [240, 360]
    assert plan.report["basic"]["settlements"] == {
        "settlements": 2,
        "fit_band": 2,
        "split": 0,
        "split_fitting": 0,
    }


def test_without_the_layer_the_row_is_one_cluster_too_big_for_a_grid() -> None:
    plan = partition_plan(_village_parent(), _row_of_houses())
    assert plan.report["basic"]["settlements"]["settlements"] == 1
    assert plan.report["basic"]["settlements"]["fit_band"] == 0  # 600 > the band's 400
    assert int(plan.grids["basic"]["households"].sum()) == 600


def test_a_village_layer_of_points_is_refused_with_a_clear_error() -> None:
    points = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 100, Y0 + 200)], crs=UTM)
    with pytest.raises(InputError, match="natural villages must be polygons, found Point"):
        partition_plan(_village_parent(), _row_of_houses(), villages=points)
