"""Household counts as a housing survey writes them, read on import by the code partition FILE
uses (``io._values.read_counts``): '120户' and '８６' are numbers (with a note), a blank is a
missing count (estimated), anything else is refused listing each value."""

from __future__ import annotations

import json
from pathlib import Path

from _cli import run_geogrid
from _street_file import buildings, write


def _import(tmp_path: Path, values: list[object]) -> tuple[int, str, list[dict]]:
    path, report = write(tmp_path, buildings=buildings(values)), tmp_path / "r.json"
    done = run_geogrid("import", str(path), "--report", str(report), db=tmp_path / "s.sqlite")
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stderr.strip().splitlines()[-1], json.loads(report.read_text())


def test_import_reads_units_and_full_width_digits_and_estimates_blanks(tmp_path: Path) -> None:
    values: list[object] = ["20"] * 16
    values[:4] = ["120户", "８６", "", " "]
    code, _, report = _import(tmp_path, values)
    assert code == 0
    [note] = [f for f in report["findings"] if f["check"] == "number_from_text"]
    assert note["message"] == (
        "households read as a number from text for 2 feature(s) (full-width digits or a unit "
        "after it: '120户' as 120, '８６' as 86)"
    )
    assert not [f for f in report["findings"] if f["severity"] == "error"]


def test_import_refuses_counts_that_are_not_numbers_listing_each(tmp_path: Path) -> None:
    values: list[object] = ["约30户", "待核实"] + ["20"] * 14
    code, last, report = _import(tmp_path, values)
    assert code == 1
    assert last.endswith(
        "layer buildings, feature b00, field households: households is not a number for 2 "
        "feature(s): b00 '约30户', b01 '待核实'; write a number (120, not 约120户), or leave it "
        "blank to have it estimated"
    )
    each = [
        (f["feature"], f["message"]) for f in report["findings"] if f["check"] == "not_a_number"
    ]
    assert each == [("b00", "households '约30户' is not a number"),
                    ("b01", "households '待核实' is not a number")]  # fmt: skip
