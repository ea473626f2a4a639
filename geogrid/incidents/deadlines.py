"""Response and handling deadlines, in calendar hours or in working hours of a Chinese week.

Working time is the office day (09:00-12:00, 13:30-17:30 Beijing time by default) on Monday to
Friday, minus public holidays, plus the make-up working days (调休) that fall on weekends. All
arithmetic is vectorised: a timeline of working periods is laid out once, timestamps are mapped
onto cumulative working seconds, the hours are added, and the result is mapped back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geogrid.errors import InputError
from geogrid.incidents.taxonomy import PRIORITIES, Tier

LOCAL_TZ = "Asia/Shanghai"
DEFAULT_PERIODS = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))


@dataclass(frozen=True)
class WorkCalendar:
    """Office hours, weekend days (Mon=0) and the holiday / make-up day lists of a year."""

    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    weekend: tuple[int, ...] = (5, 6)
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    tz: str = LOCAL_TZ

    def is_workday(self, day: date) -> bool:
        """A weekday that is no holiday, or a make-up working day."""
        if day in self.workdays:
            return True
        return day.weekday() not in self.weekend and day not in self.holidays

    @property
    def hours_per_day(self) -> float:
        """Working hours of one working day."""
        return sum(_seconds(end) - _seconds(start) for start, end in self.periods) / 3600.0

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """``start`` plus ``hours`` of working time (an aware datetime in UTC)."""
        out = self.add_hours_array(_as_utc_array([start]), np.array([hours], dtype=float))
        return _to_datetime(out[0])

    def add_hours_array(
        self, starts: NDArray[np.int64], hours: NDArray[np.float64]
    ) -> NDArray[np.int64]:
        """Vectorised :meth:`add_hours` on UTC epoch seconds; returns epoch seconds."""
        if len(starts) == 0:
            return starts.copy()
        period_start, period_len, cum = self._timeline(
            int(starts.min()), int(starts.max()), float(np.max(hours))
        )
        worked = _working_seconds(starts, period_start, period_len, cum)
        target = worked + np.round(hours * 3600.0).astype(np.int64)
        cum_end = cum + period_len
        j = np.searchsorted(cum_end, target, side="left")
        j = np.clip(j, 0, len(cum) - 1)
        return period_start[j] + (target - cum[j])

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from ``start`` to ``end`` (negative if ``end`` comes first)."""
        a, b = _as_utc_array([start, end])
        lo, hi = int(min(a, b)), int(max(a, b))
        period_start, period_len, cum = self._timeline(lo, hi, 0.0)
        worked = _working_seconds(np.array([a, b]), period_start, period_len, cum)
        return float(worked[1] - worked[0]) / 3600.0

    def _timeline(self, lo: int, hi: int, max_hours: float) -> tuple[NDArray[np.int64], ...]:
        first = datetime.fromtimestamp(lo, tz=UTC).date() - timedelta(days=2)
        # enough calendar days to hold max_hours of work even across long holidays
        span = (hi - lo) // 86400 + int(max_hours / max(self.hours_per_day, 0.1) * 7 / 5) + 40
        span += len(self.holidays)
        days = [first + timedelta(days=i) for i in range(span)]
        starts, ends = [], []
        for day in days:
            if self.is_workday(day):
                for s, e in self.periods:
                    starts.append(datetime.combine(day, s))
                    ends.append(datetime.combine(day, e))
        if not starts:
            raise InputError("the work calendar has no working time at all")
        start_s = _local_epoch(starts, self.tz)
        length = _local_epoch(ends, self.tz) - start_s
        cum = np.concatenate([[0], np.cumsum(length)[:-1]]).astype(np.int64)
        return start_s, length, cum


CHINESE_WEEK = WorkCalendar()  # the default: Monday to Friday, office hours, no holiday list


def _working_seconds(
    t: NDArray[np.int64],
    start: NDArray[np.int64],
    length: NDArray[np.int64],
    cum: NDArray[np.int64],
) -> NDArray[np.int64]:
    i = np.searchsorted(start, t, side="right") - 1
    inside = i >= 0
    i = np.clip(i, 0, None)
    worked = cum[i] + np.clip(t - start[i], 0, length[i])
    return np.where(inside, worked, 0)


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _local_epoch(values: Sequence[datetime], tz: str) -> NDArray[np.int64]:
    index = pd.DatetimeIndex(list(values)).tz_localize(tz).tz_convert("UTC").as_unit("s")
    return np.asarray(index.asi8, dtype=np.int64)


def _as_utc_array(values: Iterable[datetime]) -> NDArray[np.int64]:
    out = []
    for value in values:
        if value.tzinfo is None:
            raise InputError(f"datetime {value.isoformat()} has no time zone")
        out.append(int(value.timestamp()))
    return np.asarray(out, dtype=np.int64)


def _to_datetime(seconds: int | np.integer) -> datetime:
    return datetime.fromtimestamp(int(seconds), tz=UTC)


def load_calendar(
    path: str, *, periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
) -> WorkCalendar:
    """A work calendar from a text file: one date a line, ``2025-10-01`` a holiday,
    ``+2025-09-28`` a make-up working day (调休); ``#`` starts a comment."""
    holidays: set[date] = set()
    workdays: set[date] = set()
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read the holiday list: {exc}", file=path) from exc
    for number, line in enumerate(lines, 1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            day = date.fromisoformat(entry.lstrip("+"))
        except ValueError as exc:
            raise InputError(
                f"line {number}: {entry!r} is not a date (YYYY-MM-DD)", file=path
            ) from exc
        (workdays if entry.startswith("+") else holidays).add(day)
    return WorkCalendar(periods=periods, holidays=frozenset(holidays), workdays=frozenset(workdays))


def effective_tier(item_tier: str, priority: str | None) -> str:
    """An explicit priority (red / yellow / blue) overrides the tier of the category."""
    if priority is None or priority == "":
        return item_tier
    if priority not in PRIORITIES:
        raise InputError(
            f"unknown priority {priority!r}; expected one of {PRIORITIES}", field="priority"
        )
    return priority


def due_dates(
    reported_at: datetime, tier: Tier, *, calendar: WorkCalendar | None = None
) -> tuple[datetime, datetime]:
    """Response and handling deadlines of one incident, counted from the report."""
    starts = _as_utc_array([reported_at])
    response, handling = due_dates_array(
        starts, np.array([tier.name]), {tier.name: tier}, calendar=calendar
    )
    return _to_datetime(response[0]), _to_datetime(handling[0])


def due_dates_array(
    reported: NDArray[np.int64],
    tiers: NDArray[np.str_],
    table: dict[str, Tier],
    *,
    calendar: WorkCalendar | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Vectorised :func:`due_dates` on epoch seconds; tiers that count working hours use
    ``calendar`` when one is given, the others (and all without a calendar) calendar hours."""
    response = np.empty(len(reported), dtype=np.int64)
    handling = np.empty(len(reported), dtype=np.int64)
    for name in np.unique(tiers):
        tier = table[str(name)]
        mask = tiers == name
        starts = reported[mask]
        for out, hours in ((response, tier.response_hours), (handling, tier.handling_hours)):
            if calendar is not None and tier.working_hours:
                out[mask] = calendar.add_hours_array(starts, np.full(len(starts), hours))
            else:
                out[mask] = starts + round(hours * 3600)
    return response, handling
