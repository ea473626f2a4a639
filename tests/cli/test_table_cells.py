"""Table cells of the CLI: a missing value is a blank cell, whatever pandas calls it."""

from __future__ import annotations

import pandas as pd
import pytest

from geogrid.cli._tables import show


def test_missing_values_are_blank_not_na(capsys: pytest.CaptureFixture[str]) -> None:
    """`plans list` printed "<NA>" under "based on" for a plan built from scratch."""
    frame = pd.DataFrame(
        {
            "id": [1, 2],
            "based on": pd.array([pd.NA, 1], dtype="Int64"),
            "note": [None, float("nan")],
        }
    )
    show(frame, title="grid plans")
    out = capsys.readouterr().out
    assert "<NA>" not in out and "nan" not in out
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert [[cell.strip() for cell in row.strip("│").split("│")] for row in rows] == [
        ["1", "", ""],
        ["2", "1", ""],
    ]
