"""The geogrid command line: one typer app, one module per command group."""

from __future__ import annotations

import importlib
import sys

import click
import typer

from geogrid.errors import GeogridError

app = typer.Typer(
    name="geogrid",
    help="Grid division and map layers for grid-based grassroots governance.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Each module adds its commands with register(app).
_COMMAND_MODULES = (
    "store_cmd",
    "synth_cmd",
    "import_cmd",
    "export_cmd",
    "partition_cmd",
    "incidents_cmd",
    "serve_cmd",
    "users_cmd",
    "demo_cmd",
)

for _name in _COMMAND_MODULES:
    importlib.import_module(f"geogrid.cli.{_name}").register(app)


def main() -> None:
    """Run the CLI: domain errors print one line on stderr and exit 1."""
    try:
        app(standalone_mode=False)
    except GeogridError as exc:
        typer.echo(f"geogrid: error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        typer.echo("geogrid: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("geogrid: interrupted", err=True)
        sys.exit(130)


__all__ = ["app", "main"]
