"""Helpers of the import tests: the bad-file corpus, Liechtenstein, and store snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shapely

from geogrid.importer import ImportOptions, import_file
from geogrid.schema import LAYERS
from geogrid.store import Store
from geogrid.store.layers import layer_counts, layer_sources, read_layer

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad"
LIECHTENSTEIN = Path(__file__).resolve().parents[1] / "data" / "liechtenstein"


def snapshot(store: Store) -> dict[str, Any]:
    """Everything an import could change: counts, every feature of every layer, the sources."""
    with store.engine.connect() as conn:
        layers = {}
        for name, spec in LAYERS.items():
            frame = read_layer(conn, name)
            frame["wkb"] = shapely.to_wkb(frame.geometry.to_numpy(), hex=True)
            layers[name] = (
                frame.drop(columns="geometry")
                .sort_values(spec.id_field)
                .astype(str)
                .values.tolist()
            )
        return {"counts": layer_counts(conn), "layers": layers, "sources": layer_sources(conn)}


def load_base(store: Store, *, buildings: bool = False) -> None:
    """The good streets and communities (and buildings) the bad files are checked against."""
    import_file(store, CORPUS / "base_streets.geojson", ImportOptions(layer="streets"))
    import_file(store, CORPUS / "base_communities.geojson", ImportOptions(layer="communities"))
    if buildings:
        import_file(store, CORPUS / "base_buildings.geojson", ImportOptions(layer="buildings"))


def save_two_level_plan(db: Path) -> None:
    """Plan 1 in the SpatiaLite file ``db``: one basic grid of 400 households in community
    370212001001 and its two micro grids of 150 and 250 households."""
    import geopandas as gpd
    from shapely.geometry import box

    from geogrid.settings import StoreSettings
    from geogrid.store import open_store, save_plan

    store = open_store(StoreSettings(database_url=f"sqlite:///{db}"))
    basic = gpd.GeoDataFrame(
        {"code": ["37021200100101"], "parent_code": ["370212001001"], "households": [400]},
        geometry=[box(120.40, 36.10, 120.41, 36.11)],
        crs=4326,
    )
    micro = gpd.GeoDataFrame(
        {"code": ["3702120010010101", "3702120010010102"], "households": [150, 250]},
        geometry=[box(120.40, 36.10, 120.405, 36.11), box(120.405, 36.10, 120.41, 36.11)],
        crs=4326,
    )
    with store.transaction() as conn:
        assert save_plan(conn, {"basic": basic, "micro": micro}, author="t") == 1
    store.dispose()
