"""CSV saved by Excel in Chinese (and European) locales separates columns with ';', text
exports with tabs: the delimiter is detected from the header and said in the import's notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from geogrid.errors import InputError
from geogrid.io import read_layers
from geogrid.text_tables import csv_table, detect_delimiter

POLYGON = "POLYGON ((120.4 36.1, 120.5 36.1, 120.5 36.2, 120.4 36.1))"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id,code,WKT\n1,2,3\n", ","),
        ("id;code;WKT\n1;2;3\n", ";"),
        ("id\tcode\tWKT\n1\t2\t3\n", "\t"),
        ("id|code\n1|2\n", "|"),
        (f'id;WKT\n1;"{POLYGON}"\n', ";"),  # commas inside a value do not count
        ('"a;b",c,d\n1,2,3\n', ","),  # a semicolon inside a quoted header name neither
        ("code\n370212001\n", ","),  # one column: nothing to split
    ],
)
def test_the_delimiter_is_read_from_the_header(text: str, expected: str) -> None:
    assert detect_delimiter(text) == expected


def test_a_semicolon_csv_with_wkt_imports_with_its_codes_as_text(tmp_path: Path) -> None:
    path = tmp_path / "社区.csv"
    path.write_text(
        f'code;name;WKT\n037021200100;"中韩; 一社区";"{POLYGON}"\n', encoding="utf-8-sig"
    )
    [layer] = read_layers(path)
    assert layer.frame["code"].tolist() == ["037021200100"]  # leading zero kept
    assert layer.frame["name"].tolist() == ["中韩; 一社区"]
    assert layer.frame.geometry.iloc[0].wkt == POLYGON
    assert "columns separated by semicolons" in layer.notes


def test_a_tab_separated_file_with_lon_lat(tmp_path: Path) -> None:
    path = tmp_path / "points.txt"
    path.write_text("id\t经度\t纬度\n1\t120.6\t36.1\n2\t120.7\t36.2\n", encoding="gb18030")
    [layer] = read_layers(path, lonlat_columns=("经度", "纬度"))
    assert [(p.x, p.y) for p in layer.frame.geometry] == [(120.6, 36.1), (120.7, 36.2)]
    assert "columns separated by tabs" in layer.notes


def test_a_semicolon_row_with_a_stray_delimiter_is_named_by_its_line() -> None:
    with pytest.raises(InputError, match="line 3 has 4 cells but the header only 3"):
        csv_table("a;b;c\n1;2;3\n1;2;3;4\n", file="x.csv")
