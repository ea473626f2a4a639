"""Intake on both stores: attribution, flags, and the bad-intake cases."""

from __future__ import annotations

import numpy as np
import pytest
from incident_plans import COMMUNITY, ORIGIN, SIZE, grid_center

from geogrid.crs import wgs84_to_gcj02
from geogrid.errors import Conflict, InputError
from geogrid.store import Store
from geogrid.store.incident_bulk import attributed_plans
from geogrid.store.incidents import get_incident, incident_events, report_incident


def _record(ref: str, lon: float, lat: float, **extra: object) -> dict[str, object]:
    return {
        "ref": ref,
        "lon": lon,
        "lat": lat,
        "category": "010101",
        "reported_at": "2025-03-07T16:00:00+08:00",
        "description": "摊贩占道",
        "reporter": "网格员 张",
        "photos": "a.jpg;b.jpg",
    } | extra


def test_an_incident_is_attributed_to_its_basic_and_micro_grid(
    published: tuple[Store, int],
) -> None:
    store, plan = published
    lon, lat = grid_center(1, 2)
    with store.transaction() as conn:
        incident = report_incident(conn, _record("A-1", lon, lat), actor="张")
        grids = attributed_plans(conn, incident["id"])
    assert grids == {plan: (f"{COMMUNITY}06", f"{COMMUNITY}0601")}
    assert incident["status"] == "reported" and incident["flags"] == ""
    assert incident["photos"] == ["a.jpg", "b.jpg"]
    assert incident["lon"] == pytest.approx(lon) and incident["lat"] == pytest.approx(lat)
    assert incident["handling_due"] > incident["reported_at"]
    events = incident_events(store.engine, incident["id"])
    assert [(e["action"], e["actor"]) for e in events] == [("report", "张")]


def test_a_gcj02_point_is_normalised_to_wgs84(published: tuple[Store, int]) -> None:
    store, _ = published
    lon, lat = grid_center(0, 0)
    glon, glat = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    with store.transaction() as conn:
        incident = report_incident(
            conn, _record("G-1", float(glon[0]), float(glat[0])), actor="app", source_crs="gcj02"
        )
    assert incident["location_crs"] == "gcj02"
    assert incident["lon"] == pytest.approx(lon, abs=1e-7)
    assert incident["lat"] == pytest.approx(lat, abs=1e-7)


def test_a_point_outside_every_grid_is_kept_and_flagged(published: tuple[Store, int]) -> None:
    store, plan = published
    lon, lat = ORIGIN[0] - 0.01, ORIGIN[1] + 0.005  # about 900 m west of the grids
    with store.transaction() as conn:
        incident = report_incident(conn, _record("O-1", lon, lat), actor="热线")
        grids = attributed_plans(conn, incident["id"])
    assert "outside_grids" in incident["flags"] and "outside_district" in incident["flags"]
    assert grids == {plan: (None, None)}


def test_a_gcj02_point_sent_as_wgs84_is_flagged(published: tuple[Store, int]) -> None:
    store, _ = published
    # A true point near the east edge; its GCJ-02 coordinates lie ~500 m further east, at sea.
    lon, lat = ORIGIN[0] + 3 * SIZE - 0.001, ORIGIN[1] + 0.015
    glon, glat = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    with store.transaction() as conn:
        incident = report_incident(
            conn, _record("S-1", float(glon[0]), float(glat[0])), actor="app"
        )
    assert "suspected_gcj02" in incident["flags"].split(",")


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"lon": None}, "location", "no location"),
        ({"lon": 116.40, "lat": 39.90}, "location", "far outside"),  # Beijing
        ({"category": "990101"}, "category", "unknown category"),
        ({"reported_at": "yesterday at noon"}, "reported_at", "malformed time"),
        ({"priority": "purple"}, "priority", "unknown priority"),
    ],
)
def test_bad_intake_names_record_and_field(
    published: tuple[Store, int], change: dict[str, object], field: str, text: str
) -> None:
    store, _ = published
    lon, lat = grid_center(1, 1)
    with pytest.raises(InputError, match=text) as info, store.transaction() as conn:
        report_incident(conn, _record("B-1", lon, lat) | change, actor="x")
    assert info.value.field == field and "B-1" in str(info.value)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM incidents").scalar() == 0


def test_a_duplicate_id_is_refused(published: tuple[Store, int]) -> None:
    store, _ = published
    lon, lat = grid_center(1, 1)
    with store.transaction() as conn:
        report_incident(conn, _record("D-1", lon, lat), actor="x")
    with pytest.raises(Conflict, match="D-1 already exists"), store.transaction() as conn:
        report_incident(conn, _record("D-1", lon, lat), actor="x")


def test_intake_without_a_published_plan_keeps_the_incident(store: Store) -> None:
    with store.transaction() as conn:
        incident = report_incident(conn, _record("N-1", *grid_center(0, 0)), actor="x")
        assert attributed_plans(conn, incident["id"]) == {}
    assert get_incident(store.engine, incident["id"])["ref"] == "N-1"
