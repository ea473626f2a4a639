"""Bulk import (CSV, GeoJSON, Open311), all-or-nothing failures, re-attribution after a new plan."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from incident_plans import COMMUNITY, SIZE, grid_center, square_plan

from geogrid.errors import ValidationFailed
from geogrid.incidents.formats import read_incident_file
from geogrid.store import Store
from geogrid.store.incident_bulk import import_incidents, publish_and_reattribute
from geogrid.store.incident_stats import incident_stats


def _csv(path: Path, rows: list[dict[str, object]]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _rows(n: int) -> list[dict[str, object]]:
    return [
        {
            "id": f"C-{k}",
            "longitude": grid_center(k % 3, k // 3 % 3)[0],
            "latitude": grid_center(k % 3, k // 3 % 3)[1],
            "category": "020101",
            "reported_at": f"2025-05-{k % 28 + 1:02d} 10:00:00",
            "status": "open",
        }
        for k in range(n)
    ]


def _count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())


def test_csv_import_attributes_every_record(published: tuple[Store, int], tmp_path: Path) -> None:
    store, _ = published
    frame, fmt = read_incident_file(_csv(tmp_path / "in.csv", _rows(30)))
    with store.transaction() as conn:
        summary = import_incidents(conn, frame, source_file="in.csv", fmt=fmt)
    assert (summary.count, summary.attributed, summary.outside_grids) == (30, 30, 0)
    stats = incident_stats(store.engine, by="basic")
    assert stats["reported"].sum() == 30 and len(stats) == 9
    assert set(stats["key"]) == {f"{COMMUNITY}{k:02d}" for k in range(1, 10)}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"longitude": None}, "location"),
        ({"longitude": 121.5, "latitude": 31.2}, "location"),  # Shanghai: far outside
        ({"category": "xx"}, "category"),
        ({"reported_at": "2025-13-45"}, "reported_at"),
        ({"id": "C-0"}, "ref"),  # a duplicate inside the file
    ],
)
def test_one_bad_record_fails_the_whole_import(
    published: tuple[Store, int], tmp_path: Path, change: dict[str, object], field: str
) -> None:
    store, _ = published
    rows = _rows(20)
    rows[7] |= change
    frame, _ = read_incident_file(_csv(tmp_path / "bad.csv", rows))
    with pytest.raises(ValidationFailed) as info, store.transaction() as conn:
        import_incidents(conn, frame, source_file="bad.csv")
    fields = {p["field"] for p in info.value.report["errors"]}
    assert field in fields and "bad.csv" in str(info.value)
    assert any(p["record"] == rows[7]["id"] for p in info.value.report["errors"])
    assert _count(store, "incidents") == _count(store, "incident_imports") == 0


def test_an_id_already_stored_fails_the_import(
    published: tuple[Store, int], tmp_path: Path
) -> None:
    store, _ = published
    frame, _ = read_incident_file(_csv(tmp_path / "a.csv", _rows(10)))
    with store.transaction() as conn:
        import_incidents(conn, frame.iloc[:3], source_file="a.csv")
    with pytest.raises(ValidationFailed, match="already stored"), store.transaction() as conn:
        import_incidents(conn, frame, source_file="a.csv")
    assert _count(store, "incidents") == 3 and _count(store, "incident_grids") == 3


def test_geojson_and_open311(published: tuple[Store, int], tmp_path: Path) -> None:
    store, _ = published
    lon, lat = grid_center(2, 2)
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "F-1",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "category": "0301",
                    "reported_at": "2025-01-02T08:00:00Z",
                    "photos": ["p.jpg"],
                },
            },
        ],
    }
    open311 = [
        {
            "service_request_id": "311-9",
            "status": "closed",
            "service_code": "040101",
            "service_name": "树木倒伏",
            "requested_datetime": "2025-07-01T10:00:00+08:00",
            "updated_datetime": "2025-07-01T11:00:00+08:00",
            "address": "海尔路1号",
            "lat": lat,
            "long": lon,
            "agency_responsible": "园林和林业局",
        }
    ]
    (tmp_path / "a.geojson").write_text(json.dumps(geojson), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(open311), encoding="utf-8")
    with store.transaction() as conn:
        for name in ("a.geojson", "b.json"):
            frame, fmt = read_incident_file(tmp_path / name)
            import_incidents(conn, frame, source_file=name, fmt=fmt)
    stats = incident_stats(store.engine, by="department").set_index("key")
    assert stats.loc["园林和林业局", "closed"] == 1
    assert stats.loc["园林和林业局", "on_time"] == 1  # a red tier: 2 h, closed after 1 h
    assert stats["reported"].sum() == 2


def test_reattribution_keeps_the_old_plan_queryable(
    published: tuple[Store, int], tmp_path: Path
) -> None:
    store, old = published
    frame, _ = read_incident_file(_csv(tmp_path / "in.csv", _rows(18)))
    with store.transaction() as conn:
        import_incidents(conn, frame, source_file="in.csv")
        # The redraw: the same area cut into 2 x 2 larger grids under another community code.
        new = square_plan(conn, n=2, size=1.5 * SIZE, community="370212001002", note="redraw")
        summary = publish_and_reattribute(conn, new)
    assert summary.count == 18 and summary.outside_grids == 0
    under_old = incident_stats(store.engine, by="basic", plan_id=old)
    under_new = incident_stats(store.engine, by="basic")
    assert under_old["reported"].sum() == under_new["reported"].sum() == 18
    assert len(under_old) == 9 and len(under_new) == 4
    assert all(k.startswith("370212001002") for k in under_new["key"])
    assert all(k.startswith(COMMUNITY) for k in under_old["key"])
    community = incident_stats(store.engine, by="community", plan_id=old)
    assert list(community["key"]) == [COMMUNITY]


def _schema_objects(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        if store.kind == "postgis":
            rows = conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename IN ('incidents', 'incident_grids') "
                "UNION SELECT conname FROM pg_constraint WHERE contype = 'f' AND "
                "conrelid IN ('incidents'::regclass, 'incident_grids'::regclass)"
            ).all()
        else:
            rows = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE tbl_name IN ('incidents', 'incident_grids')"
            ).all()
    return {r[0] for r in rows}


def test_a_large_load_rebuilds_indexes_and_keys(
    published: tuple[Store, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geogrid.store import _incident_copy

    store, _ = published
    before = _schema_objects(store)
    monkeypatch.setattr(_incident_copy, "LARGE_LOAD", 1)  # take the bulk path on a small file
    frame, _ = read_incident_file(_csv(tmp_path / "in.csv", _rows(12)))
    with store.transaction() as conn:
        import_incidents(conn, frame.iloc[:6], source_file="in.csv")
    with pytest.raises(ValidationFailed, match="already stored"), store.transaction() as conn:
        import_incidents(conn, frame, source_file="in.csv")
    assert _schema_objects(store) == before
    assert _count(store, "incidents") == _count(store, "incident_grids") == 6
    stats = incident_stats(store.engine, by="district")
    assert int(stats["reported"].iloc[0]) == 6


def test_single_and_bulk_intake_share_the_id_sequence(
    published: tuple[Store, int], tmp_path: Path
) -> None:
    from geogrid.store.incidents import report_incident

    store, _ = published
    frame, _ = read_incident_file(_csv(tmp_path / "in.csv", _rows(9)))
    lon, lat = grid_center(0, 0)
    with store.transaction() as conn:
        import_incidents(conn, frame.iloc[:4], source_file="in.csv")
        one = report_incident(
            conn, {"ref": "S-1", "lon": lon, "lat": lat, "category": "01"}, actor="x"
        )
        import_incidents(conn, frame.iloc[4:], source_file="in.csv")
        two = report_incident(
            conn, {"ref": "S-2", "lon": lon, "lat": lat, "category": "01"}, actor="x"
        )
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM incidents ORDER BY id").all()]
    assert len(set(ids)) == 11 and one["id"] < two["id"] == max(ids)
