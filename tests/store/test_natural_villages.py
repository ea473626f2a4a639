"""Natural villages (自然村) on both stores: imported from a file as their own layer kind, read
back, counted and versioned; an unknown ``--layer`` kind is named as such (not as a missing
layer of the file); the migration adds the table with its spatial index and drops it again."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from _villages import natural_villages
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from geogrid.errors import InputError
from geogrid.importer import ImportOptions, import_file
from geogrid.schema import LAYERS
from geogrid.store import Store, layer_counts, layer_sources, read_layer
from geogrid.store.engine import _MIGRATIONS, write_transaction

BEFORE = "0005_kpi_kpi_answers"  # the revision before natural_villages


def _file(tmp_path: Path, name: str = "nv") -> Path:
    """The two natural villages as GeoJSON, named like the tester's file (``nv``)."""
    path = tmp_path / f"{name}.geojson"
    natural_villages("EPSG:4326").to_file(path, engine="pyogrio")
    return path


def test_natural_villages_import_into_the_store_and_read_back(store: Store, tmp_path: Path) -> None:
    result = import_file(store, _file(tmp_path), ImportOptions(layer="natural_villages"))
    assert result.written == {"natural_villages": 2}
    back = read_layer(store.engine, "natural_villages").set_index("village_id")
    given = natural_villages("EPSG:4326").set_index("village_id")
    assert sorted(back.index) == ["NV-E", "NV-W"]
    assert back.loc["NV-W", "name"] == "王家庄" and back.loc["NV-E", "name"] == "李家屯"
    assert not back["synthetic"].any()
    assert back.crs.to_epsg() == 4326
    for vid in given.index:
        assert shapely.equals_exact(back.geometry[vid], given.geometry[vid], tolerance=1e-9)
    assert layer_counts(store.engine)["natural_villages"] == 2
    assert store.data_version("natural_villages") == 1
    sources = {s["layer"]: s for s in layer_sources(store.engine)}
    assert sources["natural_villages"]["source_file"].endswith("nv.geojson")


def test_a_file_named_after_the_kind_needs_no_layer_option(
    spatialite_store: Store, tmp_path: Path
) -> None:
    path = _file(tmp_path, "natural_villages")
    assert import_file(spatialite_store, path).written == {"natural_villages": 2}


def test_an_unknown_layer_kind_is_said_to_be_one(spatialite_store: Store, tmp_path: Path) -> None:
    path = _file(tmp_path)
    kinds = ", ".join(LAYERS)
    expected = (
        f"unknown layer kind 'natural_village'; --layer takes a layer kind ({kinds}), or the "
        "name of a layer of the file (nv), as NAME or NAME:KIND"
    )
    for layer in ("natural_village", "nv:natural_village"):
        with pytest.raises(InputError) as raised:
            import_file(spatialite_store, path, ImportOptions(layer=layer))
        assert raised.value.message == expected
    # with the layer chosen by --source-layer, --layer can only be a kind
    with pytest.raises(InputError) as raised:
        import_file(spatialite_store, path, ImportOptions(layer="villages", source_layer="nv"))
    assert (
        raised.value.message
        == f"unknown layer kind 'villages'; --layer takes a layer kind ({kinds})"
    )
    assert layer_counts(spatialite_store.engine)["natural_villages"] == 0


def _alembic(store: Store, action: str, revision: str) -> None:
    with write_transaction(store.engine) as conn:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["connection"] = conn
        getattr(command, action)(config, revision)


def _spatially_indexed(store: Store) -> bool:
    if store.kind == "spatialite":
        sql = (
            "SELECT count(*) FROM geometry_columns "
            "WHERE f_table_name = 'natural_villages' AND spatial_index_enabled = 1"
        )
    else:
        sql = (
            "SELECT count(*) FROM pg_indexes "
            "WHERE tablename = 'natural_villages' AND indexdef ILIKE '%USING gist%'"
        )
    with store.engine.connect() as conn:
        return bool(conn.execute(text(sql)).scalar())


def test_the_migration_adds_the_table_with_its_spatial_index_and_drops_it(
    store: Store, tmp_path: Path
) -> None:
    assert _spatially_indexed(store)
    try:
        _alembic(store, "downgrade", BEFORE)
        with store.engine.connect() as conn:
            assert not inspect(conn).has_table("natural_villages")
            assert inspect(conn).has_table("compounds")
    finally:
        _alembic(store, "upgrade", "head")  # the session's store is shared: leave it at head
    with store.engine.connect() as conn:
        assert inspect(conn).has_table("natural_villages")
    assert _spatially_indexed(store)
    path = _file(tmp_path)
    assert import_file(store, path, ImportOptions(layer="natural_villages")).written == {
        "natural_villages": 2
    }
