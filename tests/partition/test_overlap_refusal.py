"""Parents that overlap are refused with the overlap's width and what would take it
(issue 12): --repair for a strip up to 30 m wide, the boundary itself for a wider one, which
--repair refuses too. Two communities 300 m x 600 m in UTM 51N, overlapping by a strip."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geogrid.errors import InputError
from geogrid.partition.engine import partition_plan

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0


def _refusal(overlap_m: float) -> str:
    west = shapely.box(X0, Y0, X0 + 300, Y0 + 600)
    east = shapely.box(X0 + 300 - overlap_m, Y0, X0 + 600, Y0 + 600)
    parents = gpd.GeoDataFrame(
        {"code": ["370212001001", "370212001002"], "area_type": ["urban_community"] * 2},
        geometry=[west, east],
        crs=UTM,
    )
    house = shapely.box(X0 + 100, Y0 + 100, X0 + 112, Y0 + 112)
    buildings = gpd.GeoDataFrame(
        {"building_id": ["H1"], "households": [10]}, geometry=[house], crs=UTM
    )
    with pytest.raises(InputError) as err:
        partition_plan(parents, buildings)
    return err.value.message


def test_a_narrow_overlap_names_repair() -> None:
    assert _refusal(10.0) == (
        "parents 370212001001 and 370212001002 overlap by 6000.0 m², 10.0 m wide; grids would "
        "copy it: repair the parents first (--repair of 'geogrid partition FILE' or of "
        "'geogrid import' gives an overlap up to 30 m wide to one neighbour; import's "
        "--overlap-m2 only lets it in)"
    )


def test_an_overlap_too_wide_for_repair_says_to_settle_the_boundary() -> None:
    assert _refusal(50.0) == (
        "parents 370212001001 and 370212001002 overlap by 30000.0 m², 50.0 m wide; grids "
        "would copy it: wider than --repair gives away (30 m): two boundaries claim this land, "
        "so draw it into one of them in the source"
    )
