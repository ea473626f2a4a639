"""``geogrid synth-incidents`` and ``geogrid incidents ...``: intake, workflow, statistics."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import pandas as pd
import typer

from geogrid.cli._common import (
    DatabaseUrl,
    load_settings,
    opened_store,
    progress_bar,
    store_transaction,
)
from geogrid.cli._tables import FormatOption, OutputFormat, show
from geogrid.errors import InputError
from geogrid.incidents.columns import load_incident_mapping, parse_incident_map
from geogrid.incidents.deadlines import CHINESE_WEEK, LOCAL_TZ, WorkCalendar, load_calendar
from geogrid.incidents.formats import read_incident_file
from geogrid.incidents.synthetic import synthesize_incidents
from geogrid.incidents.taxonomy import default_taxonomy
from geogrid.store import Store, read_plan
from geogrid.store._unlocated import unlocated_incidents
from geogrid.store.incident_bulk import attribute_incidents, import_incidents, place_unlocated
from geogrid.store.incident_feed import record_import_events
from geogrid.store.incident_stats import department_ranking, incident_stats, incident_trend
from geogrid.store.incidents import flag_overdue, overdue_changes, transition
from geogrid.store.layers import place_names
from geogrid.text_tables import DELIMITER_NAMES

incidents_app = typer.Typer(
    help="Grid incidents: import, workflow, statistics.", no_args_is_help=True
)

Plan = Annotated[
    int | None, typer.Option("--plan", help="grid plan id (default: the published plan)")
]
Holidays = Annotated[
    Path | None,
    typer.Option(
        "--holidays", help="holiday list: one date a line, +DATE for a make-up working day"
    ),
]
CalendarHours = Annotated[
    bool, typer.Option("--calendar-hours", help="count every deadline in calendar hours")
]


def register(app: typer.Typer) -> None:
    """Add ``synth-incidents`` and the ``incidents`` group to ``app``."""
    app.command("synth-incidents")(synth_incidents)
    app.add_typer(incidents_app, name="incidents")


def _calendar(holidays: Path | None, calendar_hours: bool) -> WorkCalendar | None:
    """The work calendar deadlines count in; None counts calendar hours."""
    if calendar_hours:
        return None
    return load_calendar(str(holidays)) if holidays else CHINESE_WEEK


def _time(value: str | None, name: str) -> datetime | None:
    """An ISO date or time from the command line, in UTC; naive values are Beijing time."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"{value!r} is not an ISO date or time", field=name) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(LOCAL_TZ))
    return parsed.astimezone(UTC)


