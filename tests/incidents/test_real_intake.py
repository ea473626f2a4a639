"""Incident sheets as people send them (turn-2 cases c05, c06, c19 and their kinds), on both
stores: Chinese headers, spreadsheet times, GBK text, address-only Open311 requests, mappings,
values that must not change silently."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from _cli import messages, run_geogrid
from incident_plans import COMMUNITY, grid_center
from sqlalchemy import func, select, text

from geogrid.errors import InputError, NotFound, ValidationFailed
from geogrid.incidents.columns import parse_incident_map
from geogrid.incidents.formats import read_incident_file
from geogrid.incidents.intake import normalise
from geogrid.store import Store
from geogrid.store._unlocated import unlocated_incidents
from geogrid.store.incident_bulk import attributed_plans, import_incidents, place_unlocated

CASES = Path(__file__).resolve().parents[1] / "data" / "cases"
# 2022-07-15 08:30 Beijing time is 00:30 UTC.
E001_UTC = int(datetime(2022, 7, 15, 0, 30, tzinfo=UTC).timestamp())
E002_UTC = int(datetime(2022, 7, 15, 6, 5, tzinfo=UTC).timestamp())


def _stored(store: Store) -> list[tuple[str, str, float, float, int]]:
    with store.engine.connect() as conn:
        xy = "ST_X(geom), ST_Y(geom)" if store.kind == "postgis" else "X(geom), Y(geom)"
        rows = conn.execute(
            text(f"SELECT ref, item_code, {xy}, reported_at FROM incidents ORDER BY ref")
        ).all()
    return [(r[0], r[1], round(r[2], 4), round(r[3], 4), _epoch(r[4])) for r in rows]


def _epoch(value: object) -> int:
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return int(stamp.timestamp())


def _counts(store: Store) -> tuple[int, int, int]:
    with store.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            for name in ("incidents", "incident_unlocated", "incident_imports")
        )


def _import(store: Store, path: Path, **options: object) -> object:
    frame, fmt = read_incident_file(path, encoding=options.pop("encoding", None))  # type: ignore[arg-type]
    with store.transaction() as conn:
        return import_incidents(conn, frame, source_file=str(path), fmt=fmt, **options)  # type: ignore[arg-type]


EXPECTED = [
    ("E001", "010101", 120.4712, 36.1034, E001_UTC),
    ("E002", "010201", 120.4755, 36.1051, E002_UTC),
]


@pytest.mark.parametrize("name", ["shijian.csv", "incidents_excel_dates.csv"])
def test_chinese_headers_and_excel_times(store: Store, name: str) -> None:
    """c05: 编号/经度/纬度/事件类别/上报时间, times like 2022/7/15 8:30 in Beijing time."""
    _import(store, CASES / "c05-incidents-chinese-headers" / name)
    assert _stored(store) == EXPECTED


def test_other_chinese_header_spellings_and_time_forms(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(
        "\ufeff事件编码,东经,北纬,事件类型,发生时间,返工次数,满意度\n"
        "A1,120.4712,36.1034,010101,2022年7月15日 8时30分,两,满意\n"
        "A2,120.4755,36.1051,010201,44757.2534722222,0,不满意\n",
        encoding="utf-8",
    )
    _import(store, path)
    assert [row[:4] for row in _stored(store)] == [
        ("A1", "010101", 120.4712, 36.1034),
        ("A2", "010201", 120.4755, 36.1051),
    ]
    # Excel day 44562 is 2022-01-01, so 44757 is 2022-07-15; .2534722 of a day is 06:05 Beijing,
    # 22:05 UTC the day before
    assert [row[4] for row in _stored(store)] == [
        E001_UTC,
        int(datetime(2022, 7, 14, 22, 5, tzinfo=UTC).timestamp()),
    ]
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT ref, rework_count, satisfied FROM incidents ORDER BY ref"))
        assert [(r[0], r[1], bool(r[2])) for r in rows] == [("A1", 2, True), ("A2", 0, False)]


@pytest.mark.parametrize("encoding", [None, "gb18030", "gbk"])
def test_gbk_csv_arrives_intact(store: Store, encoding: str | None) -> None:
    """c06: Excel's "ANSI" on a Chinese Windows is GBK; detected, or given with --encoding."""
    path = CASES / "c06-incidents-gbk-csv" / "incidents_gbk.csv"
    _import(store, path, encoding=encoding)
    with store.engine.connect() as conn:
        described = conn.execute(text("SELECT description FROM incidents ORDER BY ref")).all()
    assert [r[0] for r in described] == ["3号楼楼道堆放杂物", "松岭路流动摊贩占道"]


def test_a_wrong_encoding_is_refused_in_one_line(store: Store) -> None:
    path = CASES / "c06-incidents-gbk-csv" / "incidents_gbk.csv"
    with pytest.raises(InputError, match=r"not in utf-8; declare its encoding with --encoding"):
        _import(store, path, encoding="utf-8")
    assert _counts(store) == (0, 0, 0)


