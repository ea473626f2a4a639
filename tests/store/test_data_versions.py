"""Data versions: every write transaction bumps its layer's counter, a rolled-back one does not."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geogrid.errors import Conflict
from geogrid.store import Store, publish_plan, save_plan, write_layer
from geogrid.store.incident_bulk import attribute_incidents, import_incidents
from geogrid.store.incidents import flag_overdue, report_incident, transition
from geogrid.store.versions import bump_data_version, data_version, data_versions

BOX = box(120.45, 36.10, 120.46, 36.11)


def _buildings(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"building_id": [f"b{i}" for i in range(n)], "households": [10] * n},
        geometry=[
            box(120.45 + i * 1e-4, 36.10, 120.45 + (i + 0.5) * 1e-4, 36.1001) for i in range(n)
        ],
        crs="EPSG:4326",
    )


def _plan() -> dict[str, gpd.GeoDataFrame]:
    basic = gpd.GeoDataFrame(
        {"code": ["37021200100101"], "parent_code": ["370212001001"]}, geometry=[BOX], crs=4326
    )
    return {"basic": basic}


def test_a_layer_that_was_never_written_is_version_0(store: Store) -> None:
    assert store.data_versions() == {}
    assert store.data_version("buildings") == 0


def test_layer_imports_bump_their_layer_only(store: Store) -> None:
    for _ in range(2):
        with store.transaction() as conn:
            write_layer(conn, "buildings", _buildings(3), source_file="b.geojson", source_crs="x")
    assert store.data_versions() == {"buildings": 2}


def test_a_rolled_back_write_leaves_the_version(store: Store) -> None:
    with store.transaction() as conn:
        write_layer(conn, "buildings", _buildings(1), source_file="b.geojson", source_crs="x")
    with pytest.raises(RuntimeError), store.transaction() as conn:
        write_layer(conn, "buildings", _buildings(2), source_file="b.geojson", source_crs="x")
        assert data_version(conn, "buildings") == 1  # its own bump lands at its commit
        raise RuntimeError("abort")
    assert store.data_version("buildings") == 1


def test_plans_bump_the_plan_list_and_their_grids(store: Store) -> None:
    with store.transaction() as conn:
        first = save_plan(conn, _plan(), author="a")
    with store.transaction() as conn:
        second = save_plan(conn, _plan(), author="b")
    assert store.data_versions() == {"plans": 2, f"plan:{first}": 1, f"plan:{second}": 1}
    with store.transaction() as conn:
        publish_plan(conn, first)
    with store.transaction() as conn:
        publish_plan(conn, second)  # archives the first: its status changed too
    assert store.data_versions() == {"plans": 4, f"plan:{first}": 3, f"plan:{second}": 2}


def test_incident_writes_bump_incidents(store: Store) -> None:
    with store.transaction() as conn:
        plan = save_plan(conn, _plan(), author="a")
        publish_plan(conn, plan)
    record = {"ref": "R1", "lon": 120.455, "lat": 36.105, "category": "030101"}
    record["reported_at"] = "2025-03-03T09:00:00+08:00"
    with store.transaction() as conn:
        incident = report_incident(conn, record, actor="worker")
    assert store.data_version("incidents") == 1
    with store.transaction() as conn:
        transition(conn, incident["id"], "accept", actor="centre")
    assert store.data_version("incidents") == 2
    with store.transaction() as conn:
        frame = pd.DataFrame([record | {"ref": "R2"}, record | {"ref": "R3"}])
        import_incidents(conn, frame, source_file="batch.csv")
    assert store.data_version("incidents") == 3
    with store.transaction() as conn:
        attribute_incidents(conn, plan)
    assert store.data_version("incidents") == 4
    with store.transaction() as conn:
        assert flag_overdue(conn, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert store.data_version("incidents") >= 5
    with store.transaction() as conn:  # nothing left to flag: nothing changed
        before = data_version(conn, "incidents")
        assert flag_overdue(conn, now=datetime(2026, 1, 1, tzinfo=UTC)) == []
    assert store.data_version("incidents") == before


def test_a_refused_incident_does_not_bump(store: Store) -> None:
    record = {"ref": "R1", "lon": 120.455, "lat": 36.105, "category": "030101"}
    with store.transaction() as conn:
        report_incident(conn, record, actor="worker")
    with pytest.raises(Conflict), store.transaction() as conn:
        report_incident(conn, record, actor="worker")
    assert data_versions(store.engine) == {"incidents": 1}


def test_several_bumps_in_one_transaction_count_once(store: Store) -> None:
    with store.transaction() as conn:
        for _ in range(3):
            bump_data_version(conn, "staff")
    assert store.data_version("staff") == 1
    with store.transaction() as conn:
        bump_data_version(conn, "staff")
    assert store.data_version("staff") == 2
