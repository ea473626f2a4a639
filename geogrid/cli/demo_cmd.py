"""`geogrid demo`: every step that exists, on a synthetic city inside a real district outline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from geogrid.cli._common import (
    DatabaseUrl,
    chosen_url,
    console,
    describe_store,
    load_settings,
    opened_store,
    progress_bar,
)
from geogrid.errors import Conflict
from geogrid.store import Store, layer_counts


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    district: Annotated[str, typer.Option(help="Adcode of the district to synthesise")] = "370212",
    seed: Annotated[int, typer.Option(help="Seed of the synthetic city and its incidents")] = 1,
    incidents: Annotated[
        int, typer.Option(help="Synthetic incidents to load for one year")
    ] = 60_000,
    year: Annotated[int, typer.Option(help="Year of the synthetic incidents")] = 2025,
    out_dir: Annotated[Path, typer.Option(help="Where the demo files are written")] = Path(
        "out/demo"
    ),
    serve: Annotated[bool, typer.Option(help="Serve the API when the data is ready")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Synthesise a city, import it, partition it, load a year of incidents; then serve.

    Without a store named (``--database-url``, ``--store``, DATABASE_URL) the demo builds a
    fresh SpatiaLite file of its own in ``out_dir``, so it never touches the default store; a
    store it is given must be empty.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    database_url = chosen_url(database_url)
    if database_url is None:
        demo_file = (out_dir / "geogrid-demo.sqlite").resolve()
        demo_file.unlink(missing_ok=True)
        database_url = f"sqlite:///{demo_file}"
    settings = load_settings(database_url)
    with opened_store(settings) as store, progress_bar() as bar:
        _require_empty(store)
        task = bar.add_task("demo", total=6)
        city = _synth(district, seed, out_dir, bar.update, task)
        _import(store, city, bar.update, task)
        workers = settings.partition.process_count()
        plan_id, report = _partition(store, seed, workers, bar.update, task)
        _incidents(
            store, plan_id, year=year, count=incidents, seed=seed, update=bar.update, task=task
        )
        _staff(store, settings, plan_id, seed=seed, update=bar.update, task=task)
        maps_dir = _maps(store, settings, out_dir, bar.update, task)
        draft_id = _draft(store, plan_id)
        counts = layer_counts(store.engine)
        key = _planner_key(store, district)
    _summary(store.kind, counts, plan_id, report)
    console.print(
        f"draft plan {draft_id}: a copy of plan {plan_id} for the editor", highlight=False
    )
    _how_to_reach(settings.store.database_url, store.kind)
    settings.report.maps_dir = maps_dir
    start = f"http://{settings.api.host}:{settings.api.port}/maps#key={key}"
    console.print(f"offline maps: {maps_dir / 'index.html'}", highlight=False, soft_wrap=True)
    console.print(
        f"start page (editor, big screen, maps; signed in as planner 'demo-planner'): {start}",
        highlight=False,
        soft_wrap=True,
    )
    if serve:
        from geogrid.cli.serve_cmd import run_api

        # The demo is local: its map and OGC clients read as anonymous viewers; the printed key
        # (a planner of the district) is what the editor writes with.
        settings.api.anonymous_read = True
        # the demo's incidents are of one past year: the big screen reports on its last evening
        settings.api.screen_as_of = f"{year}-12-31T18:00"
        settings.api.kpi_warmup_as_of = [settings.api.screen_as_of]
        run_api(settings)


def _draft(store: Store, plan_id: int) -> int:
    """A draft copy of the published plan, so the editor opens on something to edit."""
    from geogrid.plan_writes import copy_plan

    def unaudited(
        conn: Any, action: str, target: str, details: dict[str, Any] | None = None
    ) -> None:
        """The demo builds its own store; there is nobody to audit yet."""

    note = "the demo's draft: edit it in the planners' editor"
    return copy_plan(store, plan_id, author="geogrid demo", note=note, on_write=unaudited)


def _require_empty(store: Store) -> None:
    filled = {name: n for name, n in layer_counts(store.engine).items() if n}
    if filled:
        listing = ", ".join(f"{name} {n:,}" for name, n in filled.items())
        raise Conflict(f"the demo needs an empty store, this one holds {listing}")


def _synth(district: str, seed: int, out_dir: Path, update: Any, task: Any) -> Path:
    from geogrid.synth import synth_city, write_city

    update(task, description=f"synthesising district {district} (seed {seed})")
    path = out_dir / f"city_{district}_seed{seed}.gpkg"
    write_city(synth_city(district, seed=seed), path)
    update(task, advance=1)
    return path


def _import(store: Store, city: Path, update: Any, task: Any) -> None:
    from geogrid.importer import import_file

    update(task, description=f"importing {city.name}")
    import_file(store, city)
    update(task, advance=1)


def _partition(
    store: Store, seed: int, workers: int, update: Any, task: Any
) -> tuple[int, dict[str, Any]]:
    from geogrid.partition_jobs import partition_store
    from geogrid.store.incident_bulk import publish_and_reattribute

    update(task, description="partitioning into basic and micro grids")
    plan_id, report = partition_store(
        store, seed=seed, workers=workers, author="geogrid demo", note="demo plan"
    )
    with store.transaction() as conn:
        publish_and_reattribute(conn, plan_id)
    update(task, advance=1)
    return plan_id, report


def _incidents(
    store: Store, plan_id: int, *, year: int, count: int, seed: int, update: Any, task: Any
) -> None:
    from geogrid.incidents.synthetic import synthesize_incidents
    from geogrid.store import read_plan
    from geogrid.store.incident_bulk import import_incidents

    update(task, description=f"loading {count:,} synthetic incidents of {year}")
    basic = read_plan(store.engine, plan_id, "basic")
    frame = synthesize_incidents(basic, year=year, count=count, seed=seed)
    with store.transaction() as conn:
        import_incidents(conn, frame, source_file="geogrid demo", plan_id=plan_id, synthetic=True)
    update(task, advance=1)


def _staff(store: Store, settings: Any, plan_id: int, *, seed: int, update: Any, task: Any) -> None:
    """A synthetic staff registry, checked and stored as ``geogrid staff import`` does."""
    from geogrid.cli.staff_cmd import register_staff
    from geogrid.store import read_plan
    from geogrid.synth.staff import synthesize_staff

    update(task, description="registering synthetic staff (grid workers, chiefs, police)")
    grids = read_plan(store.engine, plan_id)
    frame = synthesize_staff(grids[grids["level"] == "basic"], seed=seed)
    register_staff(
        store,
        grids,
        frame,
        file="geogrid demo (synthetic staff)",
        source_crs="EPSG:4326",
        settings=settings.coverage,
    )
    update(task, advance=1)


def _maps(store: Store, settings: Any, out_dir: Path, update: Any, task: Any) -> Path:
    """The offline folium maps of the published plan, written into ``out_dir/maps``."""
    from geogrid.maps import read_map_data, write_maps

    update(task, description="writing the offline maps (plan, incidents, hot spots, coverage)")
    maps_dir = (out_dir / "maps").resolve()
    write_maps(read_map_data(store, settings), maps_dir)
    update(task, advance=1)
    return maps_dir


def _planner_key(store: Store, district: str) -> str:
    """A key for the demo's planner of the whole district (printed once, in the start link)."""
    from geogrid.roles import Role
    from geogrid.store.access import create_api_key

    with store.transaction() as conn:
        return create_api_key(conn, name="demo-planner", role=Role.planner, jurisdiction=district)


def _how_to_reach(url: str, kind: str) -> None:
    """The exact command that reaches the demo's store again (it is not the default store)."""
    target = describe_store(url, kind).split(" ", 2)[-1] if kind == "spatialite" else url
    console.print(f"the demo store is the {describe_store(url, kind)}; reach it with:")
    console.print(f"  geogrid --store {target} info", highlight=False, soft_wrap=True)


def _summary(kind: str, counts: dict[str, int], plan_id: int, report: dict[str, Any]) -> None:
    table = Table("layer", "features", title=f"demo store ({kind}); every feature is synthetic")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    basic = report.get("basic", {})
    console.print(
        f"plan {plan_id} published: {basic.get('count', 0):,} basic grids, "
        f"{basic.get('within_band_share', 0):.1%} of them within band "
        f"({sum(basic.get('exemptions', {}).values()):,} exempt by rule, "
        f"{basic.get('misses', 0):,} missed), "
        f"{report.get('households', {}).get('unassigned_households', 0):,} households in no grid, "
        f"{report.get('seconds', {}).get('total', 0):.1f} s"
    )