def synth_incidents(
    plan: Annotated[
        int, typer.Option("--plan", help="grid plan whose basic grids get the incidents")
    ],
    year: Annotated[int, typer.Option("--year")] = 2025,
    count: Annotated[int, typer.Option("--count", help="number of incidents")] = 50_000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    hot_spots: Annotated[int, typer.Option("--hot-spots", help="planted hot-spot grids")] = 5,
    holidays: Holidays = None,
    calendar_hours: CalendarHours = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Generate a synthetic year of incidents over a plan and import them (labelled synthetic)."""
    calendar = _calendar(holidays, calendar_hours)
    with opened_store(load_settings(database_url)) as store:
        basic = read_plan(store.engine, plan, "basic")
        if basic.empty:
            raise InputError(f"grid plan {plan} has no basic grids", field="plan")
        frame = synthesize_incidents(
            basic, year=year, count=count, seed=seed, hot_spots=hot_spots, calendar=calendar
        )
        with progress_bar() as bar, store.transaction() as conn:
            task = bar.add_task("importing", total=count)
            summary = import_incidents(
                conn,
                frame,
                source_file=f"synthetic:year={year},seed={seed}",
                fmt="synthetic",
                plan_id=plan,
                actor="synth-incidents",
                calendar=calendar,
                synthetic=True,
                progress=lambda n: bar.advance(task, n),
            )
    typer.echo(
        f"imported {summary.count} synthetic incidents for {year} over plan {plan} "
        f"({summary.outside_grids} outside every grid) in {summary.seconds:.1f} s"
    )


@incidents_app.command("import")
def import_file(
    path: Annotated[Path, typer.Argument(help="CSV, GeoJSON or Open311 GeoReport v2 JSON/XML")],
    fmt: Annotated[str | None, typer.Option("--format", help="csv | geojson | open311")] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", "-m", help="field=COLUMN for headers not known, e.g. ref=单号"),
    ] = None,
    mapping_file: Annotated[
        Path | None, typer.Option("--mapping", help="A JSON or TOML file of field = COLUMN")
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding (default: UTF-8 with or without BOM, then GB18030)"),
    ] = None,
    source_crs: Annotated[
        str, typer.Option("--source-crs", help="EPSG:4326, EPSG:4490 (CGCS2000), gcj02 or bd09")
    ] = "EPSG:4326",
    plan: Plan = None,
    actor: Annotated[str, typer.Option("--actor")] = "import",
    holidays: Holidays = None,
    calendar_hours: CalendarHours = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Import a file of incidents: every record or none (bad records are listed)."""
    mapping = load_incident_mapping(mapping_file) if mapping_file else {}
    mapping |= parse_incident_map(map_ or [])
    frame, fmt = read_incident_file(path, fmt=fmt, encoding=encoding)
    calendar = _calendar(holidays, calendar_hours)
    with opened_store(load_settings(database_url)) as store, progress_bar() as bar:
        task = bar.add_task(f"importing {path.name}", total=len(frame))
        with store.transaction() as conn:
            summary = import_incidents(
                conn,
                frame,
                source_file=str(path),
                fmt=fmt,
                source_crs=source_crs,
                plan_id=plan,
                actor=actor,
                calendar=calendar,
                progress=lambda n: bar.advance(task, n),
                mapping=mapping,
            )
            record_import_events(conn, int(summary.import_id or 0), actor=actor)  # live feed
    flags = ", ".join(f"{k} {v}" for k, v in summary.flags.items()) or "none"
    stored = summary.count - summary.unlocated
    where = (
        f"plan {summary.plan_id}: {summary.attributed} attributed to grids, "
        f"{summary.outside_grids} outside every grid"
        if summary.plan_id is not None
        else "no published plan: not attributed to grids yet"
    )
    typer.echo(
        f"imported {_incidents(stored)} from {path} ({_read_as(frame, fmt)}); {where}; "
        f"{summary.unlocated} unlocated kept (no usable position: an address only, or 0,0 or "
        f"out of range; for a dispatcher to place); flags: {flags}"
    )


def _read_as(frame: pd.DataFrame, fmt: str) -> str:
    """``csv, gb18030, semicolon-separated``: how the file was read (the delimiter when not a
    comma, so that a sheet read in one column shows why)."""
    said = f"{fmt}, {frame.attrs.get('encoding', 'utf-8')}"
    delimiter = frame.attrs.get("delimiter", ",")
    return said if delimiter == "," else f"{said}, {DELIMITER_NAMES[delimiter]}-separated"


def _incidents(n: int) -> str:
    return f"{n} incident" if n == 1 else f"{n} incidents"


@incidents_app.command("stats")
def stats(
    by: Annotated[
        str,
        typer.Option(
            "--by", help="basic | micro | community | street | district | department | category"
        ),
    ] = "basic",
    plan: Plan = None,
    start: Annotated[
        str | None, typer.Option("--start", help="from this report time (ISO)")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="before this report time (ISO)")] = None,
    category: Annotated[
        list[str] | None, typer.Option("--category", help="category code, repeatable")
    ] = None,
    within: Annotated[
        str | None, typer.Option("--within", help="district / street / community code")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="write all rows to CSV")] = None,
    limit: Annotated[int, typer.Option("--limit", help="rows to print")] = 20,
    fmt: FormatOption = OutputFormat.table,
    database_url: DatabaseUrl = None,
) -> None:
    """Statistics per grid, community, street, district, department or category (named)."""
    with opened_store(load_settings(database_url), read_only=True) as store:
        frame = incident_stats(
            store.engine,
            by=by,
            plan_id=plan,
            start=_time(start, "start"),
            end=_time(end, "end"),
            categories=category,
            within=within,
        )
        frame = _named(store, frame, by)
    show(frame, out=out, limit=limit, fmt=fmt, title=f"incidents by {by}")


@incidents_app.command("trend")
def trend(
    period: Annotated[str, typer.Option("--period", help="day | week | month")] = "month",
    start: Annotated[str | None, typer.Option("--start")] = None,
    end: Annotated[str | None, typer.Option("--end")] = None,
    category: Annotated[list[str] | None, typer.Option("--category")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="write to CSV")] = None,
    fmt: FormatOption = OutputFormat.table,
    database_url: DatabaseUrl = None,
) -> None:
    """Reported, closed and on-time counts per day, week or month."""
    with opened_store(load_settings(database_url), read_only=True) as store:
        frame = incident_trend(
            store.engine,
            period=period,
            start=_time(start, "start"),
            end=_time(end, "end"),
            categories=category,
        )
    show(frame, out=out, limit=400, fmt=fmt, title=f"incidents per {period}")


@incidents_app.command("ranking")
def ranking(
    start: Annotated[str | None, typer.Option("--start")] = None,
    end: Annotated[str | None, typer.Option("--end")] = None,
    top: Annotated[int, typer.Option("--top", help="departments on each list")] = 3,
    fmt: FormatOption = OutputFormat.table,
    database_url: DatabaseUrl = None,
) -> None:
    """The red and black list of departments (overdue and rework per accepted incident)."""
    with opened_store(load_settings(database_url), read_only=True) as store:
        frame = department_ranking(
            store.engine, start=_time(start, "start"), end=_time(end, "end"), top=top
        )
    columns = ["rank", "list", "key", "accepted", "overdue", "reworked", "on_time_rate", "penalty"]
    show(
        frame[columns].rename(columns={"key": "department"}),
        limit=100,
        fmt=fmt,
        title="departments",
    )


