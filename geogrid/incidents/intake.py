"""Validate and normalise incident records, one or a million at a time (pure, vectorised).

Records arrive as a DataFrame with canonical or aliased column names (see ``ALIASES``); the
readers in :mod:`geogrid.incidents.formats` turn CSV, GeoJSON and Open311 GeoReport v2 files
into such frames. :func:`normalise` returns the records ready to store (WGS 84 lon/lat, UTC epoch
seconds, taxonomy resolved, deadlines computed) and every problem found, naming record and field.
"""

from __future__ import annotations

import json
import time
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from geogrid.errors import InputError
from geogrid.incidents import columns, values
from geogrid.incidents.batch import MAX_PROBLEMS, IntakeBatch, Problem
from geogrid.incidents.columns import IncidentMapping
from geogrid.incidents.deadlines import CHINESE_WEEK, WorkCalendar, due_dates_array
from geogrid.incidents.locations import locate
from geogrid.incidents.locations import text as _text
from geogrid.incidents.taxonomy import PRIORITIES, Taxonomy, default_taxonomy
from geogrid.incidents.times import TIME_FIELDS, not_in_future, parse_times, read_times
from geogrid.incidents.workflow import Status

COUNT_FIELDS = ("rework_count", "reopen_count", "escalation_count")
__all__ = [
    "COUNT_FIELDS",
    "MAX_PROBLEMS",
    "TIME_FIELDS",
    "IntakeBatch",
    "Problem",
    "canonical_columns",
    "normalise",
    "parse_times",
]


