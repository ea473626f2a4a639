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


# issue 12: no household is lost; buildings outside every municipality (across the Rhine)
# are placed within 50 m or listed
def test_every_household_is_in_a_grid_or_listed(
    layers: dict[str, gpd.GeoDataFrame], plan: Plan
) -> None:
    acc = plan.report["households"]
    total = int(layers["buildings"]["households"].sum())
    assert acc["households_in"] == total
    assert acc["buildings_in"] == len(layers["buildings"])
    listed = sum(u["households"] for u in acc["unassigned"])
    for level in ("basic", "micro"):
        in_grids = int(plan.grids[level]["households"].sum())
        assert acc["in_grids"][level] == in_grids
        assert in_grids + listed == total
    outside = [u for u in acc["unassigned"] if u["reason"] == "outside_every_parent"]
    assert all(u["distance_m"] > 50.0 for u in outside)
    # OSM holds one house twice (two ways, one footprint): its 22 households count once
    twins = [u for u in acc["unassigned"] if u["reason"] == "duplicate_footprint"]
    assert [u["households"] for u in twins] == [22]
    assert len(outside) + len(twins) == len(acc["unassigned"])


def test_the_report_holds_every_figure_the_benchmark_compares(plan: Plan) -> None:
    for level in ("basic", "micro"):
        r = plan.report[level]
        assert 0.0 <= r["within_band_share"] <= r["within_band_share_judged"] <= 1.0
        exempt = sum(r["exemptions"].values())
        assert exempt == r["exempt_grids"]
        assert r["misses"] + exempt + round(r["within_band_share"] * r["count"]) >= r["count"]
        assert set(r["barrier_boundary_share_by_class"]) == {"major", "secondary", "local"}
        # an over-band building shares its grid only with an enclave wholly inside it, listed
        assert r["over_band_building_shared"] <= len(r["enclaves_joined_out_of_band"])


# issue 12, item 5: a strip of fields along the Rhine rode with one grid of Balzers (0.35
# convexity in a municipality of 0.74); empty land is now cut and shared out
def test_basic_grids_are_at_least_as_convex_as_their_municipalities(plan: Plan) -> None:
    r = plan.report["basic"]
    assert r["convex_under_half_parent_above"] == 0
    assert r["convexity_mean"] >= r["parent_convexity_mean"]
    assert r["wraps_around"] == len({a for a, _ in r["wraps_around_pairs"]})
