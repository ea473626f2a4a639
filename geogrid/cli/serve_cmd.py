"""`geogrid serve`: the HTTP API on the configured store, on uvicorn with uvloop and httptools.

uvloop sets TCP_NODELAY on every connection; plain asyncio loses it in uvicorn's worker
processes (uvicorn issue 3149) and small responses then wait for delayed ACKs (about 40 ms).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from geogrid.cli._common import DatabaseUrl, describe_store, err_console, load_settings
from geogrid.settings import Settings

SETTINGS_ENV = "GEOGRID_SERVE_SETTINGS"
"""Where `serve --workers N` hands its settings to the worker processes (JSON)."""


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    database_url: DatabaseUrl = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes (each with its own tile cache)")
    ] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request")] = True,
) -> None:
    """Serve the API (health, layers, plans, OGC API, tiles) until interrupted."""
    settings = load_settings(database_url)
    run_api(settings, host=host, port=port, workers=workers, access_log=access_log)


def run_api(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int = 1,
    access_log: bool = True,
) -> None:
    """Run uvicorn (uvloop, httptools) on ``settings``; ``workers`` > 1 starts that many
    processes, each building the app from the same settings."""
    import uvicorn

    url = settings.store.database_url
    kind = "postgis" if url.startswith("postgresql") else "spatialite"
    err_console.print(f"geogrid: store: {describe_store(url, kind)}", markup=False, soft_wrap=True)
    options = {
        "host": host or settings.api.host,
        "port": port or settings.api.port,
        "log_level": "info",
        "loop": "uvloop",
        "http": "httptools",
        "access_log": access_log,
    }
    if workers == 1:
        from geogrid.api import create_app

        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]
        return
    # uvicorn's worker processes are spawned: they re-import the parent's main module, which
    # fails silently for the installed `geogrid` script; `python -m uvicorn` is a safe parent.
    os.environ[SETTINGS_ENV] = settings.model_dump_json()
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in options.items() if k != "access_log"]
    if not access_log:
        flags.append("--no-access-log")
    factory = "geogrid.cli.serve_cmd:app_from_environment"
    command = [sys.executable, "-m", "uvicorn", factory, "--factory", f"--workers={workers}"]
    os.execv(sys.executable, [*command, *flags])


def app_from_environment() -> object:
    """The app of one worker process, from the settings `serve` put in the environment."""
    from geogrid.api import create_app

    return create_app(Settings.model_validate_json(os.environ[SETTINGS_ENV]))
