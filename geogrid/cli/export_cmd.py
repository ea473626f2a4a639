"""`geogrid export`: layers, grid plans or any collection out of the store, in the common GIS
formats, through the code the HTTP export runs (see :mod:`geogrid.cli.export_run`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geogrid.cli._common import DatabaseUrl, console, load_settings, opened_store
from geogrid.cli.export_run import collection_picks, export_picks, layer_picks, plan_picks
from geogrid.io.stream_export import EXPORT_FORMATS, export_format
from geogrid.ogc_crs import export_crs
from geogrid.schema import GRID_LEVELS, LAYERS
from geogrid.store.feature_filters import Filters


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
            help="Output CRS: any EPSG code (EPSG:4490, EPSG:4549), or gcj02 / bd09 for AMap / "
            "Baidu maps (labelled as such: gpkg, shp, parquet, fgb)"
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
    collection: Annotated[
        str | None,
        typer.Option(
            help="Export an OGC collection (as GET /collections/ID/export): incidents, "
            "basic_grids, plan-<id>-micro_grids, ..."
        ),
    ] = None,
    where: Annotated[str | None, typer.Option("--filter", help="A CQL2 text filter")] = None,
    bbox: Annotated[str | None, typer.Option(help="minlon,minlat,maxlon,maxlat")] = None,
    when: Annotated[
        str | None, typer.Option("--datetime", help="An RFC 3339 instant or start/end")
    ] = None,
    jurisdiction: Annotated[
        str, typer.Option(help="Only features with codes under this NBS code")
    ] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Write layers (or a plan's grids, or a collection), filtered, from the store to a file.

    The file is written under a temporary name and renamed at the end (a failed export keeps
    the old file); GCJ-02 / BD-09 output is labelled as such, never as WGS 84. Each file names
    the collection, plan version and filter it came from.
    """
    fmt = export_format(out, fmt)
    # Files from the command line keep saying EPSG:4326 (lon/lat in every format here), the
    # label GIS tools have always recognised; HTTP exports default to OGC's CRS84.
    target = export_crs(crs or "EPSG:4326")
    settings = load_settings(database_url)
    given = Filters(bbox=bbox, datetime=when, filter=where)
    created = _missing_folder(out)  # made by the writer; said below, so a typo is seen
    with opened_store(settings, read_only=True) as store:
        if collection is not None:
            picks = collection_picks(store.engine, collection)
        elif plan is not None:
            picks = plan_picks(store.engine, plan, level, fmt)
        else:
            picks = layer_picks(store.engine, layer, fmt)
        counts = export_picks(
            store, settings, picks, out=out, fmt=fmt, crs=target, given=given,
            jurisdiction=jurisdiction,
        )  # fmt: skip
    written = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    made = "" if created is None else f"; created the folder {created}"
    if created is not None and created != out.resolve().parent:
        made += " and the folders under it"
    console.print(f"wrote {out} ({fmt}, {target.label}): {written}{made}", soft_wrap=True)


def _missing_folder(out: Path) -> Path | None:
    """The outermost folder of ``out``'s parents that does not exist yet (absolute), if any."""
    missing = None
    for folder in out.resolve().parents:
        if folder.exists():
            break
        missing = folder
    return missing
