"""What every command needs: settings, an open and migrated store, a progress bar, a console."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Connection

from geogrid.settings import Settings
from geogrid.store import Store, open_store

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="DATABASE_URL",
        help="Store URL: sqlite:///FILE (SpatiaLite, the default) or postgresql+psycopg://...",
    ),
]

console = Console()
err_console = Console(stderr=True)


def load_settings(database_url: str | None = None) -> Settings:
    """Settings from the environment, with ``--database-url`` taking precedence."""
    settings = Settings()
    if database_url:
        settings.store.database_url = database_url
    return settings


@contextmanager
def opened_store(settings: Settings) -> Iterator[Store]:
    """The configured store, migrated to the newest schema, disposed afterwards."""
    store = open_store(settings.store)
    try:
        store.migrate()
        yield store
    finally:
        store.dispose()


@contextmanager
def store_transaction(database_url: str | None) -> Iterator[Connection]:
    """One transaction on the configured store: for commands that change one thing."""
    with opened_store(load_settings(database_url)) as store, store.transaction() as conn:
        yield conn


def progress_bar() -> Progress:
    """The one progress bar style of the CLI, on stderr so stdout stays clean.

    Off when stderr is not a terminal: a failing command then leaves exactly one line there.
    """
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )
    bar.disable = not err_console.is_terminal
    return bar
