"""``geogrid staff import|export|coverage|recommend|changes``: the staff registry and coverage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal, cast

import geopandas as gpd
import pandas as pd
import typer

from geogrid.cli._analytics_out import Format, Out, PlanOption, plan_store, write_rows
from geogrid.cli._common import DatabaseUrl, load_settings, opened_store
from geogrid.cli.incidents_cmd import _time
from geogrid.io.mapping import load_mapping_file, merge_mappings, parse_map_options
from geogrid.layers.coverage import plan_change_loads
from geogrid.settings import CoverageSettings
from geogrid.staff import STAFF_SPECS, assignable_codes, check_staff, read_staff_file
from geogrid.store import Store, read_plan
from geogrid.store.staff import read_assignments, read_staff, save_staff
from geogrid.validation import ValidationReport

staff_app = typer.Typer(help="Staff registry, coverage and recommendations.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``staff`` group to ``app``."""
    app.add_typer(staff_app, name="staff")


@staff_app.command("import")
def import_staff(
    path: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GB18030), .xlsx or .ods")],
    plan: PlanOption = None,
    map_options: Annotated[
        list[str] | None,
        typer.Option("--map", help="field=COLUMN (staff_id, role, grid_codes, name, phone)"),
    ] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="JSON/TOML mapping")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding")] = None,
    source_crs: Annotated[
        str | None, typer.Option("--source-crs", help="CRS of lon/lat: EPSG:4490, gcj02, bd09...")
    ] = None,
    append: Annotated[bool, typer.Option("--append", help="add to the registry")] = False,
    report: Annotated[Path | None, typer.Option("--report", help="validation report JSON")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Validate and store the staff registry (all or nothing; replaces it unless --append)."""
    fields = merge_mappings(
        load_mapping_file(mapping, specs=STAFF_SPECS) if mapping else {},
        parse_map_options(map_options or [], specs=STAFF_SPECS),
    )
    frame, crs_label, notes = read_staff_file(
        path, mapping=fields, encoding=encoding, source_crs=source_crs
    )
    with plan_store(database_url, plan) as (settings, store, plan_id):
        people, assignments, findings = register_staff(
            store,
            read_plan(store.engine, plan_id),
            frame,
            file=str(path),
            source_crs=crs_label,
            settings=settings.coverage,
            replace=not append,
            report=report,
        )
    for note in notes:
        typer.echo(f"note: {note}", err=True)
    typer.echo(
        f"imported {len(people)} staff with {len(assignments)} grid assignments "
        f"(locations: {crs_label}; {len(findings.warnings)} warning(s))"
    )


def register_staff(
    store: Store,
    grids: pd.DataFrame,
    frame: gpd.GeoDataFrame,
    *,
    file: str,
    source_crs: str,
    settings: CoverageSettings,
    replace: bool = True,
    report: Path | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, ValidationReport]:
    """Check a staff registry (rows as ``read_staff_file`` gives them) against a plan's
    ``grids`` and store it in one transaction; nothing is stored when an error is found
    (``InputError``). The findings go to ``report`` (JSON) when named."""
    people, assignments, findings = check_staff(
        frame, grid_codes=assignable_codes(grids), file=file, settings=settings
    )
    if report is not None:
        findings.write_json(report)
    findings.raise_if_errors()
    with store.transaction() as conn:
        save_staff(
            conn,
            people,
            assignments,
            source_file=file,
            source_crs=source_crs,
            validation=findings.brief(),
            replace=replace,
        )
    return people, assignments, findings


@staff_app.command("export")
def export_staff(
    fmt: Format = "csv",
    out: Out = None,
    include_personal: Annotated[
        bool, typer.Option("--include-personal", help="also names and phone numbers")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """The registry, without names and phone numbers unless --include-personal."""
    with opened_store(load_settings(database_url), read_only=True) as store:
        staff = read_staff(store.engine, include_personal=include_personal)
    x = staff.geometry.x.where(staff.geometry.notna())
    y = staff.geometry.y.where(staff.geometry.notna())
    table = staff.drop(columns="geometry").assign(lon=x, lat=y).set_index("staff_id")
    write_rows(table, fmt=fmt, out=out, summary={"staff": len(table)}, key="staff_id")


@staff_app.command("coverage")
def coverage(
    plan: PlanOption = None,
    start: Annotated[str | None, typer.Option("--start", help="incidents from (ISO)")] = None,
    end: Annotated[str | None, typer.Option("--end", help="incidents before (ISO)")] = None,
    by: Annotated[str, typer.Option("--by", help="grid | staff")] = "grid",
    fmt: Format = "csv",
    out: Out = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Who answers for each basic and micro grid; unmanned, missing police, overloaded."""
    from geogrid.analytics import run_coverage  # libpysal: slow import

    with plan_store(database_url, plan) as (settings, store, plan_id):
        record, per_grid, per_staff = run_coverage(
            store,
            plan_id,
            start=_time(start, "start"),
            end=_time(end, "end"),
            settings=settings.coverage,
        )
    typer.echo(json.dumps(record["summary"], default=str), err=True)
    if by == "staff":
        write_rows(per_staff, fmt=fmt, out=out, summary=record, key="staff_id")
    else:
        write_rows(per_grid, fmt=fmt, out=out, summary=record, key="code")


@staff_app.command("recommend")
def recommend(
    plan: PlanOption = None,
    problem: Annotated[str, typer.Option("--problem", help="mclp | pcenter")] = "mclp",
    level: Annotated[str, typer.Option("--level", help="basic | micro")] = "micro",
    add: Annotated[int, typer.Option("--add", help="new staff to place")] = 5,
    radius: Annotated[float | None, typer.Option("--radius", help="walking distance, m")] = None,
    weight: Annotated[str, typer.Option("--weight", help="households | incidents")] = "households",
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="seconds")] = None,
    fmt: Format = "json",
    out: Out = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Where to add staff: most households/incidents within walking distance, or least worst distance."""
    from geogrid.analytics import run_recommend  # libpysal: slow import

    with plan_store(database_url, plan) as (settings, store, plan_id):
        record, frame, _ = run_recommend(
            store,
            plan_id,
            problem=cast(Literal["mclp", "pcenter"], problem),
            level=level,
            add=add,
            radius=radius,
            weight=cast(Literal["households", "incidents"], weight),
            time_limit=time_limit,
            settings=settings.coverage,
        )
    typer.echo(json.dumps(record["summary"], default=str), err=True)
    write_rows(frame, fmt=fmt, out=out, summary=record, key="code")


@staff_app.command("changes")
def changes(
    before: Annotated[int, typer.Option("--from", help="the plan in force")],
    after: Annotated[int, typer.Option("--to", help="the redrawn plan")],
    level: Annotated[str, typer.Option("--level", help="basic | micro")] = "basic",
    by: Annotated[str, typer.Option("--by", help="staff | grid")] = "staff",
    fmt: Format = "csv",
    out: Out = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Each person's load before and after a redraw; grids that lose or gain a worker."""
    with opened_store(load_settings(database_url), read_only=True) as store:
        old = read_plan(store.engine, before, level)
        new = read_plan(store.engine, after, level)
        loads, grids = plan_change_loads(old, new, read_assignments(store.engine))
    summary = {
        "loses": int((grids["change"] == "loses").sum()),
        "gains": int((grids["change"] == "gains").sum()),
    }
    typer.echo(json.dumps(summary), err=True)
    if by == "grid":
        write_rows(grids, fmt=fmt, out=out, summary=summary, key="code")
    else:
        write_rows(loads, fmt=fmt, out=out, summary=summary, key="staff_id")
