"""Validate and normalise incident records, one or a million at a time (pure, vectorised).

Records arrive as a DataFrame with canonical or aliased column names (see ``ALIASES``); the
readers in :mod:`geogrid.incidents.formats` turn CSV, GeoJSON and Open311 GeoReport v2 files
into such frames. :func:`normalise` returns the records ready to store (WGS 84 lon/lat, UTC epoch
seconds, taxonomy resolved, deadlines computed) and every problem found, naming record and field.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyproj
from pyproj import CRS, Transformer

from geogrid.crs import bd09_to_wgs84, gcj02_to_wgs84
from geogrid.errors import CRSError, InputError, ValidationFailed
from geogrid.incidents import columns, values
from geogrid.incidents.columns import IncidentMapping
from geogrid.incidents.deadlines import CHINESE_WEEK, LOCAL_TZ, WorkCalendar, due_dates_array
from geogrid.incidents.taxonomy import PRIORITIES, Taxonomy, default_taxonomy
from geogrid.incidents.workflow import Status

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
COUNT_FIELDS = ("rework_count", "reopen_count", "escalation_count")
MAX_PROBLEMS = 50


@dataclass
class Problem:
    """One thing wrong with one record."""

    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"record {self.record}, field {self.field}: {self.message}"


@dataclass
class IntakeBatch:
    """Normalised records and what was found on the way (errors block storing them)."""

    records: pd.DataFrame
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0

    def raise_errors(self, *, file: str | None = None) -> None:
        """ValidationFailed listing the first problems, if there are any."""
        if not self.error_count:
            return
        shown = "; ".join(str(p) for p in self.errors[:5])
        more = f" (and {self.error_count - 5} more)" if self.error_count > 5 else ""
        report = {"errors": [vars(p) for p in self.errors], "error_count": self.error_count}
        raise ValidationFailed(
            f"{self.error_count} bad incident record(s), nothing imported: {shown}{more}",
            report=report,
            file=file,
        )

    def add(
        self,
        mask: Any,
        refs: pd.Series,
        field_name: str,
        message: str | pd.Series | Callable[[int], str],
    ) -> None:
        """Record a problem for every row where ``mask`` holds (``message`` may be per row)."""
        mask = np.asarray(mask, dtype=bool)
        count = int(mask.sum())
        if not count:
            return
        self.error_count += count
        rows = np.flatnonzero(mask)[: max(0, MAX_PROBLEMS - len(self.errors))]
        for i in rows:
            if isinstance(message, str):
                text = message
            elif isinstance(message, pd.Series):
                text = str(message.iloc[i])
            else:
                text = message(int(i))
            self.errors.append(Problem(str(refs.iloc[i]), field_name, text))


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
    A record with an address but no coordinates is kept, flagged ``unlocated``. A report time
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
    _locations(data, out, batch, refs, source_crs=source_crs)
    _classify(data, out, batch, refs, taxonomy)
    _times(data, out, batch, refs)
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
    _not_in_future(out, batch, refs, now=time.time() if now is None else now)
    out["flags"] = np.where(out["unlocated"], "unlocated", "")
    return batch


def _locations(
    data: pd.DataFrame, out: pd.DataFrame, batch: IntakeBatch, refs: pd.Series, *, source_crs: str
) -> None:
    lon, lat = _number(data, "lon"), _number(data, "lat")
    missing = lon.isna() | lat.isna()
    given = _given(data, "lon") | _given(data, "lat")
    address = _text(data, "address", None)
    has_address = address.notna() & (address.astype(str).str.strip() != "")
    unlocated = missing & ~given & has_address
    batch.add(
        missing & ~unlocated,
        refs,
        "location",
        "the record has no location (lon/lat missing or not a number) and no address",
    )
    out["unlocated"] = unlocated.to_numpy()
    out["address"] = address
    crs = (
        data["crs"].fillna(source_crs).astype(str)
        if "crs" in data
        else pd.Series(source_crs, index=data.index)
    )
    labels = crs.map({c: _crs_label(c) for c in crs.unique()})
    bad_crs = labels.isna()
    batch.add(
        bad_crs,
        refs,
        "crs",
        lambda i: f"unknown CRS {crs.iloc[i]}; use EPSG:4326, EPSG:4490, gcj02 or bd09",
    )
    x, y = lon.to_numpy(dtype=float).copy(), lat.to_numpy(dtype=float).copy()
    for label in labels.dropna().unique():
        mask = (labels == label).to_numpy() & ~missing.to_numpy()
        if mask.any():
            x[mask], y[mask] = _to_wgs84(x[mask], y[mask], str(label))
    outside = ~missing & ~bad_crs & ~((np.abs(x) <= 180) & (np.abs(y) <= 90))
    batch.add(outside, refs, "location", "coordinates are not lon/lat (out of range)")
    out["lon"], out["lat"] = x, y
    out["location_crs"] = labels.fillna("unknown")


def _given(data: pd.DataFrame, name: str) -> pd.Series:
    """Where a column has something in it (a typo in a coordinate is an error, not 'unlocated')."""
    if name not in data:
        return pd.Series(False, index=data.index)
    return data[name].notna() & (data[name].astype("string").str.strip() != "")


def _number(data: pd.DataFrame, name: str) -> pd.Series:
    """A numeric column (NaN where it is not a number, or all NaN when it is missing)."""
    if name not in data:
        return pd.Series(np.nan, index=data.index)
    return pd.to_numeric(data[name], errors="coerce")


def _crs_label(value: str) -> str | None:
    key = value.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    if key in ("gcj02", "bd09"):
        return key
    if key in ("wgs84", "epsg4326", "epsg:4326"):
        return "EPSG:4326"
    if key in ("cgcs2000", "epsg4490", "epsg:4490"):
        return "EPSG:4490"
    try:
        epsg = CRS.from_user_input(value).to_epsg()
    except pyproj.exceptions.CRSError:
        return None
    return f"EPSG:{epsg}" if epsg else None


def _to_wgs84(x: np.ndarray, y: np.ndarray, label: str) -> tuple[np.ndarray, np.ndarray]:
    if label == "gcj02":
        return gcj02_to_wgs84(x, y)
    if label == "bd09":
        return bd09_to_wgs84(x, y)
    if label in ("EPSG:4326", "EPSG:4490"):  # CGCS2000 is within a metre of WGS 84
        return x, y
    try:
        transformer = Transformer.from_crs(label, "EPSG:4326", always_xy=True)
    except pyproj.exceptions.ProjError as exc:
        raise CRSError(f"cannot transform from {label} to WGS 84", field="crs") from exc
    return transformer.transform(x, y)


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


def _times(data: pd.DataFrame, out: pd.DataFrame, batch: IntakeBatch, refs: pd.Series) -> None:
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


def _not_in_future(out: pd.DataFrame, batch: IntakeBatch, refs: pd.Series, *, now: float) -> None:
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


def _text(data: pd.DataFrame, name: str, default: str | None) -> pd.Series:
    if name not in data:
        return pd.Series(default, index=data.index, dtype=object)
    return data[name].astype(object).where(data[name].notna(), default)


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
