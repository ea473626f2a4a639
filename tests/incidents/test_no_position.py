"""A position that places nothing (0,0 as apps send without a fix, lat/long out of range) is
no position: the record is kept unlocated with the reason flagged, and the rest of the batch
goes in (item 3 of the loose ends; the kind of c19)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from geogrid.errors import InputError
from geogrid.incidents.formats import read_incident_file
from geogrid.incidents.intake import normalise
from geogrid.incidents.locations import no_position
from geogrid.incidents.open311 import is_unlocated
from geogrid.store import Store
from geogrid.store._unlocated import unlocated_incidents
from geogrid.store.incident_bulk import import_incidents
from geogrid.store.incidents import report_incident

REQUESTS = [
    {"service_request_id": "R1", "service_code": "010101", "lat": 36.1034, "long": 120.4712,
     "requested_datetime": "2025-04-14T06:37:38+08:00", "address": "Example Road 12"},
    {"service_request_id": "R2", "service_code": "010201", "lat": 0, "long": 0,
     "requested_datetime": "2025-04-14T09:12:05+08:00", "address": "Example Road 40"},
    {"service_request_id": "R3", "service_code": "010201", "lat": 120.47, "long": 36.10,
     "requested_datetime": "2025-04-14T09:13:05+08:00", "address": "Example Road 41"},
    {"service_request_id": "R4", "service_code": "010201", "lat": "0.0", "long": "0",
     "requested_datetime": "2025-04-14T09:14:05+08:00"},
]  # fmt: skip


def test_null_island_and_out_of_range_positions_are_kept_unlocated(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "requests.json"
    path.write_text(json.dumps(REQUESTS), encoding="utf-8")
    frame, fmt = read_incident_file(path)
    with store.transaction() as conn:
        summary = import_incidents(conn, frame, source_file=str(path), fmt=fmt)
    assert (summary.count, summary.unlocated) == (4, 3)
    assert summary.flags["zero_position"] == 2 and summary.flags["position_out_of_range"] == 1
    with store.engine.connect() as conn:
        located = conn.execute(text("SELECT ref FROM incidents")).all()
        kept = unlocated_incidents(conn)  # type: ignore[arg-type]
    assert [r[0] for r in located] == ["R1"]
    assert {k["ref"]: k["address"] for k in kept} == {
        "R2": "Example Road 40",
        "R3": "Example Road 41",
        "R4": "",
    }
    by_ref = {k["ref"]: k["record"]["flags"] for k in kept}
    assert by_ref["R2"] == "unlocated,zero_position"
    assert by_ref["R3"] == "unlocated,position_out_of_range"


def test_a_projected_crs_that_misses_the_earth_is_still_an_error() -> None:
    # 36.1, 120.4 declared as CGCS2000 3-degree GK zone 40 are metres near the false origin:
    # a wrong CRS, not a lost fix; the record names the CRS to declare.
    frame = pd.DataFrame(
        [
            {
                "id": "P1",
                "category": "010101",
                "lon": "1e12",
                "lat": "1e12",
                "crs": "EPSG:4528",
                "reported_at": "2025-03-01T08:00:00+08:00",
            }
        ]
    )
    batch = normalise(frame, now=1.9e9)
    assert batch.error_count == 1
    assert batch.errors[0].field == "location" and "are not in EPSG:4528" in str(batch.errors[0])


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [(0, 0, True), ("0", "0.0", True), (None, 36.1, True), ("", "", True), (181, 36, True),
     (120.4, 91, True), (120.4712, 36.1034, False), (0, 36.1, False), ("x", "36", True)],
)  # fmt: skip
def test_no_position(lon: object, lat: object, expected: bool) -> None:
    assert no_position(lon, lat) is expected


def test_an_open311_post_at_null_island_with_an_address_is_unlocated() -> None:
    assert is_unlocated({"lat": "0", "long": "0", "address_string": "海尔路 1 号"})
    assert not is_unlocated({"lat": "36.1", "long": "120.4", "address_string": "海尔路 1 号"})
    # 0,0 with no address: kept too, flagged zero_position, as a file import keeps it
    assert is_unlocated({"lat": "0", "long": "0"})
    assert not is_unlocated({"service_code": "010101"})  # no location at all: refused


def test_a_single_report_at_null_island_says_why_it_is_refused(store: Store) -> None:
    record = {"ref": "S1", "category": "010101", "lon": 0, "lat": 0,
              "reported_at": "2025-04-14T06:37:38+08:00"}  # fmt: skip
    with pytest.raises(InputError) as caught, store.transaction() as conn:
        report_incident(conn, record, actor="test")
    assert (caught.value.feature, caught.value.field) == ("S1", "location")
    assert caught.value.message.startswith(
        "lon/lat 0,0 places nothing (an app without a position fix); a single report needs "
        "coordinates"
    )
