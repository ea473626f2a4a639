"""Laoshan at full scale: the figures the issue names."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geogrid.crs import metric_crs
from geogrid.synth import synth_city

from ._checks import tiling_errors


@pytest.mark.slow
def test_laoshan_full_scale() -> None:
    layers = synth_city("370212", seed=1)
    streets, comms, b = layers["streets"], layers["communities"], layers["buildings"]
    assert len(streets) == 5
    assert len(comms) == 167
    assert int(b["households"].sum()) == 178_701
    assert 55_000 <= len(b) <= 75_000  # about the 65,078 buildings of Laoshan's platform
    kinds = comms["area_type"].value_counts()
    assert kinds["urban_community"] == 87
    assert kinds[["village", "general_rural", "mountainous"]].sum() == 80
    assert kinds["mountainous"] > 0 and kinds["general_rural"] > 0
    crs = metric_crs(comms)
    metric = comms.to_crs(crs)
    gap, overlap = tiling_errors(layers["districts"].to_crs(crs).geometry.iloc[0], metric.geometry)
    assert gap <= 1.0 and overlap <= 1.0
    area = metric.assign(km2=metric.area / 1e6).groupby("area_type")["km2"].median()
    assert area["urban_community"] < area["village"] < area["mountainous"] * 2
    rural = b[
        b["building_id"].str[:12].isin(comms.loc[comms["area_type"] != "urban_community", "code"])
    ]
    assert rural.loc[rural["use"] == "residential", "levels"].between(1, 3).all()
    assert isinstance(layers["roads"], gpd.GeoDataFrame)
