"""`geogrid serve`: the HTTP API on the configured store."""

from __future__ import annotations

from typing import Annotated

import typer

from geogrid.cli._common import DatabaseUrl, describe_store, err_console, load_settings
from geogrid.settings import Settings


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    database_url: DatabaseUrl = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
) -> None:
    """Serve the API (health, layers, plans) until interrupted."""
    settings = load_settings(database_url)
    run_api(settings, host=host, port=port)


def run_api(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    from geogrid.api import create_app

    url = settings.store.database_url
    kind = "postgis" if url.startswith("postgresql") else "spatialite"
    err_console.print(f"geogrid: store: {describe_store(url, kind)}", markup=False, soft_wrap=True)
    uvicorn.run(
        create_app(settings),
        host=host or settings.api.host,
        port=port or settings.api.port,
        log_level="info",
    )
