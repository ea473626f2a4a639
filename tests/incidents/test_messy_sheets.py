"""Messy incident sheets: faults that used to pass silently or read wrongly, each refused in one
line naming the record and field (or the file and line) and what to do."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from geogrid.errors import InputError, ValidationFailed
from geogrid.incidents.formats import read_incident_file
from geogrid.incidents.intake import normalise

HEADER = "编号,经度,纬度,事件类别,上报时间\n"
# 2026-11-30 04:00 UTC, a fixed "now" for the future-time check
NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC).timestamp()


def _sheet(tmp_path: Path, rows: str, *, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path = tmp_path / "shijian.csv"
    path.write_bytes((header + rows).encode(encoding))
    return path


def _problems(frame: pd.DataFrame) -> list[str]:
    batch = normalise(frame, now=NOW)
    with pytest.raises(ValidationFailed):
        batch.raise_errors(file="shijian.csv")
    return [str(p) for p in batch.errors]


def test_a_report_time_in_the_future_is_refused(tmp_path: Path) -> None:
    """2099 is a typing error; it used to be stored and never fall overdue."""
    frame, _ = read_incident_file(_sheet(tmp_path, "E1,120.4712,36.1034,010101,2099/7/15 8:30\n"))
    assert _problems(frame) == [
        "record E1, field reported_at: the report time 2099-07-15 00:30:00+00:00 (UTC) lies in "
        "the future; check the year, the date order and the time zone"
    ]


def test_a_report_time_within_a_day_of_now_is_accepted(tmp_path: Path) -> None:
    # 2026-11-30 20:00 Beijing = 12:00 UTC, eight hours after NOW: clocks differ, still today
    frame, _ = read_incident_file(_sheet(tmp_path, "E1,120.4712,36.1034,010101,2026/11/30 20:00\n"))
    batch = normalise(frame, now=NOW)
    assert batch.error_count == 0
    assert int(batch.records["reported_at"].iloc[0]) == int(
        datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp()
    )


def test_synthetic_records_may_lie_in_any_year() -> None:
    frame = pd.DataFrame(
        {
            "ref": ["S1"],
            "lon": ["120.4712"],
            "lat": ["36.1034"],
            "category": ["010101"],
            "reported_at": ["2099-01-01T08:00:00+08:00"],
            "synthetic": ["true"],
        }
    )
    assert normalise(frame, now=NOW).error_count == 0


def test_a_missing_category_says_so(tmp_path: Path) -> None:
    """It used to say 'unknown category <NA>'."""
    path = _sheet(
        tmp_path, "E1,120.4712,36.1034,2022/7/15 8:30\n", header="编号,经度,纬度,上报时间\n"
    )
    frame, _ = read_incident_file(path)
    assert _problems(frame) == [
        "record E1, field category: the record has no category (category or 事件类别 in a sheet, "
        "service_code in Open311)"
    ]


def test_a_row_with_more_cells_than_the_header_is_refused(tmp_path: Path) -> None:
    """pandas used to take the id as the row index: 'record 120.4712, unknown category ...'."""
    path = _sheet(tmp_path, "E1,120.4712,36.1034,010101,2022/7/15 8:30,extra\n")
    with pytest.raises(InputError) as caught:
        read_incident_file(path)
    assert str(caught.value) == (
        f"file {path}: line 2 has 6 cells but the header only 5: a value holds an unquoted "
        "comma, or the header lacks a column"
    )


def test_an_empty_sheet_is_refused_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "shijian.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError) as caught:
        read_incident_file(path)
    assert caught.value.message == "the file is empty; nothing to import"


def test_a_big5_sheet_is_refused_not_garbled(tmp_path: Path) -> None:
    """Big5 decodes as GB18030 without an error, into rare characters and private-use points."""
    header = "id,lon,lat,category,reported_at,description\n"
    row = "E1,120.4712,36.1034,010101,2022/7/15 8:30,樓道堆放雜物，住戶反映多次\n"
    path = _sheet(tmp_path, row, header=header, encoding="big5")
    with pytest.raises(InputError) as caught:
        read_incident_file(path)
    assert caught.value.message == (
        "the text decodes as GB18030 only into rare characters, so it is in another encoding; "
        "declare it with --encoding (e.g. big5 for Taiwan or Hong Kong files)"
    )
    frame, _ = read_incident_file(path, encoding="big5")
    assert frame["description"].iloc[0] == "樓道堆放雜物，住戶反映多次"
    assert frame.attrs["encoding"] == "big5"


def test_a_gbk_sheet_with_a_few_traditional_characters_still_reads(tmp_path: Path) -> None:
    header = "id,lon,lat,category,reported_at,description\n"
    row = "E1,120.4712,36.1034,010101,2022/7/15 8:30,3号楼楼道堆放杂物，住户反映多次（張先生）\n"
    frame, _ = read_incident_file(_sheet(tmp_path, row, header=header, encoding="gbk"))
    assert frame["description"].iloc[0] == "3号楼楼道堆放杂物，住户反映多次（張先生）"
    assert frame.attrs["encoding"] == "gb18030"
