"""An incident sheet saved by Excel in a Chinese locale as ';'-separated "CSV" (or as tab text)
imports like a comma one, and the summary says which delimiter was read (CLI as a process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli import run_geogrid

from geogrid.incidents.formats import parse_incident_bytes, read_incident_file

SHEET = "编号{d}经度{d}纬度{d}事件类别{d}上报时间{d}描述\n" + (
    'E001{d}120.4712{d}36.1034{d}010101{d}2022/7/15 8:30{d}"楼道堆物, 三楼"\n'
    "E002{d}120.4755{d}36.1051{d}010201{d}2022/7/15 14:05{d}占道经营\n"
)


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_a_sheet_with_another_delimiter_imports(tmp_path: Path, delimiter: str, name: str) -> None:
    path = tmp_path / "shijian.csv"
    path.write_bytes(SHEET.format(d=delimiter).encode("gb18030"))
    frame, fmt = read_incident_file(path)
    assert (fmt, frame.attrs["delimiter"], frame.attrs["encoding"]) == ("csv", delimiter, "gb18030")
    assert frame["编号"].tolist() == ["E001", "E002"]
    assert frame["描述"].tolist() == ["楼道堆物, 三楼", "占道经营"]
    done = run_geogrid("incidents", "import", str(path), db=tmp_path / "g.sqlite")
    assert done.returncode == 0, done.stderr
    assert f"imported 2 incidents from {path} (csv, gb18030, {name}-separated)" in done.stdout


def test_a_semicolon_body_posted_to_the_api_reader() -> None:
    frame = parse_incident_bytes(SHEET.format(d=";").encode("utf-8"), "csv", name="body")
    assert frame.attrs["delimiter"] == ";"
    assert frame["经度"].tolist() == ["120.4712", "120.4755"]
