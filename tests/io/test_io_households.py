"""Household estimation and exact integer allocation (no database)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _corpus import LIECHTENSTEIN
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import box

from geogrid.errors import InputError
from geogrid.households import (
    HouseholdTotal,
    estimate_households,
    fill_households,
    largest_remainder,
)
from geogrid.settings import HouseholdSettings


@given(
    st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=1, max_size=60),
    st.integers(min_value=0, max_value=100_000),
)
def test_largest_remainder_adds_up_and_stays_within_one_of_the_quota(
    weights: list[float], total: int
) -> None:
    out = largest_remainder(np.array(weights), total)
    assert out.sum() == total
    w = np.array(weights) if sum(weights) > 0 else np.ones(len(weights))
    quota = w / w.sum() * total
    assert np.all(np.abs(out - quota) < 1)


def test_largest_remainder_refuses_nonsense() -> None:
    with pytest.raises(InputError):
        largest_remainder(np.array([1.0, -1.0]), 3)
    with pytest.raises(InputError, match="no buildings"):
        largest_remainder(np.array([]), 3)


def _buildings() -> gpd.GeoDataFrame:
    # 0.001 x 0.001 degrees at 36.1 N: about 90 m x 111 m; and a 5 m x 5 m shed
    geoms = [box(120.6, 36.1, 120.601, 36.101), box(120.61, 36.1, 120.61005, 36.10005)]
    return gpd.GeoDataFrame({"levels": [6, None]}, geometry=geoms, crs=4326)


def test_estimate_uses_footprint_levels_share_and_dwelling_size() -> None:
    settings = HouseholdSettings(dwelling_size_m2=100, residential_share=0.5, default_levels=1)
    estimate = estimate_households(_buildings(), settings=settings)
    area = abs(Geod(ellps="WGS84").geometry_area_perimeter(_buildings().geometry[0])[0])
    assert estimate[0] == pytest.approx(area * 6 * 0.5 / 100, rel=0.005)
    assert estimate[1] == 0  # below the minimum footprint


def test_fill_keeps_given_counts_and_marks_sources() -> None:
    frame = _buildings().assign(households=[None, 7])
    out, assumptions = fill_households(frame)
    assert out["households"].tolist()[1] == 7
    assert out["households_source"].tolist() == ["estimated", "given"]
    assert assumptions["given"] == 1 and assumptions["estimated"] == 1
    assert assumptions["dwelling_size_m2"] == HouseholdSettings().dwelling_size_m2


def test_fill_scales_to_a_total_inside_the_scope_only() -> None:
    base = gpd.read_file(LIECHTENSTEIN / "li_buildings.geojson")
    frame = base[["geometry"]].assign(households=pd.Series([25] + [None] * (len(base) - 1)))
    scope = pd.Series(np.arange(len(frame)) < 2000, index=frame.index)
    out, assumptions = fill_households(
        frame, total=HouseholdTotal(5000, "test", "x"), in_scope=scope
    )
    assert out.loc[scope, "households"].sum() == 5000
    assert out.loc[0, "households"] == 25
    raw = estimate_households(frame)[~scope]
    outside = out.loc[~scope, "households"].astype(float)
    assert outside.sum() == round(raw.sum())  # not scaled, only rounded
    assert (outside - raw).abs().max() < 1
    assert assumptions["total"] == 5000 and assumptions["scale_factor"] > 0


def test_total_below_the_given_counts_is_refused() -> None:
    frame = _buildings().assign(households=[300, None])
    with pytest.raises(InputError, match="exceed the total 100"):
        fill_households(frame, total=HouseholdTotal(100, "test"))
