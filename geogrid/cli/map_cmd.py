"""``geogrid map``: self-contained HTML maps of a plan for reports and people without the server."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from geogrid.cli._analytics_out import PlanOption, plan_store
from geogrid.cli._common import DatabaseUrl, console


def register(app: typer.Typer) -> None:
    """Add ``map`` to ``app``."""
    app.command("map")(map_command)


def map_command(
    out: Annotated[Path, typer.Option("--out", help="folder the HTML maps are written to")],
    plan: PlanOption = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Write plan, incident heat, hot-spot and coverage maps (HTML, opening offline) to --out."""
    started = time.perf_counter()
    written = write_store_maps(database_url, plan, out)
    for name, path in written.items():
        console.print(f"{name}: {path.resolve()}", highlight=False, soft_wrap=True)
    console.print(
        f"{len(written)} maps and index.html written in {time.perf_counter() - started:.1f} s",
        highlight=False,
    )


def write_store_maps(database_url: str | None, plan: int | None, out: Path) -> dict[str, Path]:
    """Read a plan's map data from the store and write its maps into ``out``."""
    from geogrid.maps import read_map_data, write_maps

    with plan_store(database_url, plan) as (settings, store, plan_id):
        data = read_map_data(store, settings, plan_id=plan_id)
    return write_maps(data, out)
