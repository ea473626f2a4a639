"""Tables of the CLI: folded to fit any terminal, or all rows as CSV or JSON on stdout."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.cells import cell_len
from rich.table import Table

from geogrid.cli._common import console


class OutputFormat(StrEnum):
    """How a table command prints: a folded table for people, CSV or JSON for programs."""

    table = "table"
    csv = "csv"
    json = "json"


FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        help="table (folded to the terminal's width), or every row as csv or json on stdout",
    ),
]


def show(
    frame: pd.DataFrame,
    *,
    title: str,
    fmt: OutputFormat = OutputFormat.table,
    limit: int | None = None,
    out: Path | None = None,
) -> None:
    """Print ``frame``: a table of its first ``limit`` rows (cells fold, never cut), or CSV /
    JSON of every row. ``out`` writes CSV to a file instead (kept for ``--out``)."""
    if out is not None:
        frame.to_csv(out, index=False)
        typer.echo(f"wrote {len(frame)} rows to {out}")
        return
    if fmt == OutputFormat.csv:
        frame.to_csv(sys.stdout, index=False)
        return
    if fmt == OutputFormat.json:
        records = json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))
        typer.echo(json.dumps(records, ensure_ascii=False, indent=1))
        return
    shown = frame if limit is None else frame.head(limit)
    more = f"; first {len(shown)} shown, --format csv for all" if len(shown) < len(frame) else ""
    cells = {str(c): [_cell(v) for v in shown[c]] for c in frame.columns}
    numeric = {str(c) for c in frame.columns if frame[c].dtype.kind in "fiu"}
    keep = [c for c in list(cells)[:2] if c not in numeric] or list(cells)[:1]
    parts = _column_groups(cells, keep, console.width)
    for i, group in enumerate(parts, 1):
        part = f", columns part {i} of {len(parts)}" if len(parts) > 1 else ""
        table = Table(title=f"{title} ({len(frame)} rows{more}{part})")
        for column in [*keep, *group]:
            table.add_column(
                column.replace("_", " "),
                justify="right" if column in numeric else "left",
                overflow="fold",
                no_wrap=column in keep,
            )
        for r in range(len(shown)):
            table.add_row(*[cells[c][r] for c in [*keep, *group]])
        console.print(table)


def _column_groups(cells: dict[str, list[str]], keep: list[str], width: int) -> list[list[str]]:
    """The other columns in groups that fit ``width`` beside the ``keep`` columns: a wide table
    is printed as several narrow ones rather than squeezed until every cell reads ``3…``."""

    def cost(column: str) -> int:  # cell padding and border: 3 characters
        return max([cell_len(column), *(cell_len(v) for v in cells[column])]) + 3

    room = width - 1 - sum(cost(c) for c in keep)
    groups: list[list[str]] = [[]]
    used = 0
    for column in (c for c in cells if c not in keep):
        if groups[-1] and used + cost(column) > room:
            groups.append([])
            used = 0
        groups[-1].append(column)
        used += cost(column)
    return groups


def _cell(value: Any) -> str:
    # pandas' NA (a nullable column: "based on" of a plan built from scratch) is blank too
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)
