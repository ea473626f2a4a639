"""The per-grid statistics table on both stores: equal to the statistics computed from scratch
after a bulk load, and kept in step incrementally (only the touched grids are recounted) by
reports, workflow steps, deadlines passing and re-attribution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from incident_plans import grid_center, square_plan

from geogrid.incidents.deadlines import WorkCalendar
from geogrid.incidents.synthetic import synthesize_incidents
from geogrid.store import Store, publish_plan, read_plan
from geogrid.store.grid_stats import changed_since, grid_stats_rows, refresh_grid_stats
from geogrid.store.incident_bulk import import_incidents
from geogrid.store.incident_stats import incident_stats
from geogrid.store.incidents import report_incident, transition

AS_OF = datetime(2025, 12, 20, tzinfo=UTC)
T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing


def _plan(store: Store) -> int:
    with store.transaction() as conn:
        plan = square_plan(conn)
        publish_plan(conn, plan)
    return plan


def test_after_a_bulk_load_every_grid_equals_the_statistics_from_scratch(store: Store) -> None:
    plan = _plan(store)
    basic = read_plan(store.engine, plan, "basic")
    frame = synthesize_incidents(basic, year=2025, count=1500, seed=3, as_of=AS_OF)
    with store.transaction() as conn:
        import_incidents(
            conn, frame, source_file="s", fmt="synthetic", calendar=WorkCalendar(), synthetic=True
        )
    done = refresh_grid_stats(store.engine, now=AS_OF)
    assert done.seq == 1
    for level in ("basic", "micro"):
        rows = grid_stats_rows(store.engine, plan, level)
        want = incident_stats(store.engine, by=level, as_of=AS_OF, medians=False)
        want = want[want["key"].notna()].set_index("key")
        got = {code: row for code, row in rows.items() if code}
        assert sorted(got) == sorted(want.index)
        for code, row in got.items():
            expected = want.loc[code]
            assert row["incidents"] == expected["reported"]
            assert row["accepted"] == expected["accepted"]
            assert row["open"] == expected["open"]
            assert row["closed"] == expected["closed"]
            assert row["on_time"] == expected["on_time"]
            assert row["reworked"] == expected["reworked"]
            assert row["closed_late"] + row["open_overdue"] == expected["overdue"]
    assert (
        sum(r["incidents"] for r in grid_stats_rows(store.engine, plan, "basic").values()) == 1500
    )
    # nothing marked, no deadline passed: a second refresh recounts nothing
    assert refresh_grid_stats(store.engine, now=AS_OF).grids == 0


def test_a_report_and_its_workflow_recount_only_their_grids(store: Store) -> None:
    plan = _plan(store)
    with store.transaction() as conn:
        lon, lat = grid_center(1, 1)
        record = {"ref": "G-1", "lon": lon, "lat": lat, "category": "030101"}
        incident = report_incident(conn, record | {"reported_at": T0.isoformat()}, actor="a")
        lon, lat = grid_center(2, 0)
        other = {"ref": "G-2", "lon": lon, "lat": lat, "category": "030101"}
        report_incident(conn, other | {"reported_at": T0.isoformat()}, actor="a")
    first = refresh_grid_stats(store.engine, now=T0 + timedelta(minutes=5))
    assert first.grids == 4  # two basic and two micro grids
    code = "37021200100105"  # grid (1, 1): the fifth of the 3 x 3, column-major
    row = grid_stats_rows(store.engine, plan, "basic", [code])[code]
    assert (row["incidents"], row["open"], row["accepted"], row["closed"]) == (1, 1, 0, 0)
    assert row["open_overdue"] == 0 and row["next_due"] is not None
    steps = [
        ("accept", {}),
        ("dispatch", {"department": "市政公用事业服务中心", "level": "community"}),
        ("respond", {}),
        ("finish", {}),
        ("verify", {}),
        ("close", {}),
    ]
    for hour, (action, params) in enumerate(steps, 1):
        with store.transaction() as conn:
            at = T0 + timedelta(hours=hour)
            transition(conn, incident["id"], action, actor="d", at=at, **params)  # type: ignore[arg-type]
    second = refresh_grid_stats(store.engine, now=T0 + timedelta(hours=7))
    assert second.grids == 2 and second.seq == first.seq + 1
    assert [c for _, c in changed_since(store.engine, plan, "basic", first.seq)] == [code]
    row = grid_stats_rows(store.engine, plan, "basic", [code])[code]
    assert (row["incidents"], row["open"], row["accepted"], row["closed"]) == (1, 0, 1, 1)
    assert (row["on_time"], row["closed_late"], row["next_due"]) == (1, 0, None)


def test_a_passing_deadline_recounts_the_grid_without_any_write(store: Store) -> None:
    plan = _plan(store)
    with store.transaction() as conn:
        lon, lat = grid_center(0, 0)
        record = {"ref": "D-1", "lon": lon, "lat": lat, "category": "030101"}
        report_incident(conn, record | {"reported_at": T0.isoformat()}, actor="a")
    code = "37021200100101"
    before = refresh_grid_stats(store.engine, now=T0)
    row = grid_stats_rows(store.engine, plan, "basic", [code])[code]
    assert before.next_due is not None and row["open_overdue"] == 0
    assert refresh_grid_stats(store.engine, now=T0 + timedelta(minutes=1)).grids == 0
    after = refresh_grid_stats(store.engine, now=before.next_due + timedelta(seconds=1))
    assert after.grids == 2 and after.next_due is None  # its basic and micro grid
    row = grid_stats_rows(store.engine, plan, "basic", [code])[code]
    assert (row["open_overdue"], row["next_due"]) == (1, None)


def test_outside_every_grid_is_counted_under_the_empty_code(store: Store) -> None:
    plan = _plan(store)
    with store.transaction() as conn:
        lon, lat = grid_center(-1, 0)  # a grid size west of the plan
        record = {"ref": "O-1", "lon": lon, "lat": lat, "category": "030101"}
        report_incident(conn, record | {"reported_at": T0.isoformat()}, actor="a")
    refresh_grid_stats(store.engine, now=T0)
    assert grid_stats_rows(store.engine, plan, "basic")[""]["incidents"] == 1
    assert grid_stats_rows(store.engine, plan, "micro") == {}


@pytest.mark.parametrize("level", ["large", "district"])
def test_only_basic_and_micro_are_kept(store: Store, level: str) -> None:
    with pytest.raises(ValueError, match="basic"):
        grid_stats_rows(store.engine, 1, level)


def test_digit_prefix_ranges_hold_exactly_the_codes_with_that_prefix() -> None:
    from geogrid.store._bind import digit_prefix_range

    assert digit_prefix_range("370212001") == ("370212001", "370212002")
    assert digit_prefix_range("0369") == ("0369", "0370")
    assert digit_prefix_range("3709") == ("3709", "3710")
    assert [digit_prefix_range(v) for v in ("", "99", "37a", "３７")] == [None] * 4
    codes = ["370211999", "370212", "3702120010019", "370212001", "370212002", "3702129"]
    low, high = digit_prefix_range("370212001") or ("", "")
    assert [c for c in codes if low <= c < high] == ["3702120010019", "370212001"]
