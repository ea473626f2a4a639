"""A small synthetic city (Xigang, 49 urban communities) shared by the synth tests."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geogrid.crs import metric_crs
from geogrid.synth import synth_city

XIGANG = "210203"


@pytest.fixture(scope="session")
def xigang() -> dict[str, gpd.GeoDataFrame]:
    return synth_city(XIGANG, seed=1)


@pytest.fixture(scope="session")
def xigang_metric(xigang: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    crs = metric_crs(xigang["districts"])
    return {name: frame.to_crs(crs) for name, frame in xigang.items()}
