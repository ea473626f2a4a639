"""Which column of an incident sheet means which field: aliases (English, Open311, Chinese),
an explicit mapping (``--map field=COLUMN`` or a mapping file), and columns that say the same.

Two columns meaning one field (``category_code`` beside ``item_code``, ``id`` beside ``编号``)
are merged record by record: an empty cell takes the other column's value, a more specific
category code wins over its own prefix, and any other disagreement is a problem naming the
record and both columns; nothing is dropped silently.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from geogrid.errors import InputError

ALIASES: Final[dict[str, str]] = {
    "id": "ref",
    "incident_id": "ref",
    "service_request_id": "ref",
    "case_id": "ref",
    "编号": "ref",
    "事件编号": "ref",
    "事件编码": "ref",
    "案件编号": "ref",
    "工单编号": "ref",
    "工单号": "ref",
    "序号": "ref",
    "longitude": "lon",
    "lng": "lon",
    "long": "lon",
    "x": "lon",
    "经度": "lon",
    "东经": "lon",
    "x坐标": "lon",
    "latitude": "lat",
    "y": "lat",
    "纬度": "lat",
    "北纬": "lat",
    "y坐标": "lat",
    "category_code": "category",
    "item_code": "category",
    "service_code": "category",
    "事件类别": "category",
    "事件类型": "category",
    "事件分类": "category",
    "类别": "category",
    "类别编码": "category",
    "分类编码": "category",
    "事项编码": "category",
    "requested_datetime": "reported_at",
    "reported": "reported_at",
    "time": "reported_at",
    "上报时间": "reported_at",
    "发生时间": "reported_at",
    "上报日期": "reported_at",
    "报告时间": "reported_at",
    "发现时间": "reported_at",
    "受理时间": "accepted_at",
    "派遣时间": "dispatched_at",
    "办结时间": "closed_at",
    "结案时间": "closed_at",
    "media_url": "photos",
    "media_urls": "photos",
    "照片": "photos",
    "source_crs": "crs",
    "坐标系": "crs",
    "描述": "description",
    "事件描述": "description",
    "问题描述": "description",
    "内容": "description",
    "地址": "address",
    "事发地址": "address",
    "事发地点": "address",
    "位置": "address",
    "状态": "status",
    "处置状态": "status",
    "部门": "department",
    "责任部门": "department",
    "处置部门": "department",
    "上报人": "reporter",
    "优先级": "priority",
    "返工次数": "rework_count",
    "重办次数": "rework_count",
    "满意度": "satisfied",
    "是否满意": "satisfied",
    "评价": "satisfied",
}
"""Column names that mean a canonical field (the Open311 names and common Chinese headers)."""

IncidentMapping = dict[str, str]
"""Canonical field -> source column."""


@dataclass(frozen=True)
class Clash:
    """Records where two columns meaning one field disagree."""

    field: str
    rows: np.ndarray
    messages: list[str]


def parse_incident_map(options: Iterable[str]) -> IncidentMapping:
    """``field=COLUMN`` options (``--map ref=单号``)."""
    mapping: IncidentMapping = {}
    for option in options:
        key, sep, column = option.partition("=")
        if not sep or not key.strip() or not column.strip():
            raise InputError(f"--map {option!r} must look like field=COLUMN, e.g. --map ref=单号")
        mapping[_field_name(key)] = column.strip()
    return mapping


def load_incident_mapping(path: str | Path) -> IncidentMapping:
    """A JSON or TOML file of ``field = "COLUMN"``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the mapping: {exc}", file=str(path)) from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InputError("a mapping must be an object of field = column", file=str(path))
    return {_field_name(k): v for k, v in data.items()}


def _field_name(key: str) -> str:
    name = key.strip().lower()
    return ALIASES.get(name, name)


def canonical_columns(
    frame: pd.DataFrame, mapping: IncidentMapping | None = None
) -> tuple[pd.DataFrame, list[Clash]]:
    """Columns renamed to canonical fields; mapped columns win, alias columns are merged."""
    mapping = mapping or {}
    missing = [column for column in mapping.values() if column not in frame.columns]
    if missing:
        raise InputError(
            f"the mapping names column(s) {', '.join(missing)}, but the file has: "
            f"{', '.join(map(str, frame.columns))}",
            field=next(f for f, c in mapping.items() if c == missing[0]),
        )
    chosen = {column: name for name, column in mapping.items()}
    groups: dict[str, list[str]] = {}
    for column in frame.columns:
        if column in chosen:
            groups.setdefault(chosen[column], []).insert(0, column)
            continue
        key = str(column).strip().lower()
        name = ALIASES.get(key, key)
        if name in mapping:
            continue  # the mapping says which column means this field
        groups.setdefault(name, []).append(column)
    out = pd.DataFrame(index=frame.index)
    clashes: list[Clash] = []
    for name, columns in groups.items():
        merged, clash = _merge(frame, name, columns)
        out[name] = merged
        if clash is not None:
            clashes.append(clash)
    return out, clashes


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype("string").str.strip() == "")


def _starts(text: pd.Series, prefix: pd.Series) -> pd.Series:
    """Elementwise ``text.startswith(prefix)`` (False where either is missing)."""
    pairs = zip(text.tolist(), prefix.tolist(), strict=True)
    hits = [isinstance(a, str) and isinstance(b, str) and a.startswith(b) for a, b in pairs]
    return pd.Series(hits, index=text.index, dtype=bool)


def _merge(frame: pd.DataFrame, name: str, columns: list[str]) -> tuple[pd.Series, Clash | None]:
    values = frame[columns[0]].copy()
    rows: list[int] = []
    messages: list[str] = []
    for other in columns[1:]:
        extra = frame[other]
        take = _blank(values) & ~_blank(extra)
        values = values.where(~take, extra)
        both = ~_blank(values) & ~_blank(extra)
        mine = values.astype("string").str.strip()
        theirs = extra.astype("string").str.strip()
        differ = both & (mine != theirs)
        if name == "category":
            finer = differ & _starts(theirs, mine)
            values = values.where(~finer, extra)
            differ &= ~finer & ~_starts(mine, theirs)
        for i in np.flatnonzero(differ.to_numpy(dtype=bool)):
            rows.append(int(i))
            messages.append(
                f"columns {columns[0]} ({mine.iloc[i]}) and {other} ({theirs.iloc[i]}) both "
                f"mean {name} and disagree; say which one with --map {name}=COLUMN"
            )
    clash = Clash(name, np.asarray(rows, dtype=int), messages) if rows else None
    return values, clash
