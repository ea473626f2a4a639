"""Incident times: ISO 8601 or spreadsheet times (naive ones are Beijing time) read into UTC
epoch seconds, each malformed or future time a problem naming record and field."""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd

from geogrid.incidents import values
from geogrid.incidents.batch import IntakeBatch
from geogrid.incidents.deadlines import LOCAL_TZ

FUTURE_SLACK_S = 86_400
TIME_FIELDS = (
    "reported_at",
    "accepted_at",
    "dispatched_at",
    "responded_at",
    "handled_at",
    "verified_at",
    "closed_at",
    "evaluated_at",
)


def parse_times(values: pd.Series) -> pd.Series:
    """Epoch seconds (Int64) from ISO strings or datetimes; naive times are Beijing time."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values if values.dt.tz is not None else values.dt.tz_localize(LOCAL_TZ)
        return _epoch(stamps).where(values.notna())
    text = values.astype("string").str.strip()
    text = text.mask(text == "")
    aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True).fillna(False).astype(bool)
    result = pd.Series(pd.NA, index=values.index, dtype="Int64")
    for mask, naive in ((aware, False), (~aware & text.notna(), True)):
        if not mask.any():
            continue
        chosen = text[mask]
        if naive:
            # Excel writes 2022/7/15 8:30; the same instant in ISO 8601, nothing guessed
            iso = chosen.str.match(r"^\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
            chosen = chosen.where(iso, chosen.map(_spreadsheet_or_keep))
        parsed = pd.to_datetime(chosen, format="ISO8601", errors="coerce", utc=not naive)
        if naive:
            parsed = parsed.dt.tz_localize(LOCAL_TZ)
        result[mask] = _epoch(parsed).where(parsed.notna())
    return result


def _spreadsheet_or_keep(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    return values.spreadsheet_time(text) or text


def _epoch(stamps: pd.Series) -> pd.Series:
    utc = stamps.dt.tz_convert("UTC").dt.floor("s").dt.as_unit("s")
    return pd.Series(utc.astype("int64"), index=stamps.index).astype("Int64").where(stamps.notna())


def read_times(data: pd.DataFrame, out: pd.DataFrame, batch: IntakeBatch, refs: pd.Series) -> None:
    for name in TIME_FIELDS:
        if name not in data:
            out[name] = pd.Series(pd.NA, index=data.index, dtype="Int64")
            continue
        column = data[name]
        parsed = parse_times(column)
        given = column.notna()
        if not pd.api.types.is_datetime64_any_dtype(column):
            given &= column.astype("string").str.strip() != ""
        batch.add(given & parsed.isna(), refs, name, partial(_malformed_time, column))
        out[name] = parsed
    batch.add(
        out["reported_at"].isna() & ~(data.get("reported_at", pd.Series(index=data.index)).notna()),
        refs,
        "reported_at",
        "the record has no report time",
    )


def not_in_future(out: pd.DataFrame, batch: IntakeBatch, refs: pd.Series, *, now: float) -> None:
    # a day of slack for clocks; beyond it a wrong year or a day/month swap, never a report
    future = out["reported_at"].gt(now + FUTURE_SLACK_S).fillna(False) & ~out["synthetic"]
    batch.add(
        future.to_numpy(dtype=bool),
        refs,
        "reported_at",
        lambda i: (
            f"the report time {pd.Timestamp(int(out['reported_at'].iloc[i]), unit='s', tz='UTC')}"
            " (UTC) lies in the future; check the year, the date order and the time zone"
        ),
    )


def _malformed_time(column: pd.Series, row: int) -> str:
    return (
        f"malformed time {column.iloc[row]!r}; expected ISO 8601 such as "
        "2025-03-01T08:30:00+08:00 or a spreadsheet time such as 2025/3/1 8:30 (Beijing time)"
    )
