"""Deadlines in calendar and working hours of the Chinese week."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from geogrid.errors import InputError
from geogrid.incidents.deadlines import WorkCalendar, due_dates, effective_tier
from geogrid.incidents.taxonomy import Tier

BJ = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar()


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=BJ)


def test_working_hours_carry_over_the_weekend() -> None:
    friday = bj(2025, 3, 7, 16, 30)  # 1 h of work left on Friday
    assert CAL.add_hours(friday, 2).astimezone(BJ) == bj(2025, 3, 10, 10, 0)  # Monday 10:00


def test_a_report_on_saturday_starts_on_monday_morning() -> None:
    assert CAL.add_hours(bj(2025, 3, 8, 11, 0), 1).astimezone(BJ) == bj(2025, 3, 10, 10, 0)


def test_lunch_break_is_not_working_time() -> None:
    assert CAL.add_hours(bj(2025, 3, 5, 11, 0), 2).astimezone(BJ) == bj(2025, 3, 5, 14, 30)


def test_a_deadline_at_the_end_of_the_day_stays_on_that_day() -> None:
    assert CAL.add_hours(bj(2025, 3, 5, 16, 30), 1).astimezone(BJ) == bj(2025, 3, 5, 17, 30)


def test_holidays_and_make_up_days() -> None:
    calendar = WorkCalendar(
        holidays=frozenset({date(2025, 10, 1)}), workdays=frozenset({date(2025, 9, 28)})
    )
    # Sunday 28 September is a make-up working day; Wednesday 1 October is a holiday.
    assert calendar.add_hours(bj(2025, 9, 28, 9, 0), 1).astimezone(BJ) == bj(2025, 9, 28, 10, 0)
    assert calendar.add_hours(bj(2025, 9, 30, 17, 0), 1).astimezone(BJ) == bj(2025, 10, 2, 9, 30)


def test_working_hours_between_inverts_add_hours() -> None:
    start = bj(2025, 3, 7, 15, 0)
    for hours in (0.5, 3, 7, 24, 72):
        end = CAL.add_hours(start, hours)
        assert CAL.working_hours_between(start, end) == pytest.approx(hours)


def test_vectorised_matches_scalar() -> None:
    rng = np.random.default_rng(1)
    starts = (bj(2025, 1, 1).timestamp() + rng.uniform(0, 365 * 86400, 200)).astype(np.int64)
    hours = rng.choice([2.0, 24.0, 72.0], 200)
    out = CAL.add_hours_array(starts, hours)
    for s, h, o in zip(starts[:20], hours[:20], out[:20], strict=True):
        start = datetime.fromtimestamp(int(s), tz=BJ)
        assert CAL.add_hours(start, float(h)) == datetime.fromtimestamp(int(o), tz=BJ)
        assert o > s


def test_due_dates_use_working_hours_only_for_tiers_that_ask() -> None:
    friday = bj(2025, 3, 7, 16, 0)
    red = Tier("red", 0.5, 2, working_hours=False)
    yellow = Tier("yellow", 2, 24, working_hours=True)
    assert due_dates(friday, red, calendar=CAL)[1] == friday + timedelta(hours=2)
    response, handling = due_dates(friday, yellow, calendar=CAL)
    assert response.astimezone(BJ) == bj(2025, 3, 10, 9, 30)  # 1.5 h on Friday
    assert CAL.working_hours_between(friday, handling) == pytest.approx(24)
    assert due_dates(friday, yellow)[1] == friday + timedelta(hours=24)


def test_priority_overrides_the_category_tier() -> None:
    assert effective_tier("blue", "red") == "red"
    assert effective_tier("blue", None) == "blue"
    with pytest.raises(InputError, match="unknown priority"):
        effective_tier("blue", "purple")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InputError, match="no time zone"):
        CAL.add_hours(datetime(2025, 3, 7, 9), 1)
