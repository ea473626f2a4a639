"""`geogrid info`, `geogrid migrate` and `geogrid plans`: what is in the store."""

from __future__ import annotations

import json
from typing import Annotated

import pandas as pd
import typer
from sqlalchemy.engine import make_url

from geogrid.cli._common import (
    DatabaseUrl,
    console,
    load_settings,
    opened_store,
    store_transaction,
)
from geogrid.cli._tables import FormatOption, OutputFormat, show
from geogrid.store import layer_counts, layer_sources, list_plans
from geogrid.store.incident_bulk import publish_and_reattribute


def register(app: typer.Typer) -> None:
    """Add ``info``, ``migrate`` and the ``plans`` group to ``app``."""
    app.command("info")(info)
    app.command("migrate")(migrate)
    plans = typer.Typer(help="List and publish grid plans.", no_args_is_help=True)
    plans.command("list")(plans_list)
    plans.command("publish")(plans_publish)
    app.add_typer(plans, name="plans")


def info(
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")] = False,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Counts per layer, the CRS each layer came in, and its validation summary."""
    settings = load_settings(database_url)
    with opened_store(settings, read_only=True) as store:
        counts = layer_counts(store.engine)
        sources = layer_sources(store.engine)
    if as_json:
        payload = {"store": store.kind, "counts": counts, "layers": sources}
        typer.echo(json.dumps(payload, default=str, ensure_ascii=False, indent=2))
        return
    if fmt == OutputFormat.table:
        console.print(
            f"store: [bold]{store.kind}[/bold] ({_redacted(settings.store.database_url)})"
        )
    by_layer = {s["layer"]: s for s in sources}
    rows = [
        {
            "layer": layer,
            "features": count,
            "source_crs": by_layer.get(layer, {}).get("source_crs", ""),
            "source_file": by_layer.get(layer, {}).get("source_file", ""),
            "validation": _validation_summary(by_layer.get(layer, {}).get("validation")),
        }
        for layer, count in counts.items()
    ]
    show(pd.DataFrame(rows), fmt=fmt, title="layers")


def _validation_summary(validation: dict[str, object] | None) -> str:
    """The counts of a layer's stored validation summary, on one line."""
    if not validation:
        return ""
    return ", ".join(f"{k}: {v}" for k, v in validation.items() if isinstance(v, int | str))


def _redacted(url: str) -> str:
    """The database URL without its password."""
    return make_url(url).render_as_string(hide_password=True)


def migrate(database_url: DatabaseUrl = None) -> None:
    """Create the schema or bring it to the newest revision."""
    with opened_store(load_settings(database_url)) as store:
        console.print(f"{store.kind} store is at the newest schema")


def plans_list(database_url: DatabaseUrl = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Every grid plan, newest first."""
    with opened_store(load_settings(database_url), read_only=True) as store:
        plans = list_plans(store.engine)
    columns = ["id", "status", "author", "created_at", "published_at", "based_on", "note"]
    frame = pd.DataFrame([{k: p[k] for k in columns} for p in plans], columns=columns)
    frame["based_on"] = frame["based_on"].astype("Int64")
    for column in ("created_at", "published_at"):
        frame[column] = [str(v)[:19] if v is not None else "" for v in frame[column]]
    show(frame, fmt=fmt, title="grid plans")


def plans_publish(
    plan_id: Annotated[int, typer.Argument(help="The draft plan to publish")],
    database_url: DatabaseUrl = None,
) -> None:
    """Publish a draft plan; the one published before is archived, incidents are re-attributed."""
    with store_transaction(database_url) as conn:
        summary = publish_and_reattribute(conn, plan_id)
    console.print(
        f"plan {plan_id} published; {summary.attributed:,} incidents attributed to its grids"
    )
