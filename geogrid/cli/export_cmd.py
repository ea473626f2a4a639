"""`geogrid export`: layers or grid plans out of the store, in the common GIS formats."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import geopandas as gpd
import typer

from geogrid.cli._common import (
    DatabaseUrl,
    console,
    load_settings,
    opened_store,
    progress_bar,
)
from geogrid.errors import InputError, NotFound
from geogrid.io import EXPORT_FORMATS, export_format, to_export_crs, write_layers
from geogrid.schema import GRID_LEVELS, LAYERS
from geogrid.store import Store
from geogrid.store.layers import read_layer
from geogrid.store.plans import read_plan


def register(app: typer.Typer) -> None:
    """Add ``geogrid export`` to ``app``."""
    app.command("export")(export_command)


def export_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write")],
    layer: Annotated[
        str | None,
        typer.Option(
            "--layer", "-l", help=f"{', '.join(LAYERS)}; all of them for gpkg when left out"
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", help=f"{', '.join(EXPORT_FORMATS)}; by default from --out"),
    ] = None,
    crs: Annotated[
        str | None,
        typer.Option(
            help="Output CRS: an EPSG code (EPSG:4490), or gcj02 / bd09 for AMap / Baidu maps"
        ),
    ] = None,
    plan: Annotated[int | None, typer.Option(help="Export the grids of this plan instead")] = None,
    level: Annotated[
        str | None,
        typer.Option(
            help=f"Grid level of --plan: {', '.join(GRID_LEVELS)} "
            "(left out: one layer per level, GeoPackage only)"
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Write layers (or a plan's grids) from the store to a file.

    The file is written under a temporary name and renamed at the end (a failed export keeps
    the old file); GCJ-02 / BD-09 output is labelled as such, never as EPSG:4326.
    """
    fmt = export_format(out, fmt)
    settings = load_settings(database_url)
    bar = progress_bar()
    with opened_store(settings) as store, bar:
        task = bar.add_task("reading the store", total=2)
        layers = (
            _plan_layers(store, plan, level, fmt)
            if plan is not None
            else _layers(store, layer, fmt)
        )
        bar.update(task, description=f"writing {out.name}", completed=1)
        converted = {}
        label = ""
        for name, frame in layers.items():
            converted[name], label = to_export_crs(frame, crs)
        write_layers(converted, out, fmt=fmt)
        bar.update(task, description="done", completed=2)
    counts = ", ".join(f"{name} {len(frame):,}" for name, frame in converted.items())
    console.print(f"wrote {out} ({fmt}, {label}): {counts}")


def _layers(store: Store, layer: str | None, fmt: str) -> dict[str, gpd.GeoDataFrame]:
    """The stored layer asked for, or every layer that has features (GeoPackage only)."""
    if layer is None and fmt != "gpkg":
        raise InputError(
            f"{fmt} holds one layer: pass --layer ({', '.join(LAYERS)}) or use --format gpkg"
        )
    if layer is not None and layer not in LAYERS:
        raise InputError(f"unknown layer kind {layer!r}; expected one of {', '.join(LAYERS)}")
    names = [layer] if layer is not None else list(LAYERS)
    with store.engine.connect() as conn:
        frames = {name: read_layer(conn, name) for name in names}
    found = {name: frame for name, frame in frames.items() if len(frame)}
    if not found:
        raise NotFound(f"the store has no {layer or 'layers'} yet; import them first")
    return found


def _plan_layers(
    store: Store, plan: int, level: str | None, fmt: str
) -> dict[str, gpd.GeoDataFrame]:
    """The grids of a plan: one layer per level (levels nest, so one layer would count every
    household twice)."""
    if level is not None and level not in GRID_LEVELS:
        raise InputError(f"unknown grid level {level!r}; expected one of {', '.join(GRID_LEVELS)}")
    grids = read_plan(store.engine, plan, level)
    if grids.empty:
        raise NotFound(f"plan {plan} has no {level or ''} grids".replace("  ", " "))
    levels = [lv for lv in GRID_LEVELS if lv in set(grids["level"])]
    if len(levels) > 1 and fmt != "gpkg":
        raise InputError(
            f"plan {plan} has {', '.join(levels)} grids and {fmt} holds one layer; pass "
            "--level, or use --format gpkg for one layer per level"
        )
    return {f"plan{plan}_{lv}": grids[grids["level"] == lv].reset_index(drop=True) for lv in levels}
