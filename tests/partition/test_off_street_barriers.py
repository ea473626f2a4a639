"""A viaduct over blocks is no barrier (issue 12): the grids follow the road at street level.

A 600 m square community of 8 x 8 houses of 10 households (640: two basic grids of 320) is
crossed by a secondary road at street level running north-south at x = 215 m, between the
fourth and fifth columns, and an arterial at y = 215 m, between the fourth and fifth rows.
As a barrier the arterial (major) is cheaper to follow than the secondary road; on a viaduct
it divides nothing, and the two grids are the west and east of the secondary road.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from geogrid.partition.engine import partition_plan

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0
GROUND = shapely.LineString([(X0 + 215, Y0), (X0 + 215, Y0 + 600)])
OVER = shapely.LineString([(X0, Y0 + 215), (X0 + 600, Y0 + 215)])


def _inputs() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    community = gpd.GeoDataFrame(
        {"code": ["370212001001"], "area_type": ["urban_community"]},
        geometry=[shapely.box(X0, Y0, X0 + 600, Y0 + 600)],
        crs=UTM,
    )
    houses = [
        shapely.box(X0 + 40 + 50 * c, Y0 + 40 + 50 * r, X0 + 52 + 50 * c, Y0 + 52 + 50 * r)
        for r in range(8)
        for c in range(8)
    ]
    buildings = gpd.GeoDataFrame(
        {"building_id": [f"H{i}" for i in range(64)], "households": [10] * 64},
        geometry=houses,
        crs=UTM,
    )
    return community, buildings


def _shared_boundary(grids: gpd.GeoDataFrame) -> shapely.Geometry:
    a, b = grids.geometry.tolist()
    return shapely.intersection(a.boundary, b.boundary)


def _roads(bridge: list[str | None]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"road_class": ["次干路", "主干路"], "bridge": bridge}, geometry=[GROUND, OVER], crs=UTM
    )


def test_at_street_level_the_arterial_divides_the_community() -> None:
    community, buildings = _inputs()
    plan = partition_plan(community, buildings, roads=_roads([None, None]))
    grids = plan.grids["basic"].to_crs(UTM)
    assert sorted(grids.households.tolist()) == [320, 320]
    assert shapely.hausdorff_distance(_shared_boundary(grids), OVER) < 1.0
    assert plan.report["network"]["off_street"] == {}


def test_a_viaduct_divides_nothing_and_is_counted() -> None:
    community, buildings = _inputs()
    plan = partition_plan(community, buildings, roads=_roads([None, "viaduct"]))
    grids = plan.grids["basic"].to_crs(UTM)
    assert sorted(grids.households.tolist()) == [320, 320]
    assert shapely.hausdorff_distance(_shared_boundary(grids), GROUND) < 1.0
    assert plan.report["network"]["off_street"] == {"roads": 1}
    assert plan.report["network"]["lines_in"] == 1
