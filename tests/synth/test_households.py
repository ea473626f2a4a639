"""Households are integers, skewed, and add up exactly at every level."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geogrid import boundaries
from geogrid.synth import synth_city


def test_households_add_up_to_the_census(xigang: dict[str, gpd.GeoDataFrame]) -> None:
    census = boundaries.census_households("210203")
    b = xigang["buildings"]
    assert b["households"].dtype.kind == "i"
    assert int(b["households"].sum()) == census
    assert int(xigang["communities"]["households"].sum()) == census
    assert (b["households_source"] == "given").all()


def test_each_community_holds_its_households(xigang: dict[str, gpd.GeoDataFrame]) -> None:
    b = xigang["buildings"]
    per = b.groupby(b["building_id"].str[:12])["households"].sum()
    expected = xigang["communities"].set_index("code")["households"]
    assert per.reindex(expected.index, fill_value=0).tolist() == expected.tolist()


def test_households_are_skewed_and_non_residential_hold_none(
    xigang: dict[str, gpd.GeoDataFrame],
) -> None:
    b = xigang["buildings"]
    res = b[b["use"] == "residential"]
    assert (res["households"] >= 1).all()
    assert (b.loc[b["use"] != "residential", "households"] == 0).all()
    assert {"school", "hospital"} <= set(b["use"])
    big = res["households"].between(100, 300)
    assert 0 < big.sum() < 0.2 * len(res)
    towers = res[res["levels"] >= 6]
    assert towers["levels"].between(6, 33).all()
    assert res.loc[res["levels"] < 6, "households"].between(1, 2).mean() > 0.9


@pytest.mark.parametrize(
    ("kwargs", "expected"), [({"scale": 2.0}, 253_604), ({"households": 5000}, 5000)]
)
def test_scale_and_households_set_the_total(kwargs: dict[str, float], expected: int) -> None:
    layers = synth_city("210203", seed=3, **kwargs)  # type: ignore[arg-type]
    assert int(layers["buildings"]["households"].sum()) == expected
    assert int(layers["communities"]["households"].sum()) == expected


def test_a_bigger_scale_makes_more_buildings(xigang: dict[str, gpd.GeoDataFrame]) -> None:
    double = synth_city("210203", seed=1, scale=2.0)
    assert len(double["buildings"]) > 1.3 * len(xigang["buildings"])