def test_utf8_with_bom_and_utf8_without(tmp_path: Path) -> None:
    body = "编号,经度,纬度,事件类别,上报时间,描述\nB1,120.47,36.10,010101,2025-03-01 08:30,楼道\n"
    for name, data in (("bom.csv", b"\xef\xbb\xbf" + body.encode()), ("plain.csv", body.encode())):
        (tmp_path / name).write_bytes(data)
        frame, _ = read_incident_file(tmp_path / name)
        batch = normalise(frame)
        assert batch.error_count == 0
        assert batch.records["ref"].tolist() == ["B1"]
        assert batch.records["description"].tolist() == ["楼道"]
        assert frame.attrs["encoding"] == "utf-8"


def test_open311_address_only_request_is_kept_unlocated(store: Store) -> None:
    """c19: the located request is imported, the address-only one kept for a dispatcher."""
    summary = _import(store, CASES / "c19-open311-address-only" / "requests.json")
    assert (summary.count, summary.unlocated) == (2, 1)  # type: ignore[attr-defined]
    assert [row[0] for row in _stored(store)] == ["638344"]
    with store.engine.connect() as conn:
        kept = unlocated_incidents(conn)  # type: ignore[arg-type]
    assert [(k["ref"], k["address"], k["category_code"]) for k in kept] == [
        ("638349", "Example Road 40", "01")
    ]
    assert "unlocated" in kept[0]["record"]["flags"]
    assert _epoch(kept[0]["reported_at"]) == int(
        datetime(2025, 4, 14, 1, 12, 5, tzinfo=UTC).timestamp()
    )
    # the same ids again: refused, whether located or not, and nothing changes
    before = _counts(store)
    with pytest.raises(ValidationFailed, match="already stored"):
        _import(store, CASES / "c19-open311-address-only" / "requests.json")
    assert _counts(store) == before


def test_open311_xml(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "requests.xml"
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?><service_requests>"
        "<request><service_request_id>X1</service_request_id><status>open</status>"
        "<service_code>010101</service_code><requested_datetime>2025-04-14T06:37:38+08:00"
        "</requested_datetime><lat>36.1034</lat><long>120.4712</long></request>"
        "<request><service_request_id>X2</service_request_id><status>open</status>"
        "<service_code>010201</service_code><requested_datetime>2025-04-14T09:12:05+08:00"
        "</requested_datetime><address>松岭路 40 号</address></request>"
        "</service_requests>",
        encoding="utf-8",
    )
    summary = _import(store, path)
    assert summary.unlocated == 1  # type: ignore[attr-defined]
    assert [row[:4] for row in _stored(store)] == [("X1", "010101", 120.4712, 36.1034)]


def test_a_record_without_location_or_address_fails_the_batch(store: Store) -> None:
    frame = pd.DataFrame(
        [
            {"id": "N1", "category": "010101", "reported_at": "2025-03-01T08:00:00+08:00"},
            {
                "id": "N2",
                "lon": "120.1x",
                "lat": "36.1",
                "category": "010101",
                "reported_at": "2025-03-01T08:00:00+08:00",
                "address": "somewhere",
            },
        ]
    )
    with pytest.raises(ValidationFailed) as err, store.transaction() as conn:
        import_incidents(conn, frame, source_file="x.csv")
    problems = {(p["record"], p["field"]) for p in err.value.report["errors"]}
    assert problems == {("N1", "location"), ("N2", "location")}
    assert _counts(store) == (0, 0, 0)


def _one(**columns: object) -> pd.DataFrame:
    base = {
        "id": "V1",
        "lon": 120.47,
        "lat": 36.10,
        "category": "010101",
        "reported_at": "2025-03-01T08:00:00+08:00",
    }
    return pd.DataFrame([base | columns])


@pytest.mark.parametrize(
    ("columns", "field", "words"),
    [
        ({"rework_count": "two"}, "rework_count", "'two' is not a whole number"),
        ({"rework_count": "1.5"}, "rework_count", "'1.5' is not a whole number"),
        ({"reopen_count": "-1"}, "reopen_count", "'-1' is not a whole number"),
        ({"satisfied": "还行"}, "satisfied", "'还行' is not a yes/no or satisfaction word"),
        ({"满意度": "maybe"}, "satisfied", "'maybe' is not a yes/no"),
        (
            {"category_code": "010101", "item_code": "020101"},
            "category",
            "columns category_code (010101) and item_code (020101) both mean category",
        ),
        ({"编号": "V2"}, "ref", "columns id (V1) and 编号 (V2) both mean ref"),
        ({"reported_at": "7/8/2022 8:30"}, "reported_at", "malformed time '7/8/2022 8:30'"),
    ],
)
def test_values_that_would_change_are_refused(
    store: Store, columns: dict[str, object], field: str, words: str
) -> None:
    frame = _one(**columns)
    if "category_code" in columns:
        frame = frame.drop(columns="category")
    with pytest.raises(ValidationFailed) as err, store.transaction() as conn:
        import_incidents(conn, frame, source_file="x.csv")
    [problem] = err.value.report["errors"]
    assert (problem["record"], problem["field"]) == ("V1", field)
    assert words in problem["message"]
    assert _counts(store) == (0, 0, 0)


