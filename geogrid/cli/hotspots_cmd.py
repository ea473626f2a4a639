"""``geogrid hotspots``: Gi* hot and cold spots, emerging hot spots, a kernel density raster."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal, cast

import numpy as np
import typer

from geogrid.cli._analytics_out import Format, Out, PlanOption, plan_store, write_rows
from geogrid.cli._common import DatabaseUrl
from geogrid.cli.incidents_cmd import _time
from geogrid.errors import InputError


def register(app: typer.Typer) -> None:
    """Add ``hotspots`` to ``app``."""
    app.command("hotspots")(hotspots)


def hotspots(
    plan: PlanOption = None,
    level: Annotated[str, typer.Option("--level", help="basic | micro")] = "basic",
    rate: Annotated[bool, typer.Option("--rate", help="incidents per household")] = False,
    category: Annotated[
        str | None, typer.Option("--category", help="category code prefix, e.g. 03")
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="from (ISO)")] = None,
    end: Annotated[str | None, typer.Option("--end", help="before (ISO)")] = None,
    permutations: Annotated[
        int | None,
        typer.Option("--permutations", help="conditional permutations, reported as p_sim (999)"),
    ] = None,
    inference: Annotated[
        str | None,
        typer.Option(
            "--inference",
            help="normal (p of the z-score, as ArcGIS; default) | permutation (pseudo p)",
        ),
    ] = None,
    emerging: Annotated[
        str | None,
        typer.Option("--emerging", help="week | month: emerging hot spots instead of Gi*"),
    ] = None,
    density: Annotated[
        Path | None,
        typer.Option("--density", help="also write the kernel density raster (.npz)"),
    ] = None,
    fmt: Format = "csv",
    out: Out = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Hot and cold spots of incidents per grid (Gi*, normal p of z or permutations, FDR at
    90/95/99%), stored per data version."""
    from geogrid.analytics import run_density, run_emerging, run_hotspots  # libpysal: slow import

    since, until = _time(start, "start"), _time(end, "end")
    with plan_store(database_url, plan) as (settings, store, plan_id):
        if permutations is not None:
            settings.hotspots.permutations = permutations
        if inference is not None:
            if inference not in ("normal", "permutation"):
                raise InputError(
                    f"--inference must be normal or permutation, not {inference!r}",
                    field="inference",
                )
            settings.hotspots.inference = cast(Literal["normal", "permutation"], inference)
        if emerging:
            record, frame = run_emerging(
                store,
                plan_id,
                level=level,
                step=cast(Literal["week", "month"], emerging),
                settings=settings.hotspots,
                start=since,
                end=until,
                category=category,
            )
        else:
            record, frame = run_hotspots(
                store,
                plan_id,
                level=level,
                rate=rate,
                settings=settings.hotspots,
                start=since,
                end=until,
                category=category,
            )
        if density is not None:
            surface = run_density(
                store,
                plan_id,
                settings=settings.hotspots,
                start=since,
                end=until,
                category=category,
            )
            np.savez_compressed(
                density,
                density=surface.array,
                bounds=np.array(surface.bounds),
                bounds_wgs84=np.array(surface.bounds_wgs84),
                crs=np.array(surface.crs),
                cell_size=np.array(surface.cell_size),
                bandwidth=np.array(surface.bandwidth),
            )
            typer.echo(f"wrote a {surface.array.shape} density raster to {density}", err=True)
    typer.echo(json.dumps(record["summary"], ensure_ascii=False, default=str), err=True)
    write_rows(frame, fmt=fmt, out=out, summary=record, key="code")
