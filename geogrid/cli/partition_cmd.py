"""``geogrid partition``: divide parents into grids, on the store or file to file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import geopandas as gpd
import typer
from rich.table import Table

from geogrid.errors import InputError
from geogrid.partition.engine import ENGINE_LEVELS, Plan, partition_plan

BARRIERS = ("roads", "waterways", "railways")
FIXED_DATE = "2000-01-01T00:00:00Z"


def register(app: typer.Typer) -> None:
    """Add the ``partition`` command."""
    app.command("partition")(partition)


def partition(
    input: Annotated[
        Path | None,
        typer.Argument(
            help="A GeoPackage with the layers geogrid synth writes; omit for the store."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Plan GeoPackage (one layer per level).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the quality report JSON here.")] = None,
    levels: Annotated[str, typer.Option(help="Comma-separated grid levels.")] = "basic,micro",
    seed: Annotated[
        int, typer.Option(help="Seed: the same input and seed give the same plan.")
    ] = 0,
    only: Annotated[str | None, typer.Option(help="Comma-separated parent codes.")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="'local' for a local dask cluster, or a scheduler address.")
    ] = None,
    author: Annotated[str, typer.Option(help="Author of the stored draft plan.")] = "geogrid",
    note: Annotated[str, typer.Option(help="Note stored with the draft plan.")] = "",
    database_url: Annotated[
        str | None, typer.Option("--database-url", envvar="DATABASE_URL", help="Store URL.")
    ] = None,
) -> None:
    """Divide communities into basic and micro grids (and large / medium above them)."""
    wanted = _levels(levels)
    layers = _read_file(input) if input is not None else _read_store(database_url)
    plan = _run(layers, wanted, seed=seed, only=only, scheduler=scheduler)
    if out is not None:
        _write_plan(plan, out)
    if report is not None:
        report.write_text(json.dumps(plan.report, indent=2, ensure_ascii=False) + "\n")
    from geogrid.cli._common import console

    console.print(summary_table(plan.report))
    if input is None:
        plan_id = _save_store(plan, database_url, author=author, note=note)
        console.print(f"stored draft plan [bold]{plan_id}[/bold]")


def _levels(text: str) -> list[str]:
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    bad = [lv for lv in wanted if lv not in ENGINE_LEVELS]
    if bad or not wanted:
        raise InputError(f"--levels {text!r}: expected a comma-separated subset of {ENGINE_LEVELS}")
    return wanted


def _read_file(path: Path) -> dict[str, gpd.GeoDataFrame | None]:
    import pyogrio

    if not path.exists():
        raise InputError("no such file", file=str(path))
    names = {name for name, _ in pyogrio.list_layers(path)}
    layers: dict[str, gpd.GeoDataFrame | None] = {}
    for name in ("communities", "streets", "buildings", *BARRIERS):
        layers[name] = gpd.read_file(path, layer=name) if name in names else None
    if layers["buildings"] is None:
        raise InputError("no 'buildings' layer", file=str(path))
    if _empty(layers["communities"]) and _empty(layers["streets"]):
        raise InputError("no 'communities' (or 'streets') layer to divide", file=str(path))
    return layers


def _read_store(database_url: str | None) -> dict[str, gpd.GeoDataFrame | None]:
    from geogrid.cli._common import load_settings, opened_store
    from geogrid.store import read_layer

    with opened_store(load_settings(database_url)) as store:
        return {
            name: read_layer(store.engine, name)
            for name in ("communities", "streets", "buildings", *BARRIERS)
        }


def _save_store(plan: Plan, database_url: str | None, *, author: str, note: str) -> int:
    from geogrid.cli._common import load_settings, opened_store
    from geogrid.store import save_plan

    with opened_store(load_settings(database_url)) as store, store.transaction() as conn:
        return save_plan(conn, plan.grids, report=plan.report, author=author, note=note)


def _empty(frame: gpd.GeoDataFrame | None) -> bool:
    return frame is None or frame.empty


def _run(
    layers: dict[str, gpd.GeoDataFrame | None],
    levels: list[str],
    *,
    seed: int,
    only: str | None,
    scheduler: str | None,
) -> Plan:
    from geogrid.cli._common import progress_bar

    parents = layers["communities"]
    if _empty(parents):
        parents = layers["streets"]
    if _empty(layers["buildings"]):
        raise InputError("there are no buildings to divide by; import or synthesise them first")
    assert parents is not None and layers["buildings"] is not None
    codes = [c.strip() for c in only.split(",") if c.strip()] if only else None
    with progress_bar() as bar:
        task = bar.add_task("partition", total=None)
        plan = partition_plan(
            parents,
            layers["buildings"],
            roads=layers.get("roads"),
            waterways=layers.get("waterways"),
            railways=layers.get("railways"),
            levels=levels,
            seed=seed,
            only=codes,
            scheduler=scheduler,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    return plan


def _write_plan(plan: Plan, out: Path) -> None:
    import pyogrio

    if out.exists():
        out.unlink()
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})  # byte-identical files
    try:
        for level, frame in plan.grids.items():
            pyogrio.write_dataframe(frame, out, layer=f"{level}_grids", driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def summary_table(report: dict[str, Any]) -> Table:
    """The quality report as one rich table, a row per level."""
    table = Table(title="partition quality")
    for column in (
        "level",
        "grids",
        "hh median",
        "hh CV",
        "in band",
        "PP mean",
        "PP min",
        "on barriers",
        "disconnected",
        "gap m²",
        "overlap m²",
        "infeasible",
    ):
        table.add_column(column, justify="right" if column != "level" else "left")
    for level in ENGINE_LEVELS:
        if level not in report:
            continue
        r = report[level]
        barrier = r["barrier_boundary_share"]
        table.add_row(
            level,
            str(r["count"]),
            f"{r['households_median']:g}",
            f"{r['households_cv']:.2f}",
            f"{r['within_band_share']:.2%}",
            f"{r['polsby_popper_mean']:.3f}",
            f"{r['polsby_popper_min']:.3f}",
            "-" if barrier is None else f"{barrier:.1%}",
            str(r["disconnected"]),
            f"{r['gap_area_m2']:.2f}",
            f"{r['overlap_area_m2']:.2f}",
            str(len(r["infeasible_parents"])),
        )
    seconds = report.get("seconds", {})
    table.caption = "seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in seconds.items())
    return table
