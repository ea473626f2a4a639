"""What every command needs: settings, an open and migrated store, a progress bar, a console."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

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
from sqlalchemy.engine import make_url

from geogrid.errors import StoreError
from geogrid.settings import Settings
from geogrid.store import Store, open_store

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Store URL: sqlite:///FILE (SpatiaLite, the default) or postgresql+psycopg://... "
        "(default: the global --store, else DATABASE_URL, else sqlite:///geogrid.sqlite)",
    ),
]

console = Console()
err_console = Console(stderr=True)
_chosen: dict[str, str] = {}  # the global --store of this run


def store_url(value: str) -> str:
    """A database URL as it is, or a SpatiaLite file path as ``sqlite:///ABSOLUTE``."""
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def use_store(value: str) -> None:
    """Make ``value`` (a file path or URL) the store of every command of this run."""
    _chosen["url"] = store_url(value)


def chosen_url(database_url: str | None = None) -> str | None:
    """The store the user named: ``--database-url``, else ``--store``, else DATABASE_URL."""
    env = os.environ.get("DATABASE_URL") or os.environ.get("GEOGRID_DATABASE_URL")
    return database_url or _chosen.get("url") or env or None


def load_settings(database_url: str | None = None) -> Settings:
    """Settings from the environment; ``--database-url`` and the global ``--store`` win."""
    settings = Settings()
    chosen = chosen_url(database_url)
    if chosen:
        settings.store.database_url = chosen
    return settings


def describe_store(url: str, kind: str) -> str:
    """Which store, in words a user can paste back: the absolute file or the redacted URL."""
    parsed = make_url(url)
    if kind == "spatialite" and parsed.database:
        return f"SpatiaLite file {Path(parsed.database).resolve()}"
    return f"PostGIS {parsed.render_as_string(hide_password=True)}"


@contextmanager
def opened_store(
    settings: Settings, *, quiet: bool = False, read_only: bool = False
) -> Iterator[Store]:
    """The configured store, migrated to the newest schema, disposed afterwards.

    Says on stderr which store it opened (and when it was just created, empty), so nobody
    wonders where their data went. A SpatiaLite file it created is removed again when the
    command fails (a refused import leaves no empty store behind). ``read_only``: for commands that only read; a SpatiaLite
    file that does not exist is refused (StoreError) instead of created empty, since a
    mistyped path would otherwise leave a new empty store behind and report it empty.
    """
    url = settings.store.database_url
    parsed = make_url(url)
    is_new = parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists()
    if is_new and read_only:
        raise StoreError(
            f"no store at {Path(parsed.database or '').resolve()}: this command only reads a "
            "store; name an existing one with --store FILE (or DATABASE_URL), or create one "
            "with 'geogrid import' or 'geogrid demo'"
        )
    store = open_store(settings.store)
    try:
        store.migrate()
        if not quiet:
            new = " (new, empty)" if is_new else ""
            err_console.print(
                f"geogrid: store: {describe_store(url, store.kind)}{new}",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        yield store
    except BaseException:
        store.dispose()
        if is_new:  # a command that failed leaves no new, empty store behind
            _remove_store_file(Path(parsed.database or ""))
        raise
    finally:
        store.dispose()


def _remove_store_file(path: Path) -> None:
    """A SpatiaLite file this command created, with its journal files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


@contextmanager
def store_transaction(database_url: str | None) -> Iterator[Connection]:
    """One transaction on the configured store: for commands that change one thing."""
    with opened_store(load_settings(database_url)) as store, store.transaction() as conn:
        yield conn


class _LoggedProgress(Progress):
    """A rich progress bar on a terminal; elsewhere (a pipe, a log file) one line per step."""

    def add_task(self, description: str, *args: Any, **kwargs: Any) -> Any:
        task = super().add_task(description, *args, **kwargs)
        self._log(description)
        return task

    def update(self, task_id: Any, *, description: str | None = None, **kwargs: Any) -> None:
        if description is not None and description != self._tasks[task_id].description:
            self._log(description)
        super().update(task_id, description=description, **kwargs)

    def _log(self, description: str) -> None:
        if self.disable:
            line = f"{time.strftime('%H:%M:%S')} geogrid: {description}"
            err_console.print(line, highlight=False, markup=False, soft_wrap=True)


def progress_bar() -> Progress:
    """The one progress bar style of the CLI, on stderr so stdout stays clean.

    On a terminal a bar; elsewhere a time-stamped log line for each step.
    """
    bar = _LoggedProgress(
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
