"""Staff registry and stored analytic results on SpatiaLite and PostGIS."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from analytics_store import HOT, basic_code, incidents, planted

from geogrid.analytics import run_coverage, run_emerging, run_hotspots, run_recommend
from geogrid.errors import NotFound
from geogrid.settings import HotspotSettings
from geogrid.store import Store
from geogrid.store.incident_bulk import import_incidents
from geogrid.store.staff import (
    hotspot_method,
    read_assignments,
    read_result,
    read_staff,
    save_staff,
)


def _people() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    people = gpd.GeoDataFrame(
        {
            "staff_id": ["W1", "P1"],
            "role": ["grid_worker", "community_police"],
            "name": ["张三", "李四"],
            "phone": ["13800000001", "13800000002"],
        },
        geometry=[shapely.Point(120.452, 36.102), None],
        crs="EPSG:4326",
    )
    assignments = pd.DataFrame(
        {
            "staff_id": ["W1", "P1"],
            "role": ["grid_worker", "community_police"],
            "grid_code": [basic_code(0, 0), "370212001001"],
        }
    )
    return people, assignments


def test_staff_round_trip_keeps_personal_data_out_unless_asked(store: Store) -> None:
    people, assignments = _people()
    with store.transaction() as conn:
        planted(conn)
        save_staff(conn, people, assignments, source_file="s.csv", source_crs="EPSG:4326")
    assert store.data_version("staff") == 1
    plain = read_staff(store.engine)
    assert list(plain.columns) == ["staff_id", "role", "grid_codes", "geometry"]
    assert plain.set_index("staff_id").loc["P1", "grid_codes"] == "370212001001"
    personal = read_staff(store.engine, include_personal=True).set_index("staff_id")
    assert personal.loc["W1", "name"] == "张三"
    assert personal.loc["W1", "geometry"].equals_exact(shapely.Point(120.452, 36.102), 1e-9)
    assert personal.loc["P1", "geometry"] is None
    assert len(read_assignments(store.engine)) == 2


def test_hot_spots_are_stored_per_data_version_and_read_back_by_grid_code(store: Store) -> None:
    with store.transaction() as conn:
        plan_id = planted(conn)
    record, frame = run_hotspots(store, plan_id, settings=HotspotSettings(permutations=999))
    hot = set(frame.index[frame["bin"] >= 2])
    assert (
        {basic_code(0, 0), basic_code(1, 1)}
        <= hot
        <= HOT | {basic_code(i, j) for i in range(4) for j in range(4)}
    )
    assert record["summary"]["incidents"] == int(frame["incidents"].sum())
    # How the bins were made is part of the stored result, for every legend that shows it.
    summary = record["summary"]
    assert summary["method"] == "Gi* z-score, normal p (two-sided), FDR (Benjamini-Hochberg)"
    assert (summary["inference"], summary["correction"], summary["permutations"]) == (
        "normal",
        "fdr_bh",
        999,
    )
    assert record["params"]["inference"] == "normal" and record["params"]["fdr"] is True
    assert hotspot_method(store.engine, record["id"]) == summary["method"]
    assert frame["p"].equals(frame["p_norm"]) and frame["p_sim"].between(0.0, 0.5).all()
    meta, layer = read_result(store.engine, kind="hotspots", plan_id=plan_id)
    assert meta["versions"]["incidents"] == store.data_version("incidents")
    assert isinstance(layer, gpd.GeoDataFrame) and layer.crs == "EPSG:4326"
    assert set(layer["code"]) == set(frame.index)
    assert layer.set_index("code").loc[basic_code(1, 1), "label"].startswith("hot_")
    # New incidents make the stored result stale: it is no longer served as current.
    extra = incidents(seed=9).head(1).assign(id="X-1")
    with store.transaction() as conn:
        import_incidents(conn, extra, source_file="x.csv", plan_id=plan_id)
    with pytest.raises(NotFound):
        read_result(store.engine, kind="hotspots", plan_id=plan_id)
    _, old = read_result(store.engine, kind="hotspots", plan_id=plan_id, current_only=False)
    assert len(old) == 64


def test_emerging_coverage_and_recommendations_are_stored(store: Store) -> None:
    people, assignments = _people()
    with store.transaction() as conn:
        plan_id = planted(conn)
        save_staff(conn, people, assignments, source_file="s.csv", source_crs="EPSG:4326")
    record, frame = run_emerging(store, plan_id, step="month")
    assert record["summary"]["steps"] == 12
    assert frame.loc[basic_code(1, 1), "pattern"].endswith("hot_spot")
    record, per_grid, _ = run_coverage(store, plan_id)
    assert record["summary"]["unmanned"]["basic"] == 63  # only W1's grid has a worker
    assert not per_grid.loc[basic_code(0, 0), "unmanned"]
    assert record["summary"]["missing_community_police"] == 0
    _, layer = read_result(store.engine, kind="coverage", plan_id=plan_id)
    assert len(layer) == 64 + 256 and layer.crs == "EPSG:4326"
    assert layer.set_index("code").loc[basic_code(0, 1), "unmanned"]
    record, sites, found = run_recommend(store, plan_id, add=3, radius=400.0, time_limit=5.0)
    assert len(sites) == 3 and found.objective >= found.baseline
    assert found.objective <= found.bound
    _, layer = read_result(store.engine, kind="recommend", plan_id=plan_id, level="micro")
    assert sorted(layer["rank"]) == [1, 2, 3]
