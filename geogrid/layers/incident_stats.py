"""Incident statistics as plain pandas: rates from counts, medians, the red and black list.

The store computes the counts in SQL; this module turns them into rates and is also the
reference implementation over per-incident rows (:func:`summarise`).
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

CLOSED = ("closed", "evaluated")
COUNTS = (
    "reported",
    "accepted",
    "open",
    "closed",
    "overdue",
    "on_time",
    "reworked",
    "evaluated",
    "satisfied",
)
RATES = ("settlement_rate", "on_time_rate", "rework_rate", "satisfaction_rate")
MEDIANS = ("median_response_h", "median_handling_h")
COLUMNS = ("key", *COUNTS, *RATES, *MEDIANS)


def add_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Settlement (closed / accepted), on-time (on time / closed), rework (reworked / accepted)
    and satisfaction (satisfied / evaluated) rates; NaN where the denominator is zero."""
    out = frame.copy()
    for rate, num, den in (
        ("settlement_rate", "closed", "accepted"),
        ("on_time_rate", "on_time", "closed"),
        ("rework_rate", "reworked", "accepted"),
        ("satisfaction_rate", "satisfied", "evaluated"),
    ):
        denominator = out[den].astype(float).replace(0.0, np.nan)
        out[rate] = out[num].astype(float) / denominator
    return out


# Per-incident state codes used by :func:`aggregate_rows` (and stored by the store).
STATE_REPORTED, STATE_OPEN, STATE_CLOSED, STATE_REJECTED = 0, 1, 2, 3
STATE_CODES = {
    "reported": STATE_REPORTED,
    "rejected": STATE_REJECTED,
    **dict.fromkeys(CLOSED, STATE_CLOSED),
}
"""The state code of each status; every other status is STATE_OPEN (accepted, not closed)."""
ROW_COLUMNS = (
    "key",
    "state",
    "overdue",
    "on_time",
    "reworked",
    "satisfied",
    "response_h",
    "handling_h",
)


def aggregate_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Statistics per key from one row per incident (see ``ROW_COLUMNS``): ``state`` is 0
    reported, 1 accepted and not closed, 2 closed, 3 rejected; flags are 0/1; ``satisfied`` is
    null when not evaluated; ``handling_h`` is null unless closed."""
    state = rows["state"].to_numpy()
    flags = pd.DataFrame(
        {
            "key": rows["key"],
            "reported": 1,
            "accepted": (state == STATE_OPEN) | (state == STATE_CLOSED),
            "open": (state == STATE_REPORTED) | (state == STATE_OPEN),
            "closed": state == STATE_CLOSED,
            "overdue": rows["overdue"].fillna(0).astype(bool),
            "on_time": rows["on_time"].fillna(0).astype(bool),
            "reworked": rows["reworked"].fillna(0).astype(bool),
            "evaluated": rows["satisfied"].notna(),
            "satisfied": rows["satisfied"].fillna(0).astype(bool),
            "response_h": rows["response_h"].astype(float),
            "handling_h": rows["handling_h"].astype(float),
        }
    )
    grouped = flags.groupby("key", dropna=False, sort=True)
    counts = grouped[list(COUNTS)].sum().astype(int)
    counts["median_response_h"] = grouped["response_h"].median()
    counts["median_handling_h"] = grouped["handling_h"].median()
    return add_rates(counts.reset_index()).reindex(columns=list(COLUMNS))


def summarise(incidents: pd.DataFrame, *, as_of: datetime) -> pd.DataFrame:
    """The reference: statistics per ``key`` from incident records (columns key, status,
    rework_count, satisfied, and aware datetimes reported_at, responded_at, closed_at,
    handling_due)."""
    status = incidents["status"]
    closed = status.isin(CLOSED)
    live = ~closed & (status != "rejected")
    due = incidents["handling_due"]
    reported, closed_at = incidents["reported_at"], incidents["closed_at"]
    state = np.select(
        [status == "reported", closed, status == "rejected"],
        [STATE_REPORTED, STATE_CLOSED, STATE_REJECTED],
        STATE_OPEN,
    )
    rows = pd.DataFrame(
        {
            "key": incidents["key"],
            "state": state,
            "overdue": (closed & (closed_at > due)) | (live & (due < pd.Timestamp(as_of))),
            "on_time": closed & (closed_at <= due),
            "reworked": incidents["rework_count"] > 0,
            "satisfied": incidents["satisfied"].map(
                lambda v: None if v is None or pd.isna(v) else int(bool(v))
            ),
            "response_h": _hours(incidents["responded_at"] - reported),
            "handling_h": _hours(closed_at - reported).where(closed),
        }
    )
    return aggregate_rows(rows)


def _hours(durations: pd.Series) -> pd.Series:
    return durations.dt.total_seconds() / 3600


def rank_departments(stats: pd.DataFrame, *, top: int = 3, min_accepted: int = 1) -> pd.DataFrame:
    """Rank departments by overdue and rework counts per accepted incident (fewer is better).

    ``list`` is ``red`` for the best ``top`` departments, ``black`` for the worst ``top``.
    """
    ranked = stats[stats["accepted"] >= min_accepted].copy()
    ranked["penalty"] = (ranked["overdue"] + ranked["reworked"]) / ranked["accepted"]
    ranked = ranked.sort_values(["penalty", "on_time_rate", "key"], ascending=[True, False, True])
    ranked["rank"] = np.arange(1, len(ranked) + 1)
    ranked["list"] = ""
    if len(ranked):
        n = min(top, len(ranked) // 2)
        ranked.loc[ranked.index[:n], "list"] = "red"
        ranked.loc[ranked.index[len(ranked) - n :], "list"] = "black"
    return ranked.reset_index(drop=True)