@incidents_app.command("overdue")
def overdue(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="list what would change, change nothing")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    database_url: DatabaseUrl = None,
) -> None:
    """Flag incidents past their handling deadline and escalate the dispatched ones; every
    incident changed is listed."""
    with store_transaction(database_url) as conn:
        changes = overdue_changes(conn)
        if not dry_run:
            flag_overdue(conn)
    frame = pd.DataFrame(
        [
            {
                "id": c.id,
                "ref": c.ref,
                "status": c.status,
                "department": c.department,
                "handling_due": c.handling_due.astimezone(ZoneInfo(LOCAL_TZ)).strftime(
                    "%Y-%m-%d %H:%M"
                ),
                "change": f"overdue, escalated to {c.escalate_to}" if c.escalate_to else "overdue",
            }
            for c in changes
        ],
        columns=["id", "ref", "status", "department", "handling_due", "change"],
    )
    verb = "would be" if dry_run else "newly"
    show(frame, fmt=fmt, title=f"incidents {verb} overdue")
    if fmt == OutputFormat.table:
        escalated = sum(c.escalate_to is not None for c in changes)
        typer.echo(
            f"{len(changes)} incident(s) {verb} flagged overdue, {escalated} of them escalated"
            + (" (dry run: nothing changed)" if dry_run else "")
        )


@incidents_app.command("reattribute")
def reattribute(
    plan: Annotated[int, typer.Option("--plan", help="plan to attribute every incident to")],
    database_url: DatabaseUrl = None,
) -> None:
    """Attribute every incident to the grids of a plan (other plans' attribution is kept)."""
    with store_transaction(database_url) as conn:
        summary = attribute_incidents(conn, plan)
    typer.echo(
        f"attributed {summary.count} incidents to plan {plan}: "
        f"{summary.outside_grids} outside every grid"
    )


@incidents_app.command("act")
def act(
    incident: Annotated[int, typer.Argument(help="incident id")],
    action: Annotated[
        str,
        typer.Argument(
            help="accept, reject, dispatch, escalate, respond, finish, verify, return_for_rework, close, evaluate, reopen"
        ),
    ],
    actor: Annotated[str, typer.Option("--actor")],
    note: Annotated[str, typer.Option("--note")] = "",
    department: Annotated[str | None, typer.Option("--department")] = None,
    level: Annotated[
        str | None, typer.Option("--level", help="community | street | district")
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="invalid | duplicate")] = None,
    satisfied: Annotated[bool | None, typer.Option("--satisfied/--unsatisfied")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Apply one workflow action to an incident (recorded with actor, time and note)."""
    with store_transaction(database_url) as conn:
        result = transition(
            conn,
            incident,
            action,
            actor=actor,
            note=note,
            department=department,
            level=level,
            reason=reason,
            satisfied=satisfied,
        )
    typer.echo(
        f"incident {incident}: {result['status']} "
        f"({result['dispatch_level'] or '-'}, {result['department'] or '-'})"
    )


@incidents_app.command("unlocated")
def unlocated(fmt: FormatOption = OutputFormat.table, database_url: DatabaseUrl = None) -> None:
    """Records kept with an address but no coordinates, for a dispatcher to place."""
    with (
        opened_store(load_settings(database_url), read_only=True) as store,
        store.engine.connect() as conn,
    ):
        kept = unlocated_incidents(conn)
    frame = pd.DataFrame(
        [
            {
                "ref": k["ref"],
                "address": k["address"],
                "category": k["category_code"] or "",
                "reported_at": k["reported_at"],
            }
            for k in kept
        ],
        columns=["ref", "address", "category", "reported_at"],
    )
    show(frame, fmt=fmt, title="unlocated incidents")


@incidents_app.command("place")
def place(
    ref: Annotated[str, typer.Argument(help="id of an unlocated incident")],
    lon: Annotated[float, typer.Option("--lon", help="WGS 84 longitude")],
    lat: Annotated[float, typer.Option("--lat", help="WGS 84 latitude")],
    plan: Plan = None,
    actor: Annotated[str, typer.Option("--actor", help="who placed it (audit, feed)")] = "cli",
    database_url: DatabaseUrl = None,
) -> None:
    """Place an unlocated incident: it becomes a stored incident attributed to its grids."""
    with opened_store(load_settings(database_url)) as store, store.transaction() as conn:
        summary = place_unlocated(conn, ref, lon, lat, plan_id=plan, actor=actor)
    where = (
        "no plan to attribute it to"
        if summary.plan_id is None
        else "outside every grid"
        if summary.outside_grids
        else "attributed to its grids"
    )
    typer.echo(f"incident {ref} placed at ({lon:.5f}, {lat:.5f}); plan {summary.plan_id}: {where}")


def _named(store: Store, frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """``frame`` with a ``name`` column after its ``key``: the place or category it stands for."""
    keys = [str(k) for k in frame["key"].dropna()]
    if by == "category":
        entries = default_taxonomy().entries
        names = {k: entries[k].name for k in keys if k in entries}
    elif by == "department":
        return frame.rename(columns={"key": "department"})
    else:
        names = place_names(store.engine, keys)
    named = frame.rename(columns={"key": by})
    named.insert(1, "name", [names.get(str(k), "") for k in frame["key"]])
    return named
