"""The geogrid command line: one typer app, one module per command group."""

from __future__ import annotations

import importlib
import sys
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from typer._click.exceptions import BadParameter, NoArgsIsHelpError, UsageError

from geogrid import __version__
from geogrid.cli._common import use_store
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
    "staff_cmd",
    "hotspots_cmd",
    "serve_cmd",
    "users_cmd",
    "map_cmd",
    "qr_cmd",
    "demo_cmd",
)

for _name in _COMMAND_MODULES:
    importlib.import_module(f"geogrid.cli.{_name}").register(app)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"geogrid {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            help="The store of this run: a SpatiaLite file path or a database URL "
            "(overrides DATABASE_URL).",
        ),
    ] = None,
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Grid division and map layers for grid-based grassroots governance."""
    if store:
        use_store(store)


def _fail(message: str, code: int) -> NoReturn:
    """One line on stderr, then exit: no traceback for anything geogrid or typer expects."""
    typer.echo(f"geogrid: error: {' '.join(message.split())}", err=True)
    sys.exit(code)


# What a value failed to be, in words, by pydantic's error type (typer validates with pydantic).
_EXPECTED = {
    "int_parsing": "a whole number",
    "float_parsing": "a number",
    "bool_parsing": "true or false",
}


def _usage_message(exc: UsageError) -> str:
    """Click's message, or for a value of the wrong type the value and what it should be."""
    cause = exc.__cause__
    if isinstance(exc, BadParameter) and isinstance(cause, ValidationError):
        error = cause.errors()[0]
        if error["type"] in _EXPECTED:
            name = exc.param.get_error_hint() if exc.param is not None else "the value"
            return f"{name} must be {_EXPECTED[error['type']]}, not {error['input']!r}"
    return exc.format_message()


def main() -> None:
    """Run the CLI: domain errors print one line on stderr and exit 1, usage errors exit 2."""
    try:
        code = app(standalone_mode=False, prog_name="geogrid")
    except GeogridError as exc:
        _fail(str(exc), 1)
    except NoArgsIsHelpError:  # a group without a command: typer has printed its help
        sys.exit(2)
    except UsageError as exc:
        where = exc.ctx.command_path if exc.ctx else "geogrid"
        _fail(f"{_usage_message(exc)} (see '{where} --help')", 2)
    except typer.Abort:
        typer.echo("geogrid: aborted", err=True)
        sys.exit(130)
    except typer.TyperException as exc:  # ClickException and the like: a bad file argument, ...
        _fail(exc.format_message() if hasattr(exc, "format_message") else str(exc), 2)
    except KeyboardInterrupt:
        typer.echo("geogrid: interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "main"]
