"""Land of the street that no community covers is in the grids' gap, and the report says where
it is (a park left out on purpose, or a sliver). Hand-built in UTM 51N metres."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geogrid.cli.partition_summary import street_land_lines
from geogrid.partition.engine import partition_plan

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0


def test_a_park_left_out_of_every_community_is_measured_and_placed() -> None:
    street = gpd.GeoDataFrame(
        {"code": ["370212001"]}, geometry=[shapely.box(X0, Y0, X0 + 900, Y0 + 400)], crs=UTM
    )
    park = shapely.box(X0 + 800, Y0 + 300, X0 + 900, Y0 + 400)  # 1 ha in the north-east corner
    community = gpd.GeoDataFrame(
        {"code": ["370212001001"], "area_type": ["urban"]},
        geometry=[street.geometry.iloc[0].difference(park)],
        crs=UTM,
    )
    xs = [X0 + 10 + 20 * i for i in range(40)]
    houses = gpd.GeoDataFrame(
        {"households": [15] * 40},
        geometry=[shapely.box(x - 5, Y0 + 95, x + 5, Y0 + 105) for x in xs],
        crs=UTM,
    )
    plan = partition_plan(community, houses, streets=street)
    [piece] = plan.report["street_land_outside_parents"]
    assert piece["area_m2"] == pytest.approx(10_000, abs=1)
    lon, lat = (
        gpd.GeoSeries([shapely.Point(piece["lon"], piece["lat"])], crs=4326).to_crs(UTM)[0].xy
    )
    assert park.contains(shapely.Point(lon[0], lat[0]))
    assert plan.report["basic"]["gap_between_parents_m2"] == pytest.approx(10_000, abs=1)
    line = street_land_lines(plan.report)[0]
    assert line.startswith("street land in no community: 10,000 m² in 1 piece(s), largest 10,000")
