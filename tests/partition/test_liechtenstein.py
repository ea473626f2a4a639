"""Real data: the Liechtenstein municipalities (OSM 2013) keep every invariant of a plan."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from conftest import assert_invariants
from partition_liechtenstein import liechtenstein

from geogrid.crs import metric_crs
from geogrid.partition.engine import Plan, partition_plan


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    """In a metric CRS, so the invariants are checked on the engine's own polygons."""
    raw = liechtenstein()
    metric = metric_crs(raw["communities"])
    return {name: frame.to_crs(metric) for name, frame in raw.items()}


@pytest.fixture(scope="module")
def plan(layers: dict[str, gpd.GeoDataFrame]) -> Plan:
    return partition_plan(
        layers["communities"], layers["buildings"], roads=layers["roads"],
        waterways=layers["waterways"],
    )  # fmt: skip


def test_eleven_municipalities_are_tiled_nested_and_whole(
    layers: dict[str, gpd.GeoDataFrame], plan: Plan
) -> None:
    assert len(layers["communities"]) == 11
    assert_invariants(plan, layers["communities"], layers["buildings"])
    assert set(plan.grids["basic"]["parent_code"]) == set(layers["communities"]["code"])
    for level in ("basic", "micro"):
        assert plan.report[level]["disconnected"] == 0
        assert plan.report[level]["gap_area_m2"] < 1.0
        assert plan.report[level]["overlap_area_m2"] < 1.0


def test_grids_are_single_polygons_even_in_multipart_municipalities(plan: Plan) -> None:
    for level in ("basic", "micro"):
        frame = plan.grids[level]
        assert frame.is_valid.all()
        metric = frame.to_crs(metric_crs(frame))
        parts = shapely.get_num_geometries(metric.geometry.to_numpy())
        assert (parts == 1).all(), metric.loc[parts != 1, "code"].tolist()


def test_households_are_kept(layers: dict[str, gpd.GeoDataFrame], plan: Plan) -> None:
    total = int(plan.grids["basic"]["households"].sum())
    assert total == int(plan.grids["micro"]["households"].sum())
    # buildings outside every municipality (across the Rhine) belong to no grid
    assert 0.9 * layers["buildings"]["households"].sum() <= total
    assert total <= layers["buildings"]["households"].sum()
