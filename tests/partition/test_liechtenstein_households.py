"""Real data: on Liechtenstein (OSM 2013) no household is lost, and the buildings outside every
municipality (across the Rhine, in the Swiss neighbour left out) are placed or listed."""

from __future__ import annotations

import geopandas as gpd
import pytest
from partition_liechtenstein import liechtenstein

from geogrid.partition.engine import Plan, partition_plan


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return liechtenstein()


@pytest.fixture(scope="module")
def plan(layers: dict[str, gpd.GeoDataFrame]) -> Plan:
    return partition_plan(
        layers["communities"], layers["buildings"], roads=layers["roads"],
        waterways=layers["waterways"],
    )  # fmt: skip


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
    assert all(u["reason"] == "outside_every_parent" for u in acc["unassigned"])
    assert all(u["distance_m"] > 50.0 for u in acc["unassigned"])


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