def canonical_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename aliased columns (``longitude`` -> ``lon``, ``编号`` -> ``ref``, ...)."""
    return columns.canonical_columns(frame)[0]


def normalise(
    frame: pd.DataFrame,
    *,
    source_crs: str = "EPSG:4326",
    taxonomy: Taxonomy | None = None,
    calendar: WorkCalendar | None = CHINESE_WEEK,
    source: str = "import",
    mapping: IncidentMapping | None = None,
    now: float | None = None,
) -> IntakeBatch:
    """Validate and normalise incident records; nothing is dropped, problems are listed.

    ``mapping`` says which column holds which field where the headers are not known ones.
    A record with an address but no coordinates is kept, flagged ``unlocated``; so is one
    whose position places nothing (0,0 or out of lon/lat range; see
    :mod:`geogrid.incidents.locations`), with the reason as a second flag. A report time
    more than a day after ``now`` (epoch seconds; the clock by default) is refused, unless the
    record is synthetic (a synthetic year may be any year).
    """
    taxonomy = taxonomy or default_taxonomy()
    data, clashes = columns.canonical_columns(frame.reset_index(drop=True), mapping)
    n = len(data)
    out = pd.DataFrame(index=data.index)
    if "ref" not in data and n:
        raise InputError(
            "no column holds the incident id; the file has: "
            + ", ".join(str(c) for c in frame.columns)
            + "; name it with --map ref=COLUMN",
            field="ref",
        )
    refs = data["ref"].astype("string").str.strip() if n else pd.Series([], dtype="string")
    batch = IntakeBatch(out)
    missing_ref = refs.isna() | (refs == "")
    row_labels = pd.Series([f"#{i + 1}" for i in range(n)], dtype="string")
    refs = refs.where(~missing_ref, row_labels)
    batch.add(missing_ref, refs, "ref", "the record has no id")
    dup = refs.duplicated(keep=False) & ~missing_ref
    batch.add(dup, refs, "ref", "the id appears more than once in this batch")
    out["ref"] = refs.astype(str)
    for clash in clashes:
        mask = np.zeros(n, dtype=bool)
        mask[clash.rows] = True
        texts = [""] * n
        for row, message in zip(clash.rows, clash.messages, strict=True):
            texts[int(row)] = message
        batch.add(mask, refs, clash.field, pd.Series(texts, dtype=object))
    locate(data, out, batch, refs, source_crs=source_crs)
    _classify(data, out, batch, refs, taxonomy)
    read_times(data, out, batch, refs)
    _workflow_fields(data, out, batch, refs)
    tiers = out["tier"].where(out["tier"].notna(), "yellow").to_numpy(dtype=str)
    ok = out["reported_at"].notna().to_numpy()
    reported = out["reported_at"].fillna(0).to_numpy(dtype=np.int64)
    response, handling = due_dates_array(reported, tiers, taxonomy.tiers, calendar=calendar)
    out["response_due"] = np.where(ok, response, 0)
    out["handling_due"] = np.where(ok, handling, 0)
    out["description"] = _text(data, "description", "")
    out["reporter"] = _text(data, "reporter", None)
    out["source"] = _text(data, "source", source)
    out["photos"] = _photos(data)
    out["synthetic"] = _yes_no(data, "synthetic", batch, refs).fillna(False).astype(bool)
    not_in_future(out, batch, refs, now=time.time() if now is None else now)
    reason = out.pop("position_flag").to_numpy(dtype=str)
    flags = np.where(out["unlocated"], "unlocated", "").astype(object)
    out["flags"] = np.where(reason != "", flags + "," + reason, flags)
    return batch


def _classify(
    data: pd.DataFrame, out: pd.DataFrame, batch: IntakeBatch, refs: pd.Series, taxonomy: Taxonomy
) -> None:
    codes = (
        data["category"].astype("string").str.strip()
        if "category" in data
        else pd.Series(pd.NA, index=data.index, dtype="string")
    )
    table = {}
    for code in codes.dropna().unique():
        try:
            table[str(code)] = taxonomy.resolve(str(code))
        except InputError:
            continue
    keys = codes.astype(object).where(codes.notna(), None)
    unknown = ~keys.isin(list(table))
    batch.add(
        unknown,
        refs,
        "category",
        lambda i: (
            f"unknown category {codes.iloc[i]!s}; "
            f"expected a code of the responsibility list {taxonomy.name!r}"
            if pd.notna(codes.iloc[i])
            else (
                "the record has no category "
                "(category or 事件类别 in a sheet, service_code in Open311)"
            )
        ),
    )
    for name in ("category_code", "subcategory_code", "item_code", "department", "tier", "level"):
        lookup = {code: getattr(entry, name) for code, entry in table.items()}
        out[name if name != "level" else "handling_level"] = keys.map(lookup).astype(object)
    if "priority" in data:
        priority = data["priority"].astype("string").str.strip().str.lower()
        priority = priority.mask(priority == "")
        bad = priority.notna() & ~priority.isin(PRIORITIES)
        batch.add(
            bad,
            refs,
            "priority",
            lambda i: (
                f"unknown priority {priority.iloc[i]}; expected one of {', '.join(PRIORITIES)}"
            ),
        )
        out["tier"] = priority.where(priority.isin(PRIORITIES), out["tier"]).astype(object)
    out["priority"] = out["tier"]


def _workflow_fields(
    data: pd.DataFrame, out: pd.DataFrame, batch: IntakeBatch, refs: pd.Series
) -> None:
    status = (
        data["status"].astype("string").str.strip().str.lower()
        if "status" in data
        else pd.Series("reported", index=data.index, dtype="string")
    )
    status = status.fillna("reported").replace({"open": "reported"})
    valid = status.isin([s.value for s in Status])
    batch.add(~valid, refs, "status", lambda i: f"unknown status {status.iloc[i]}")
    out["status"] = status.where(valid, "reported").astype(str)
    out["dispatch_level"] = _text(data, "dispatch_level", None)
    if "department" in data:
        out["department"] = data["department"].where(data["department"].notna(), out["department"])
    for name in COUNT_FIELDS:
        if name not in data:
            out[name] = 0
            continue
        counted = data[name].map(values.count)
        bad = counted.isna()
        batch.add(bad, refs, name, partial(_not_a_count, data[name]))
        out[name] = counted.fillna(0).astype(int)
    out["satisfied"] = _yes_no(data, "satisfied", batch, refs)


def _not_a_count(column: pd.Series, row: int) -> str:
    return f"{column.iloc[row]!r} is not a whole number of times; write it as 0, 1, 2 ..."


def _yes_no(data: pd.DataFrame, name: str, batch: IntakeBatch, refs: pd.Series) -> pd.Series:
    """Yes/no and satisfaction words; an unknown word is a problem, never read as 'no'."""
    if name not in data:
        return pd.Series(None, index=data.index, dtype=object)
    read = data[name].map(values.yes_no)
    unknown = read.map(lambda v: isinstance(v, str)).astype(bool)
    batch.add(
        unknown,
        refs,
        name,
        lambda i: (
            f"{read.iloc[i]!r} is not a yes/no or satisfaction word "
            "(yes, no, 满意, 不满意, 是, 否, 1, 0)"
        ),
    )
    return read.where(~unknown, None).astype(object)


def _photos(data: pd.DataFrame) -> pd.Series:
    if "photos" not in data:
        return pd.Series(None, index=data.index, dtype=object)

    def one(value: Any) -> str | None:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        items = (
            value if isinstance(value, list | tuple) else str(value).replace(",", ";").split(";")
        )
        refs = [str(v).strip() for v in items if str(v).strip()]
        return json.dumps(refs) if refs else None

    return data["photos"].map(one)
