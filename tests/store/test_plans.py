"""Grid plans: versioned, one published at a time, grids read back by level."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from geogrid.errors import Conflict, NotFound
from geogrid.store import (
    Store,
    layer_counts,
    list_plans,
    plan_info,
    publish_plan,
    published_plan_id,
    read_plan,
    save_plan,
)


def _level(
    codes: list[str], households: list[int], buildings: list[int], boxes: list[Polygon]
) -> gpd.GeoDataFrame:
    """Grids whose parent is their code without its last 3 digits."""
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "parent_code": [code[:-3] for code in codes],
            "households": households,
            "buildings": buildings,
        },
        geometry=boxes,
        crs="EPSG:4326",
    )


def _grids() -> dict[str, gpd.GeoDataFrame]:
    basic = _level(
        ["370212001001001", "370212001001002"],
        [420, 380],
        [12, 9],
        [box(120.40, 36.10, 120.41, 36.11), box(120.41, 36.10, 120.42, 36.11)],
    )
    micro = _level(
        ["370212001001001001", "370212001001001002"],
        [20, 25],
        [1, 2],
        [box(120.40, 36.10, 120.405, 36.11), box(120.405, 36.10, 120.41, 36.11)],
    )
    return {"basic": basic, "micro": micro}


def test_save_and_read_a_plan(store: Store) -> None:
    report = {"basic": {"count": 2, "within_band_share": 1.0}, "seconds": {"total": 0.1}}
    with store.transaction() as conn:
        plan_id = save_plan(conn, _grids(), report=report, author="planner", note="first draft")
    info = plan_info(store.engine, plan_id)
    assert info["status"] == "draft" and info["report"] == report
    basic = read_plan(store.engine, plan_id, "basic")
    assert list(basic["code"]) == ["370212001001001", "370212001001002"]
    assert list(basic["households"]) == [420, 380]
    # about 1.11 km x 0.9 km at 36 N: the stored area is metric, not degrees
    assert 0.9e6 < basic["area_m2"].iloc[0] < 1.1e6
    assert len(read_plan(store.engine, plan_id)) == 4


def test_publishing_archives_the_previous_plan(store: Store) -> None:
    with store.transaction() as conn:
        first = save_plan(conn, _grids(), author="a")
        second = save_plan(conn, _grids(), author="b", based_on=first)
    with store.transaction() as conn:
        publish_plan(conn, first)
    with store.transaction() as conn:
        publish_plan(conn, second)
    assert published_plan_id(store.engine) == second
    statuses = {p["id"]: p["status"] for p in list_plans(store.engine)}
    assert statuses == {first: "archived", second: "published"}
    with pytest.raises(Conflict, match="only a draft"), store.transaction() as conn:
        publish_plan(conn, first)


def test_duplicate_codes_fail_the_whole_plan(store: Store) -> None:
    grids = _grids()
    grids["micro"].loc[1, "code"] = grids["micro"].loc[0, "code"]
    with pytest.raises(Conflict, match="more than once"), store.transaction() as conn:
        save_plan(conn, grids, author="a")
    counts = layer_counts(store.engine)
    assert counts["grid_plans"] == 0 and counts["grids"] == 0


def test_unknown_plan_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="grid plan 99"):
        read_plan(store.engine, 99)
