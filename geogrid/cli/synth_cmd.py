"""``geogrid synth``: write a synthetic city for a real district outline to a GeoPackage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geogrid.cli._common import progress_bar

# where each stage of synth_city starts and ends on the bar (percent)
_SPAN = {"streets": (0, 10), "communities": (10, 30), "roads": (30, 35), "buildings": (35, 92)}


def register(app: typer.Typer) -> None:
    """Add the ``synth`` command to ``app``."""
    app.command("synth")(synth)


def synth(
    district: Annotated[str, typer.Option("--district", help="6-digit district code, e.g. 370212")],
    out: Annotated[Path, typer.Option("--out", help="GeoPackage to write (replaced)")],
    seed: Annotated[int, typer.Option("--seed", help="same seed, same city")] = 0,
    scale: Annotated[float, typer.Option("--scale", help="times the census households")] = 1.0,
    households: Annotated[
        int | None, typer.Option("--households", help="total households, overrides --scale")
    ] = None,
) -> None:
    """Fill a real district outline with a synthetic interior (every feature marked synthetic)."""
    from geogrid.synth import synth_city, write_city

    with progress_bar() as bar:
        task = bar.add_task("streets", total=100)

        def progress(stage: str, done: float) -> None:
            lo, hi = _SPAN.get(stage, (0, 100))
            bar.update(task, description=stage, completed=lo + (hi - lo) * done)

        layers = synth_city(
            district, seed=seed, scale=scale, households=households, progress=progress
        )
        bar.update(task, description="writing", completed=92)
        write_city(layers, out)
        bar.update(task, completed=100)
    b = layers["buildings"]
    typer.echo(
        f"wrote {out}: {len(layers['streets'])} streets, {len(layers['communities'])} communities, "
        f"{len(b)} buildings, {int(b['households'].sum())} households, "
        f"{len(layers['roads'])} roads, {len(layers['waterways'])} waterways (all synthetic)"
    )
