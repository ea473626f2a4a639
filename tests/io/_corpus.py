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
