"""Natural villages (自然村) on the store route: ``geogrid partition`` on the store reads the
stored natural_villages layer and keeps each village in one grid where it fits, the same grids
as the engine draws from the same frames (``partition_plan(villages=...)``). The data: one
village parent, a row of 40 houses (600 households), two natural villages of 240 and 360
(``tests/_villages.py``); the API's jobs are in ``tests/api/plans/test_partition_jobs.py``."""

from __future__ import annotations

from pathlib import Path

import shapely
from _cli import run_geogrid
from _villages import (
    EAST_HOUSEHOLDS,
    PARENT,
    UTM,
    WEST_HOUSEHOLDS,
    natural_villages,
    row_of_houses,
    village_parent,
)

from geogrid.partition.engine import partition_plan
from geogrid.partition_jobs import BARRIERS, parents_of, partition_store, store_layers
from geogrid.settings import StoreSettings
from geogrid.store import Store, open_store, plan_info, read_plan, write_layer

KEPT_WHOLE = {"settlements": 2, "fit_band": 2, "split": 0, "split_fitting": 0}


def _fill(store: Store, *, villages: bool = True) -> None:
    frames = {"communities": village_parent, "buildings": row_of_houses}
    if villages:
        frames["natural_villages"] = natural_villages
    with store.transaction() as conn:
        for name, make in frames.items():
            write_layer(conn, name, make("EPSG:4326"), source_file="t", source_crs="EPSG:4326")


def test_the_store_route_keeps_each_natural_village_in_one_grid(store: Store) -> None:
    _fill(store)
    plan_id, report = partition_store(store)
    assert report["basic"]["settlements"] == KEPT_WHOLE
    stored = read_plan(store.engine, plan_id, "basic").set_index("code").to_crs(UTM)
    assert sorted(stored["households"]) == [WEST_HOUSEHOLDS, EAST_HOUSEHOLDS]
    assert plan_info(store.engine, plan_id)["built_from"]["natural_villages"] == 1
    # the engine on the frames the store holds draws the same grids
    layers = store_layers(store)
    plan = partition_plan(
        parents_of(layers),
        layers["buildings"],
        **{name: layers[name] for name in BARRIERS},
        streets=layers["streets"],
        villages=layers["natural_villages"],
    )
    engine = plan.grids["basic"].set_index("code").to_crs(UTM)
    assert list(stored.index) == list(engine.index)
    assert list(stored["households"]) == list(engine["households"])
    for code in engine.index:
        apart = shapely.symmetric_difference(stored.geometry[code], engine.geometry[code])
        assert apart.area < 0.01, code  # m²: the same grid, up to storage rounding


def test_without_natural_villages_the_row_is_one_settlement_too_big(store: Store) -> None:
    _fill(store, villages=False)
    _, report = partition_store(store)
    assert report["basic"]["settlements"]["settlements"] == 1
    assert report["basic"]["settlements"]["fit_band"] == 0  # 600 households > the band's 400


def test_import_then_partition_on_the_command_line(tmp_path: Path) -> None:
    """The tester's route: ``geogrid import nv.geojson --layer natural_villages``, then
    ``geogrid partition`` on the store."""
    db = tmp_path / "g.sqlite"
    files = {
        "communities": village_parent("EPSG:4326"),
        "buildings": row_of_houses("EPSG:4326"),
        "nv": natural_villages("EPSG:4326"),
    }
    for name, frame in files.items():
        frame.to_file(tmp_path / f"{name}.geojson", engine="pyogrio")
        kind = ["--layer", "natural_villages"] if name == "nv" else []
        done = run_geogrid("import", str(tmp_path / f"{name}.geojson"), *kind, db=db)
        assert done.returncode == 0, done.stderr
    done = run_geogrid("partition", db=db)
    assert done.returncode == 0, done.stderr
    plan_id = int(done.stdout.split("stored draft plan")[1].split()[0])
    store = open_store(StoreSettings(database_url=f"sqlite:///{db}"))
    try:
        basic = read_plan(store.engine, plan_id, "basic")
        assert sorted(basic["households"]) == [WEST_HOUSEHOLDS, EAST_HOUSEHOLDS]
        assert plan_info(store.engine, plan_id)["report"]["basic"]["settlements"] == KEPT_WHOLE
    finally:
        store.dispose()


def test_a_redraw_keeps_the_natural_villages_imported_since(store: Store) -> None:
    """A plan drawn before the villages were imported (one settlement of 600, split), redrawn
    on the store once they are: the parent divided again keeps each village whole."""
    _fill(store, villages=False)
    first, _ = partition_store(store)
    with store.transaction() as conn:
        frame = natural_villages("EPSG:4326")
        write_layer(conn, "natural_villages", frame, source_file="t", source_crs="EPSG:4326")
    redrawn, _ = partition_store(store, based_on=first, only=[PARENT])
    basic = read_plan(store.engine, redrawn, "basic")
    assert sorted(basic["households"]) == [WEST_HOUSEHOLDS, EAST_HOUSEHOLDS]
    assert plan_info(store.engine, redrawn)["based_on"] == first
