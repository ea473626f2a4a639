"""Output of the analytic commands: rows per grid as CSV or JSON, on stdout or to a file."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from sqlalchemy import Engine

from geogrid.cli._common import load_settings, opened_store
from geogrid.errors import InputError, NotFound
from geogrid.settings import Settings
from geogrid.store import Store, published_plan_id

FORMATS = ("csv", "json")
Format = Annotated[str, typer.Option("--format", "-f", help="csv | json (rows per grid code)")]
Out = Annotated[Path | None, typer.Option("--out", "-o", help="write here instead of stdout")]
PlanOption = Annotated[
    int | None, typer.Option("--plan", help="grid plan id (default: the published plan)")
]


def plan_or_published(engine: Engine, plan: int | None) -> int:
    """``plan``, or the published plan; NotFound when there is none."""
    if plan is not None:
        return plan
    published = published_plan_id(engine)
    if published is None:
        raise NotFound("no plan is published; pass --plan ID")
    return published


@contextmanager
def plan_store(database_url: str | None, plan: int | None) -> Iterator[tuple[Settings, Store, int]]:
    """Settings, the open store and the plan to work on (``plan`` or the published one)."""
    settings = load_settings(database_url)
    with opened_store(settings, read_only=True) as store:  # a missing store holds no plan
        yield settings, store, plan_or_published(store.engine, plan)


def write_rows(
    frame: pd.DataFrame, *, fmt: str, out: Path | None, summary: dict[str, Any], key: str
) -> None:
    """Rows of ``frame`` (its index named ``key``) as CSV or as JSON with the summary."""
    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}", field="format")
    table = frame.reset_index(names=key) if frame.index.name != key else frame.reset_index()
    if fmt == "csv":
        text = table.to_csv(index=False)
    else:
        rows = json.loads(table.to_json(orient="records", default_handler=str))
        text = json.dumps({"summary": summary, "rows": rows}, ensure_ascii=False, default=str)
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {len(table)} rows to {out}", err=True)
