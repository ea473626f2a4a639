"""The staff registry file: spreadsheets with codes stored as numbers, roles, validation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from geogrid.errors import InputError
from geogrid.staff import assignable_codes, check_staff, read_staff_file, without_personal

GRID = "370212001001001"


def test_a_spreadsheet_with_numeric_codes_reads_as_text(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "staff_id": [1001.0, 1002.0],
            "role": ["网格员", "交警"],
            "grid_codes": [float(GRID), 370212001001.0],
            "name": ["甲", "乙"],
        }
    )
    path = tmp_path / "staff.xlsx"
    pyogrio.write_dataframe(table, path, driver="XLSX")
    frame, crs, _ = read_staff_file(path)
    assert frame["staff_id"].tolist() == ["1001", "1002"]
    assert frame["grid_codes"].tolist() == [GRID, "370212001001"]
    assert crs == "none"
    people, assignments, report = check_staff(
        frame, grid_codes=assignable_codes(pd.DataFrame({"code": [GRID]})), file=str(path)
    )
    assert report.ok
    assert people["role"].tolist() == ["grid_worker", "traffic_police"]
    assert assignments["grid_code"].tolist() == [GRID, "370212001001"]
    assert "name" not in without_personal(people).columns


def test_unknown_roles_and_missing_codes_are_findings(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text("staff_id,role,grid_codes\nA,mayor,370212001001001\nB,grid_worker,\n")
    frame, _, _ = read_staff_file(path)
    _, _, report = check_staff(frame, grid_codes={GRID}, file=str(path))
    found = sorted((f.check, f.feature) for f in report.errors)
    assert found == [("bad_value", "A"), ("missing_value", "B")]


def test_other_file_types_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "staff.docx"
    path.write_text("x")
    with pytest.raises(InputError, match="unknown staff file type"):
        read_staff_file(path)
