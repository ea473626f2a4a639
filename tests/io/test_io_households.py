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
    use_summary,
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


def test_estimate_weighs_each_building_by_its_use() -> None:
    # five 100 m x 90 m footprints of 2 levels on UTM 50N's central meridian at 36 N (no
    # distortion to speak of): 18,000 m² of floor each, so
    # 18,000 x 0.85 / 90 = 170 households for homes, 85 for a mixed building at half, 0 for a
    # school (GB 50137's A33) and a park's parcel; a use no table knows is read as homes
    geoms = [box(x, 3_990_000, x + 100, 3_990_090) for x in range(500_000, 501_000, 200)]
    frame = gpd.GeoDataFrame(
        {"levels": [2] * 5, "use": ["住宅", "商住楼", "A33", "G1", "yes"]},
        geometry=geoms,
        crs="EPSG:32650",
    )
    out, assumptions = fill_households(frame, settings=HouseholdSettings())
    assert out["households"].tolist() == [170, 85, 0, 0, 170]
    assert assumptions["by_use"] == {"green": 1, "mixed": 1, "none": 1, "residential": 1,
                                     "school": 1}  # fmt: skip
    assert assumptions["unknown_uses"] == {"yes": 1}
    assert use_summary(assumptions) == (
        "2 of a non-residential use at 0: green 1, school 1; 1 mixed-use at 0.5 of their "
        "floor; use not known, estimated as homes: yes 1"
    )


def test_a_floor_area_or_a_parcels_ratio_gives_the_floor_before_levels() -> None:
    # the same 100 m x 90 m footprints (9,000 m²): a floor area of 27,000 m² (建筑面积) is
    # 27,000 x 0.85 / 90 = 255 households whatever the levels, written "２７,０００ ㎡" too; a
    # parcel's ratio (容积率) of 2.5 is 22,500 m², 212.5; a floor area "约1200" is not read,
    # nor a ratio of 25 (a slip for 2.5: 2,125 households) or an infinite one: 3 levels, 255
    geoms = [box(x, 3_990_000, x + 100, 3_990_090) for x in range(500_000, 501_200, 200)]
    frame = gpd.GeoDataFrame(
        {
            "levels": [6, None, 3, 3, 3, 6],
            "floor_area": [27_000, None, "约1200", None, None, "２７,０００ ㎡"],
            "floor_area_ratio": [None, 2.5, None, 25, "inf", None],
        },
        geometry=geoms,
        crs="EPSG:32650",
    )
    estimate = estimate_households(frame, settings=HouseholdSettings())
    assert estimate.round(3).tolist() == [255.0, 212.5, 255.0, 255.0, 255.0, 255.0]
    _, assumptions = fill_households(frame, settings=HouseholdSettings())
    assert assumptions["floor_from"] == {"floor_area": 2, "floor_area_ratio": 1, "levels": 3,
                                         "not_read": 3}  # fmt: skip
    assert use_summary(assumptions) == (
        "floor from floor area 2, floor area ratio 1, levels 3, not read 3 (not read: not a "
        "positive number, or a ratio over 15; footprint x levels used)"
    )