def test_a_finer_category_column_wins_over_its_prefix() -> None:
    frame = _one(category_code="01", item_code="010201").drop(columns="category")
    batch = normalise(frame)
    assert batch.error_count == 0
    assert batch.records["item_code"].tolist() == ["010201"]


def test_unknown_headers_are_mapped(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "单号,X坐标值,Y坐标值,问题类型,时间\nM1,120.4712,36.1034,010101,2022/7/15 8:30\n",
        encoding="utf-8",
    )
    with pytest.raises(
        InputError, match="no column holds the incident id; the file has: 单号, X坐标值"
    ) as refused:
        _import(store, path)
    assert refused.value.file == str(path) and refused.value.field == "ref"  # named in the line
    assert _counts(store) == (0, 0, 0)
    mapping = parse_incident_map(
        ["ref=单号", "lon=X坐标值", "lat=Y坐标值", "category=问题类型", "reported_at=时间"]
    )
    _import(store, path, mapping=mapping)
    assert _stored(store) == [("M1", "010101", 120.4712, 36.1034, E001_UTC)]


def test_cli_map_file_and_encoding(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(
        "单号,X坐标值,Y坐标值,问题类型,时间,说明\nM1,120.4712,36.1034,010101,2022/7/15 8:30,占道\n".encode(
            "gbk"
        )
    )
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps({"ref": "单号", "lon": "X坐标值", "lat": "Y坐标值", "category": "问题类型"}),
        encoding="utf-8",
    )
    db = tmp_path / "s.sqlite"
    done = run_geogrid(
        "incidents",
        "import",
        str(path),
        "--mapping",
        str(mapping),
        "--map",
        "reported_at=时间",
        "--map",
        "description=说明",
        "--encoding",
        "gbk",
        db=db,
    )
    assert done.returncode == 0, done.stderr
    assert "imported 1 incident from" in done.stdout and "gbk" in done.stdout
    refused = run_geogrid("incidents", "import", str(path), "--map", "ref=NOPE", db=db)
    assert refused.returncode == 1
    [line] = messages(refused)
    assert "Traceback" not in refused.stderr and "the mapping names column(s) NOPE" in line


def test_cli_counts_unlocated(tmp_path: Path) -> None:
    done = run_geogrid(
        "incidents",
        "import",
        str(CASES / "c19-open311-address-only" / "requests.json"),
        db=tmp_path / "s.sqlite",
    )
    assert done.returncode == 0, done.stderr
    assert "imported 1 incident from" in done.stdout
    assert "1 unlocated kept (no usable position: an address only, or 0,0" in done.stdout
    assert "no published plan: not attributed to grids yet" in done.stdout


def test_unlocated_table_is_empty_on_a_new_store(store: Store) -> None:
    with store.engine.connect() as conn:
        from geogrid.store import incident_tables as it
        from geogrid.store import tables as t

        table = t.table_of(it.UnlocatedIncident)
        assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0


def test_a_dispatcher_places_an_unlocated_request(published: tuple[Store, int]) -> None:
    store, plan = published
    _import(store, CASES / "c19-open311-address-only" / "requests.json")
    lon, lat = grid_center(1, 2)
    with store.transaction() as conn:
        summary = place_unlocated(conn, "638349", lon, lat)
    assert (summary.plan_id, summary.attributed, summary.outside_grids) == (plan, 1, 0)
    with store.engine.connect() as conn:
        assert unlocated_incidents(conn) == []  # type: ignore[arg-type]
        placed = conn.execute(
            text("SELECT id, item_code, reported_at, flags FROM incidents WHERE ref = '638349'")
        ).one()
        grids = attributed_plans(conn, placed[0])  # type: ignore[arg-type]
    assert placed[1] == "010201" and placed[3] == ""
    assert _epoch(placed[2]) == int(datetime(2025, 4, 14, 1, 12, 5, tzinfo=UTC).timestamp())
    assert grids == {plan: (f"{COMMUNITY}06", f"{COMMUNITY}0601")}
    before = _counts(store)
    with pytest.raises(NotFound, match="no unlocated incident 638349"), store.transaction() as c:
        place_unlocated(c, "638349", lon, lat)
    assert _counts(store) == before
