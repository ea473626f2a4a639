"""``geogrid partition`` on the store: read the imported layers, save a draft plan with its report."""

from __future__ import annotations

import os
import subprocess
import sys

import geopandas as gpd
import pytest
import shapely

from geogrid.crs import metric_crs
from geogrid.densify import densified_to_crs
from geogrid.errors import Conflict
from geogrid.partition_jobs import partition_store
from geogrid.store import Store, list_plans, plan_info, read_plan, write_layer
from geogrid.synth import synth_city

LAYERS = ("streets", "communities", "buildings", "roads", "waterways")


@pytest.fixture(scope="module")
def xigang() -> dict[str, gpd.GeoDataFrame]:
    """Synthetic Xigang (49 communities), thinned to 20,000 households to stay fast."""
    return synth_city("210203", seed=3, households=20_000)


def _import(store: Store, city: dict[str, gpd.GeoDataFrame]) -> None:
    with store.transaction() as conn:
        for name in LAYERS:
            write_layer(conn, name, city[name], source_file="synth", source_crs="EPSG:4326")


def _assert_tiles(store: Store, plan_id: int, communities: gpd.GeoDataFrame) -> None:
    metric = metric_crs(communities)
    # edges cut before projecting, as the engine does (geogrid.densify)
    basic = densified_to_crs(read_plan(store.engine, plan_id, "basic"), metric)
    micro = densified_to_crs(read_plan(store.engine, plan_id, "micro"), metric)
    comm = densified_to_crs(communities, metric).set_index("code")
    assert set(basic["parent_code"]) == set(comm.index)
    for code, geom in comm.geometry.items():
        mine = basic[basic["parent_code"] == code].geometry.to_numpy()
        assert shapely.area(shapely.symmetric_difference(geom, shapely.union_all(mine))) < 1.0
    assert set(micro["parent_code"]) == set(basic["code"])
    assert micro["households"].sum() == basic["households"].sum()


def test_partition_store_in_process(store: Store, xigang: dict[str, gpd.GeoDataFrame]) -> None:
    _import(store, xigang)
    seen: list[tuple[int, int]] = []
    plan_id, report = partition_store(
        store, seed=1, author="tester", note="first", progress=lambda d, t: seen.append((d, t))
    )
    info = plan_info(store.engine, plan_id)
    assert info["status"] == "draft" and info["author"] == "tester"
    assert info["report"]["basic"]["count"] == report["basic"]["count"]
    assert seen[-1] == (49, 49)
    _assert_tiles(store, plan_id, xigang["communities"])
    assert report["basic"]["households_min"] >= 0
    assert sum(read_plan(store.engine, plan_id, "basic")["households"]) == int(
        xigang["buildings"]["households"].sum()
    )


def test_partition_command_on_the_store(store: Store, xigang: dict[str, gpd.GeoDataFrame]) -> None:
    _import(store, xigang)
    url = store.engine.url.render_as_string(hide_password=False)
    env = os.environ | {"DATABASE_URL": url}
    run = subprocess.run(
        [sys.executable, "-m", "geogrid", "partition", "--note", "cli", "--author", "cli"],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr
    assert "stored draft plan" in run.stdout and "partition quality" in run.stdout
    plan_id = int(run.stdout.split("stored draft plan")[1].split()[0])
    assert plan_info(store.engine, plan_id)["note"] == "cli"
    _assert_tiles(store, plan_id, xigang["communities"])
    again = subprocess.run(
        [sys.executable, "-m", "geogrid", "partition", "--based-on", str(plan_id)],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert again.returncode == 0, again.stderr
    redrawn = int(again.stdout.split("stored draft plan")[1].split()[0])
    assert plan_info(store.engine, redrawn)["based_on"] == plan_id
    before = read_plan(store.engine, plan_id, "basic").set_index("code")
    after = read_plan(store.engine, redrawn, "basic").set_index("code")
    assert list(after.index) == list(before.index)  # nothing changed, so every grid stays
    assert after.geometry.geom_equals_exact(before.geometry, 1e-9).all()


def test_a_street_without_communities_is_divided_whole(store: Store) -> None:
    city = synth_city("210203", seed=3, households=6_000)
    city["communities"] = city["communities"].iloc[0:0]  # communities unknown
    _import(store, city)
    plan_id, _ = partition_store(store)
    basic = read_plan(store.engine, plan_id, "basic")
    assert set(basic["parent_code"]) == set(city["streets"]["code"])


def test_a_plan_built_from_layers_that_changed_meanwhile_is_refused(
    store: Store, xigang: dict[str, gpd.GeoDataFrame]
) -> None:
    _import(store, xigang)
    first = str(xigang["communities"]["code"].iloc[0])

    def road_edit_meanwhile(done: int, total: int) -> None:  # another user, mid-partition
        if done == 1:
            with store.transaction() as conn:
                write_layer(conn, "roads", xigang["roads"], source_file="edit", source_crs="x")

    with pytest.raises(Conflict, match=r"built from data that changed meanwhile \(roads 1 -> 2\)"):
        partition_store(store, seed=1, only=[first], progress=road_edit_meanwhile)
    assert list_plans(store.engine) == []
    plan_id, _ = partition_store(store, seed=1, only=[first])
    built_from = plan_info(store.engine, plan_id)["built_from"]
    assert built_from == {
        "buildings": 1, "communities": 1, "railways": 0, "roads": 2, "streets": 1, "waterways": 1,
        "natural_villages": 0, "compounds": 0,
    }  # fmt: skip
