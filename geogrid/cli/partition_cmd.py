"""``geogrid partition``: divide parents into grids, on the store or file to file."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import geopandas as gpd
import typer

from geogrid.cli._common import DatabaseUrl, console, load_settings, opened_store, progress_bar
from geogrid.cli._layer_options import MapOption, MappingFile, SourceCrs, field_mapping
from geogrid.cli.partition_input import input_layers, read_input
from geogrid.cli.partition_repair import repair_parents
from geogrid.cli.partition_straddles import straddling
from geogrid.cli.partition_summary import (
    exemption_lines,
    household_lines,
    layer_lines,
    network_lines,
    street_land_lines,
    summary_table,
    whole_lines,
)
from geogrid.errors import CRSError, InputError, ValidationFailed
from geogrid.partition.engine import ENGINE_LEVELS, Plan
from geogrid.partition_jobs import partition_store, run_partition
from geogrid.settings import Settings

FIXED_DATE = "2000-01-01T00:00:00Z"


def register(app: typer.Typer) -> None:
    """Add the ``partition`` command."""
    app.command("partition")(partition)


def partition(
    input: Annotated[
        Path | None,
        typer.Argument(
            help="A GeoPackage with the layers geogrid synth writes (and optionally "
            "'natural_villages' polygons); omit for the store."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Plan GeoPackage (one layer per level).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the quality report JSON here.")] = None,
    levels: Annotated[str, typer.Option(help="Comma-separated grid levels.")] = "basic,micro",
    seed: Annotated[
        int, typer.Option(help="Seed: the same input and seed give the same plan.")
    ] = 0,
    only: Annotated[
        str | None,
        typer.Option(help="Comma-separated parent codes (or, with a redraw, basic grid codes)."),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="'local' for a local dask cluster, or a scheduler address.")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes planning parents side by side (default GEOGRID_PARTITION_WORKERS, "
            "0 = one per core; 1 = in this process). The plan is the same whatever the count."
        ),
    ] = None,
    redraw_from: Annotated[
        Path | None,
        typer.Option(help="Redraw this plan GeoPackage instead of dividing from scratch."),
    ] = None,
    based_on: Annotated[
        int | None, typer.Option(help="Redraw this stored plan (store only).")
    ] = None,
    dedicated: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated building uses (e.g. school,hospital) whose institutions get "
            "basic grids of their own."
        ),
    ] = None,
    repair: Annotated[
        bool,
        typer.Option(
            help="With INPUT: repair the communities (and streets) into a coverage as "
            "'geogrid import --repair' does (overlaps up to 30 m wide, gaps up to 100 m² or 2 m "
            "wide, to the neighbour with the longest shared border), each fix listed."
        ),
    ] = False,
    encoding: Annotated[
        str | None,
        typer.Option(
            help="With INPUT: text encoding of the attributes, as for import "
            "(default: a shapefile's .cpg, else UTF-8, then GB18030)"
        ),
    ] = None,
    source_crs: SourceCrs = None,
    map_: MapOption = None,
    mapping_file: MappingFile = None,
    author: Annotated[str, typer.Option(help="Author of the stored draft plan.")] = "geogrid",
    note: Annotated[str, typer.Option(help="Note stored with the draft plan.")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Divide communities into basic and micro grids (and large / medium above them).

    With INPUT it works file to file (--out, --report); without, on the store, saving a draft
    plan. --redraw-from / --based-on change only the grids that must change.
    """
    wanted = _levels(levels)
    codes = [c.strip() for c in only.split(",") if c.strip()] if only else None
    uses = _uses(dedicated)
    if input is not None and based_on is not None:
        raise InputError("--based-on names a stored plan; with an INPUT file use --redraw-from")
    if input is None:
        _refuse_file_options(
            repair=repair, encoding=encoding, redraw_from=redraw_from, source_crs=source_crs,
            mapping=bool(map_) or mapping_file is not None,
        )  # fmt: skip
    mapping = field_mapping(map_, mapping_file)
    sources = [p for p in (input, redraw_from) if p is not None]
    _check_target(out, "--out", suffix=".gpkg", sources=sources)
    _check_target(report, "--report", sources=[*sources, *([out] if out else [])])
    _refuse_replacing_other_layers(out)
    settings = load_settings(database_url)
    if workers is not None:
        settings.partition.workers = workers
    processes = settings.partition.process_count()
    with progress_bar() as bar:
        task = bar.add_task("partition", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if input is None:
            plan_id, plan_report = _on_store(
                settings, wanted, seed=seed, only=codes, scheduler=scheduler,
                workers=processes, based_on=based_on, author=author, note=note,
                dedicated_uses=uses, progress=progress,
            )  # fmt: skip
        else:
            try:
                current = _read_plan_file(redraw_from) if redraw_from is not None else None
                layers, estimate, notes = read_input(
                    input, settings.households, encoding=encoding, source_crs=source_crs,
                    mapping=mapping,
                )  # fmt: skip
                fixes: list[str] | None = None
                if repair:
                    layers, fixes = repair_parents(layers, input)
                try:
                    plan = run_partition(
                        layers, levels=wanted, seed=seed, only=codes, scheduler=scheduler,
                        workers=processes, current=current, dedicated_uses=uses,
                        progress=progress,
                    )  # fmt: skip
                except InputError as err:
                    raise _in_file(err, input) from err
            except InputError as err:  # refused: the report says so, as the error line does
                if report is not None:
                    _write_report(report, refusal_report(err))
                raise
            plan_report, plan_id = plan.report, None
            if estimate is not None and "households" in plan_report:
                plan_report["households"]["estimated"] = estimate
            plan_report["input_layers"] = input_layers(input) | {"notes": notes}
            straddles = straddling(layers, plan.grids.get("basic"), str(input))
            if straddles["buildings"]:
                plan_report["input_layers"]["straddles_communities"] = straddles
            if fixes is not None:
                plan_report["input_layers"]["repairs"] = fixes
            if out is not None:
                _write_plan(plan, out)
    if report is not None:
        _write_report(report, plan_report)
    for line in household_lines(plan_report) + layer_lines(plan_report):
        console.print(line)
    console.print(summary_table(plan_report))
    for line in [
        *exemption_lines(plan_report),
        *whole_lines(plan_report),
        *street_land_lines(plan_report),
        *network_lines(plan_report),
    ]:
        console.print(line)
    if input is not None and out is None:
        console.print("the plan was not written: pass --out PLAN.gpkg to keep it")
    elif out is not None:
        console.print(f"plan written to {out}")
    if "redraw" in plan_report:
        console.print(_redraw_line(plan_report["redraw"]))
    dedicated_grids = plan_report.get("basic", {}).get("dedicated_grids", [])
    if dedicated_grids:
        console.print(f"{len(dedicated_grids)} dedicated institution grid(s)")
    if plan_id is not None:
        console.print(f"stored draft plan [bold]{plan_id}[/bold]")


def _refuse_file_options(
    *, repair: bool, encoding: str | None, redraw_from: Path | None, source_crs: str | None,
    mapping: bool,
) -> None:  # fmt: skip
    """Options that read an INPUT file, given without one."""
    if repair:
        raise InputError(
            "--repair works on an INPUT file; the store's layers were repaired on import"
        )
    if encoding is not None:
        raise InputError("--encoding works on an INPUT file; the store's text is UTF-8")
    if redraw_from is not None:
        raise InputError("--redraw-from works file to file; on the store use --based-on")
    if source_crs is not None:
        raise InputError(
            "--source-crs works on an INPUT file; the store's layers are WGS 84 (give it to "
            "geogrid import)"
        )
    if mapping:
        raise InputError(
            "--map and --mapping work on an INPUT file; the store's layers were mapped on "
            "import (give them to geogrid import)"
        )


def refusal_report(err: InputError) -> dict[str, Any]:
    """The --report of a refused input: the error's line, and every finding when the checks
    found more than one line can hold (each value that is not a number)."""
    out: dict[str, Any] = {"refused": " ".join(str(err).split())}
    if isinstance(err, ValidationFailed):
        out["findings"] = [asdict(f) for f in err.report.findings]
    return out


def _write_report(path: Path, report: dict[str, Any]) -> None:
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def _in_file(err: InputError, path: Path) -> InputError:
    """The engine's input error with the file named: the engine knows features and fields,
    not the file they came from (other kinds of error pass unchanged)."""
    if err.file is not None or type(err) not in (InputError, CRSError):
        return err
    return type(err)(err.message, file=str(path), feature=err.feature, field=err.field)


def _on_store(settings: Settings, levels: list[str], **options: Any) -> tuple[int, Any]:
    with opened_store(settings) as store:
        return partition_store(store, levels=levels, **options)


def _redraw_line(redraw: dict[str, Any]) -> str:
    parts = []
    for level in ("basic", "micro"):
        r = redraw[level]
        parts.append(
            f"{level}: {r['kept_grids']} of {r['grids_before']} grids kept "
            f"({r['kept_grid_share']:.1%}), {r['kept_household_share']:.1%} of households, "
            f"{r['new_grids']} new"
        )
    return "redraw kept geometry and code — " + "; ".join(parts)


def _levels(text: str) -> list[str]:
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    bad = [lv for lv in wanted if lv not in ENGINE_LEVELS]
    if bad or not wanted:
        raise InputError(f"--levels {text!r}: expected a comma-separated subset of {ENGINE_LEVELS}")
    return wanted


def _uses(text: str | None) -> list[str]:
    uses = sorted({part.strip().lower() for part in (text or "").split(",") if part.strip()})
    if text is not None and not uses:
        raise InputError(f"--dedicated {text!r}: expected comma-separated building uses")
    return uses


def _read_plan_file(path: Path) -> dict[str, gpd.GeoDataFrame]:
    import pyogrio

    if not path.exists():
        raise InputError("no such plan file", file=str(path))
    names = {name for name, _ in pyogrio.list_layers(path)}
    grids = {
        level: gpd.read_file(path, layer=f"{level}_grids")
        for level in ENGINE_LEVELS
        if f"{level}_grids" in names
    }
    for level in ("basic", "micro"):
        if level not in grids:
            raise InputError(f"no '{level}_grids' layer in the plan to redraw", file=str(path))
    return grids


def _check_target(
    path: Path | None, option: str, *, suffix: str | None = None, sources: Sequence[Path] = ()
) -> None:
    """Refuse an output that cannot be written before the partition runs, not after it, and
    one that would overwrite a file the command reads."""
    if path is None:
        return
    if suffix is not None and path.suffix.lower() != suffix:
        raise InputError(f"{option} writes a GeoPackage: name it *{suffix}", file=str(path))
    if not path.parent.is_dir():
        raise InputError(f"{option}: no such folder {path.parent}", file=str(path))
    for source in sources:
        if path.resolve() == source.resolve():
            raise InputError(
                f"{option} names a file this command reads: writing it would destroy it; "
                "name another file",
                file=str(path),
            )


PLAN_LAYER = re.compile(r"^(large|medium|basic|micro)_grids$")


def _refuse_replacing_other_layers(out: Path | None) -> None:
    """An existing --out is replaced only when it holds a plan and nothing else (a plan of an
    earlier run); a GeoPackage with other layers is somebody's data."""
    import pyogrio

    if out is None or not out.exists():
        return
    try:
        names = [str(name) for name, _ in pyogrio.list_layers(out)]
    except Exception:  # not a GeoPackage GDAL can read: not a plan either
        names = ["(a file GDAL cannot read as a GeoPackage)"]
    others = [n for n in names if not PLAN_LAYER.match(n)]
    if others:
        listed = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise InputError(
            f"--out exists and holds layers that are not a plan's ({listed}); writing the "
            "plan would replace them: name another file, or delete it first",
            file=str(out),
        )


def _write_plan(plan: Plan, out: Path) -> None:
    """Write under a temporary name and rename, so that a failed write keeps the old plan."""
    import pyogrio

    part = out.with_name(f".{out.stem}.part.gpkg")  # GDAL warns of other suffixes
    part.unlink(missing_ok=True)
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})  # byte-identical files
    try:
        for level, frame in plan.grids.items():
            pyogrio.write_dataframe(frame, part, layer=f"{level}_grids", driver="GPKG")
        part.replace(out)
    finally:
        part.unlink(missing_ok=True)
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
