"""CRS handling: the GCJ-02 / BD-09 offsets and the one door into EPSG:4326."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, box

from geogrid.crs import (
    bd09_to_wgs84,
    gcj02_to_wgs84,
    metric_crs,
    parse_source_crs,
    to_storage_crs,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from geogrid.errors import CRSError

GEOD = Geod(ellps="WGS84")


def _points_in_china(n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.uniform(75, 134, n), rng.uniform(18, 53, n)


def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:  # type: ignore[no-untyped-def]
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def test_gcj02_offset_is_hundreds_of_metres_and_inverts_below_a_millimetre() -> None:
    lon, lat = _points_in_china()
    glon, glat = wgs84_to_gcj02(lon, lat)
    shift = _metres(lon, lat, glon, glat)
    assert 200 < np.median(shift) < 700 and shift.max() < 1000
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, back_lon, back_lat).max() < 0.001


def test_bd09_round_trip() -> None:
    lon, lat = _points_in_china()
    blon, blat = wgs84_to_bd09(lon, lat)
    back_lon, back_lat = bd09_to_wgs84(blon, blat)
    assert _metres(lon, lat, blon, blat).min() > 100
    assert _metres(lon, lat, back_lon, back_lat).max() < 0.01


def test_points_outside_china_are_not_shifted() -> None:
    lon, lat = np.array([9.52, -74.0]), np.array([47.14, 40.7])  # Vaduz, New York
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert np.array_equal(glon, lon) and np.array_equal(glat, lat)


def _frame(crs: str | None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": ["a"]}, geometry=[box(120.40, 36.10, 120.41, 36.11)], crs=crs)


def test_file_without_crs_is_refused_with_a_hint() -> None:
    with pytest.raises(CRSError, match=r"file roads\.shp: the file has no CRS; declare it"):
        to_storage_crs(_frame(None), file="roads.shp")


def test_declared_gcj02_is_converted_and_recorded() -> None:
    out, label = to_storage_crs(_frame("EPSG:4326"), source_crs="gcj02")
    assert label == "gcj02" and out.crs.to_epsg() == 4326
    shift = _metres(120.41, 36.10, *out.geometry.iloc[0].exterior.coords[0])
    assert 300 < shift < 700


def test_cgcs2000_and_projected_input_are_transformed() -> None:
    out, label = to_storage_crs(_frame("EPSG:4490"))
    assert label == "EPSG:4490"
    assert _metres(120.41, 36.10, *out.geometry.iloc[0].exterior.coords[0]) < 1.0
    projected = _frame("EPSG:4326").to_crs("EPSG:4549")  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
    back, label = to_storage_crs(projected)
    assert label == "EPSG:4549"
    # the corners come back where they were; the edges, straight in EPSG:4549, come back cut
    # into pieces of at most 20 m that follow them (geogrid.densify), a centimetre off at most
    original = _frame("EPSG:4326").geometry.iloc[0]
    corners = shapely.points(original.exterior.coords)
    assert shapely.distance(corners, back.geometry.iloc[0].exterior).max() < 1e-9
    assert shapely.hausdorff_distance(back.geometry.iloc[0], original) < 5e-7
    assert shapely.get_num_coordinates(back.geometry.iloc[0]) > 100  # 4 edges of ~900 m


def test_contradicting_declaration_names_both_crs() -> None:
    with pytest.raises(CRSError, match=r"EPSG:3857 contradicts the file's own CRS EPSG:4326"):
        to_storage_crs(_frame("EPSG:4326"), source_crs="EPSG:3857")


def test_projected_numbers_declared_as_lonlat_are_caught() -> None:
    frame = gpd.GeoDataFrame(geometry=[Point(500000, 4000000)], crs=None)
    with pytest.raises(CRSError, match="looks projected"):
        to_storage_crs(frame, source_crs="EPSG:4326", file="x.csv")


def test_unknown_source_crs() -> None:
    with pytest.raises(CRSError, match="unknown CRS 'wgs1984x'"):
        parse_source_crs("wgs1984x")


def test_metric_crs_is_the_utm_zone() -> None:
    assert metric_crs(_frame("EPSG:4326")).to_epsg() == 32651
