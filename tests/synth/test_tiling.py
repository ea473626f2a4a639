"""Streets tile the district, communities tile their street, each street a connected area."""

from __future__ import annotations

import geopandas as gpd
import shapely

from geogrid import boundaries

from ._checks import main_part, tiling_errors


def test_streets_tile_the_district(xigang_metric: dict[str, gpd.GeoDataFrame]) -> None:
    district = xigang_metric["districts"].geometry.iloc[0]
    gap, overlap = tiling_errors(district, xigang_metric["streets"].geometry)
    assert gap <= 1.0
    assert overlap <= 1.0


def test_communities_tile_each_street(xigang_metric: dict[str, gpd.GeoDataFrame]) -> None:
    comms = xigang_metric["communities"]
    for street in xigang_metric["streets"].itertuples():
        members = comms[comms["street_code"] == street.code]
        assert len(members) > 0
        gap, overlap = tiling_errors(street.geometry, members.geometry)
        assert gap <= 1.0, street.code
        assert overlap <= 1.0, street.code


def test_communities_tile_the_real_outline(xigang_metric: dict[str, gpd.GeoDataFrame]) -> None:
    comms = xigang_metric["communities"]
    real = gpd.GeoSeries([boundaries.district_outline("210203")], crs="EPSG:4326")
    gap, overlap = tiling_errors(real.to_crs(comms.crs).iloc[0], comms.geometry)
    assert gap <= 1.0
    assert overlap <= 1.0


def test_every_street_and_community_is_connected(
    xigang_metric: dict[str, gpd.GeoDataFrame],
) -> None:
    land = main_part(xigang_metric["districts"].geometry.iloc[0])
    for frame in (xigang_metric["streets"], xigang_metric["communities"]):
        for geom in frame.geometry:
            assert geom.is_valid
            pieces = shapely.get_parts(shapely.intersection(geom, land))
            assert (shapely.area(pieces) > 1.0).sum() == 1


def test_urban_communities_near_the_core_are_smaller(
    xigang_metric: dict[str, gpd.GeoDataFrame],
) -> None:
    comms = xigang_metric["communities"]
    hh = comms["households"] / comms.area
    assert 0.1e6 < comms.area.median() < 2e6  # a plausible urban community, 0.1-2 km²
    assert hh.max() > 3 * hh.min()  # denser and sparser ones, not a uniform sheet
