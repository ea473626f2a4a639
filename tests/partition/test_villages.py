"""Natural villages from the user's layer (issue 12, item 7): a village that fits the band stays
in one grid; buildings in no village are clustered. Hand-built input in UTM 51N (metres): see
``tests/_villages.py``."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from _villages import UTM, X0, Y0, natural_villages, row_of_houses, village_parent

from geogrid.errors import InputError
from geogrid.partition.engine import partition_plan


def test_villages_from_the_layer_are_kept_whole() -> None:
    plan = partition_plan(village_parent(), row_of_houses(), villages=natural_villages())
    assert sorted(plan.grids["basic"]["households"].tolist()) == [240, 360]
    assert plan.report["basic"]["settlements"] == {
        "settlements": 2,
        "fit_band": 2,
        "split": 0,
        "split_fitting": 0,
    }


def test_without_the_layer_the_row_is_one_cluster_too_big_for_a_grid() -> None:
    plan = partition_plan(village_parent(), row_of_houses())
    assert plan.report["basic"]["settlements"]["settlements"] == 1
    assert plan.report["basic"]["settlements"]["fit_band"] == 0  # 600 > the band's 400
    assert int(plan.grids["basic"]["households"].sum()) == 600


def test_a_village_layer_of_points_is_refused_with_a_clear_error() -> None:
    points = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 100, Y0 + 200)], crs=UTM)
    with pytest.raises(InputError, match="natural villages must be polygons, found Point"):
        partition_plan(village_parent(), row_of_houses(), villages=points)
