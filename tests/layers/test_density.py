"""Kernel density: mass is kept, the peak sits on the planted cluster, bounds are honest."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geogrid.errors import InputError
from geogrid.layers.density import kernel_density

# Qingdao, Laoshan: 120.47 E, 36.10 N (UTM zone 51N)
LON, LAT = 120.47, 36.10


def _points(seed: int = 0) -> gpd.GeoSeries:
    rng = np.random.default_rng(seed)
    # 300 points spread over ~2 km and a tight cluster of 200 about 1 km east of the centre.
    spread = rng.normal(0, 0.01, size=(300, 2))
    cluster = rng.normal(0, 0.0008, size=(200, 2)) + np.array([0.011, 0.0])
    xy = np.vstack([spread, cluster]) + np.array([LON, LAT])
    return gpd.GeoSeries(shapely.points(xy), crs="EPSG:4326")


def test_density_keeps_the_mass_and_peaks_on_the_cluster() -> None:
    surface = kernel_density(_points(), cell_size=25.0, bandwidth=300.0)
    assert surface.crs == "EPSG:32651"
    assert surface.points == 500
    cell_km2 = (25.0 / 1000) ** 2
    assert surface.array.sum() * cell_km2 == pytest.approx(500, rel=0.02)
    row, col = np.unravel_index(surface.array.argmax(), surface.array.shape)
    minx, _, _, maxy = surface.bounds
    peak_x, peak_y = minx + (col + 0.5) * 25.0, maxy - (row + 0.5) * 25.0
    lon, lat = (
        gpd.GeoSeries(shapely.points([peak_x], [peak_y]), crs=surface.crs).to_crs(4326)[0].coords[0]
    )
    assert lon == pytest.approx(LON + 0.011, abs=0.001)
    assert lat == pytest.approx(LAT, abs=0.001)
    west, south, east, north = surface.bounds_wgs84
    assert west < LON - 0.02 and east > LON + 0.02 and south < LAT - 0.02 and north > LAT + 0.02


def test_default_bandwidth_follows_the_spread() -> None:
    wide = kernel_density(_points(), cell_size=50.0)
    assert 100.0 < wide.bandwidth < 1000.0


def test_points_without_crs_are_refused() -> None:
    with pytest.raises(InputError, match="no CRS"):
        kernel_density(gpd.GeoSeries(shapely.points([[0, 0]])))
