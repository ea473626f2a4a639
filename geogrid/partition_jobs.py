"""Partition use cases that wire the store to the engine (for the CLI and the API's job runner).

The engine (``geogrid.partition``) never sees the store: this module reads the layers, picks the
parents, runs a first plan or a redraw, and saves the result as a draft plan with its report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd

from geogrid.errors import InputError
from geogrid.partition.engine import Plan, partition_plan
from geogrid.store import Store, read_layer, read_plan, save_plan
from geogrid.store.versions import data_versions, plan_layer

Progress = Callable[[int, int], None]
BARRIERS = ("roads", "waterways", "railways")
VILLAGES_LAYER = "natural_villages"  # optional polygons of natural villages (自然村)
COMPOUNDS_LAYER = "compounds"  # optional polygons of residential compounds (小区)
# What a partition reads, from the store (versions recorded with the plan, so that villages
# edited meanwhile make the save stale as any other input) or from `geogrid partition FILE`.
INPUT_LAYERS = ("communities", "streets", "buildings", *BARRIERS, VILLAGES_LAYER, COMPOUNDS_LAYER)
FILE_LAYERS = INPUT_LAYERS
PLAN_LEVELS = ("large", "medium", "basic", "micro")


def parents_of(layers: dict[str, gpd.GeoDataFrame | None]) -> gpd.GeoDataFrame:
    """Communities, plus every street that has no community (it is divided as a whole)."""
    comm, streets = layers.get("communities"), layers.get("streets")
    parts = []
    if comm is not None and not comm.empty:
        keep = [c for c in ("code", "area_type") if c in comm.columns]
        parts.append(comm[[*keep, "geometry"]])
    if streets is not None and not streets.empty:
        covered: set[str] = set()
        if comm is not None and not comm.empty:
            street_of = (
                comm["street_code"].fillna(comm["code"].astype(str).str[:9])
                if "street_code" in comm.columns
                else comm["code"].astype(str).str[:9]
            )
            covered = set(street_of.astype(str))
        alone = streets[~streets["code"].astype(str).isin(covered)]
        if not alone.empty:
            parts.append(alone[["code", "geometry"]].to_crs(parts[0].crs if parts else alone.crs))
    if not parts:
        raise InputError("there are no communities or streets to divide; import them first")
    out = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=parts[0].crs)


def run_partition(
    layers: dict[str, gpd.GeoDataFrame | None],
    *,
    levels: Sequence[str] = ("basic", "micro"),
    seed: int = 0,
    only: Sequence[str] | None = None,
    scheduler: str | None = None,
    workers: int = 1,
    current: dict[str, gpd.GeoDataFrame] | None = None,
    dedicated_uses: Sequence[str] = (),
    progress: Progress | None = None,
) -> Plan:
    """A first plan of the layers, or a redraw of ``current`` when it is given.

    ``dedicated_uses`` (school, hospital, ...) gives each such institution a basic grid of its
    own (first plans only). ``workers``: processes planning parents side by side (first plans).
    """
    buildings = layers.get("buildings")
    if buildings is None or buildings.empty:
        raise InputError("there are no buildings to divide by; import or synthesise them first")
    parents = parents_of(layers)
    barriers = {name: layers.get(name) for name in BARRIERS}
    if current is None:
        return partition_plan(
            parents,
            buildings,
            roads=barriers["roads"],
            waterways=barriers["waterways"],
            railways=barriers["railways"],
            levels=levels,
            seed=seed,
            only=only,
            scheduler=scheduler,
            workers=workers,
            dedicated_uses=dedicated_uses,
            streets=layers.get("streets"),
            villages=layers.get(VILLAGES_LAYER),
            compounds=layers.get(COMPOUNDS_LAYER),
            progress=progress,
        )
    if dedicated_uses:
        raise InputError(
            "dedicated institution grids are drawn in a first plan; a redraw keeps the current "
            "plan's grids (leave out --dedicated, or partition afresh)"
        )
    from geogrid.partition.redraw import redraw_plan

    return redraw_plan(
        current, parents, buildings, **barriers, levels=levels, seed=seed, only=only,
        progress=progress, villages=layers.get(VILLAGES_LAYER),
        compounds=layers.get(COMPOUNDS_LAYER),
    )  # fmt: skip


def store_layers(store: Store) -> dict[str, gpd.GeoDataFrame | None]:
    """The partition's input layers as stored (EPSG:4326); natural villages too, so that the
    store route (CLI and the API's jobs) keeps them whole as ``partition FILE`` does."""
    return {name: read_layer(store.engine, name) for name in INPUT_LAYERS}


def stored_plan(store: Store, plan_id: int) -> dict[str, gpd.GeoDataFrame]:
    """A stored plan's grids keyed by level (NotFound when there is no such plan)."""
    grids = read_plan(store.engine, plan_id)
    return {
        level: gpd.GeoDataFrame(grids[grids["level"] == level].reset_index(drop=True))
        for level in PLAN_LEVELS
        if (grids["level"] == level).any()
    }


def partition_store(
    store: Store,
    *,
    levels: Sequence[str] = ("basic", "micro"),
    seed: int = 0,
    only: Sequence[str] | None = None,
    scheduler: str | None = None,
    workers: int = 1,
    based_on: int | None = None,
    author: str = "geogrid",
    note: str = "",
    dedicated_uses: Sequence[str] = (),
    progress: Progress | None = None,
) -> tuple[int, dict[str, Any]]:
    """Partition what the store holds (or redraw plan ``based_on``); save a draft plan.

    Returns the new plan's id and its quality report. The versions of the input layers are
    read before the layers themselves and recorded with the plan; when any layer changed while
    the partition ran, saving it raises Conflict (run it again).
    """
    inputs = [*INPUT_LAYERS, *([plan_layer(based_on)] if based_on is not None else [])]
    versions = data_versions(store.engine)
    built_from = {layer: versions.get(layer, 0) for layer in inputs}
    current = stored_plan(store, based_on) if based_on is not None else None
    plan = run_partition(
        store_layers(store),
        levels=levels,
        seed=seed,
        only=only,
        scheduler=scheduler,
        workers=workers,
        current=current,
        dedicated_uses=dedicated_uses,
        progress=progress,
    )
    with store.transaction() as conn:
        plan_id = save_plan(
            conn,
            plan.grids,
            report=plan.report,
            author=author,
            note=note,
            based_on=based_on,
            built_from=built_from,
        )
    return plan_id, plan.report
