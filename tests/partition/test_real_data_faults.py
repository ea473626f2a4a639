"""Faults found on real data (issue 12), each kind with the right value written out.

Hand-built inputs in UTM 51N (metres), so every expected figure can be worked out on paper.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geogrid.errors import InputError
from geogrid.partition.engine import partition_plan

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0
CODE = "370212001001"


def _community(x0: float = X0, width: float = 600.0, code: str = CODE) -> gpd.GeoDataFrame:
    box = shapely.box(x0, Y0, x0 + width, Y0 + 600.0)
    return gpd.GeoDataFrame(
        {"code": [code], "area_type": ["urban_community"]}, geometry=[box], crs=UTM
    )


def _houses(rows: int, cols: int, households: int, *, x0: float = X0) -> list[tuple]:
    """A lattice of 12 m x 12 m houses 50 m apart inside the community."""
    out = []
    for r in range(rows):
        for c in range(cols):
            x, y = x0 + 40 + 50 * c, Y0 + 40 + 50 * r
            out.append((f"H{r}-{c}", households, shapely.box(x, y, x + 12, y + 12)))
    return out


def _buildings(rows: list[tuple]) -> gpd.GeoDataFrame:
    ids, hh, geoms = zip(*rows, strict=True)
    return gpd.GeoDataFrame({"building_id": ids, "households": hh}, geometry=list(geoms), crs=UTM)


def test_buildings_outside_every_parent_are_placed_or_listed_never_lost() -> None:
    rows = _houses(6, 6, 10)  # 360 households inside
    east = X0 + 600.0
    rows += [
        ("A", 20, shapely.box(east - 8, Y0 + 300, east + 12, Y0 + 320)),  # 40% inside
        ("B", 15, shapely.box(east + 20, Y0 + 100, east + 32, Y0 + 112)),  # 20 m outside
        ("C", 25, shapely.box(east + 300, Y0 + 100, east + 312, Y0 + 112)),  # 300 m outside
    ]
    plan = partition_plan(_community(), _buildings(rows), reach_m=50.0)
    acc = plan.report["households"]
    assert acc["households_in"] == 420
    assert acc["in_grids"] == {"basic": 395, "micro": 395}
    assert acc["unassigned_households"] == 25
    assert acc["balanced"] is True
    assert [(u["building"], u["households"], u["reason"]) for u in acc["unassigned"]] == [
        ("C", 25, "outside_every_parent")
    ]
    assert acc["unassigned"][0]["distance_m"] == 300.0
    assert acc["placed_from_outside"] == {
        "overlap": {"buildings": 1, "households": 20},
        "nearest": {"buildings": 1, "households": 15},
    }
    assert int(plan.grids["basic"].households.sum()) == 395
    # list first in the report: the account comes before the levels
    assert next(iter(plan.report)) == "households"


def test_buildings_of_parents_left_out_are_listed_with_their_reason() -> None:
    comm = gpd.GeoDataFrame(
        pd_concat([_community(), _community(X0 + 600, code="370212001002")]), crs=UTM
    )
    rows = _houses(6, 6, 10) + _houses(6, 6, 10, x0=X0 + 600)
    rows = [(f"{i}", h, g) for i, (_, h, g) in enumerate(rows)]
    plan = partition_plan(comm, _buildings(rows), only=["370212001001"])
    acc = plan.report["households"]
    assert acc["in_grids"]["basic"] == 360
    assert acc["unassigned_by_reason"] == {
        "parent_not_divided": {"buildings": 36, "households": 360}
    }


def pd_concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


def test_overlapping_parents_are_refused_naming_both_and_the_area() -> None:
    comm = gpd.GeoDataFrame(
        pd_concat([_community(), _community(X0 + 590, code="370212001002")]), crs=UTM
    )
    rows = _houses(6, 6, 10)
    with pytest.raises(InputError) as err:
        partition_plan(comm, _buildings(rows))
    text = str(err.value)
    assert "370212001001 and 370212001002 overlap by 6000.0 m²" in text


def test_an_over_band_building_is_a_grid_alone_and_exemptions_are_counted() -> None:
    # a tower of 820 households beside eight houses of 25: the houses (200) fit no grid of
    # 300-500 on their own, yet they must not be put into the tower's grid
    rows = [("T", 820, shapely.box(X0 + 40, Y0 + 250, X0 + 100, Y0 + 310))]
    rows += [
        (f"H{i}", 25, shapely.box(X0 + 300 + 60 * (i % 4), Y0 + 200 + 100 * (i // 4), X0 + 312 + 60 * (i % 4), Y0 + 212 + 100 * (i // 4)))
        for i in range(8)
    ]  # fmt: skip
    plan = partition_plan(_community(), _buildings(rows))
    basic = plan.grids["basic"]
    assert sorted(basic.households.tolist()) == [200, 820]
    assert sorted(basic.buildings.tolist()) == [1, 8]
    report = plan.report["basic"]
    assert report["over_band_building_shared"] == 0
    assert report["exemptions"]["single_over_band_building"] == 1
    assert report["exemptions"]["parent_too_small"] == 1
    # the headline counts every grid: neither is within 300-500
    assert report["within_band_share"] == 0.0
    assert report["misses"] == 0


def test_empty_basic_grids_are_listed() -> None:
    rows = _houses(6, 6, 10)
    plan = partition_plan(_community(), _buildings(rows))
    assert plan.report["basic"]["empty_grids"] == []
    assert plan.report["basic"]["within_band_share"] == 1.0
