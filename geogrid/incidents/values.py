"""Values as people type them into incident sheets, read without changing what they say.

Times as Excel writes them (``2022/7/15 8:30``, ``2022年7月15日 8时30分``, ``7/15/2022 8:30``
when unambiguous, serial day numbers such as ``44757.354``), counts (``2``, ``2.0``, ``两``),
yes/no and satisfaction words in English and Chinese (``满意``, ``不满意``, ``是``, ``否``).
Anything that would have to change to fit is returned as missing, so the caller names the record.
"""

from __future__ import annotations

import re
from typing import Any, Final

import numpy as np
import pandas as pd

_YMD: Final = re.compile(
    r"^(\d{4})\s*[/.\-年]\s*(\d{1,2})\s*[/.\-月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2})\s*[:时]\s*(\d{1,2})\s*(?:[:分]\s*(\d{1,2})\s*秒?)?\s*分?)?$"
)
_MDY: Final = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?\s*([AaPp][Mm])?$"
)
_EXCEL_SERIAL: Final = re.compile(r"^\d{5}(?:\.\d+)?$")
_EXCEL_EPOCH: Final = pd.Timestamp("1899-12-30")
_SERIAL_RANGE: Final = (20_000.0, 80_000.0)  # 1954 .. 2119: a day number, not a count
_CHINESE_DIGITS: Final = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
TRUE_WORDS: Final = frozenset(
    (
        "1",
        "true",
        "t",
        "yes",
        "y",
        "satisfied",
        "是",
        "满意",
        "非常满意",
        "比较满意",
        "基本满意",
        "对",
    )
)
FALSE_WORDS: Final = frozenset(
    (
        "0",
        "false",
        "f",
        "no",
        "n",
        "unsatisfied",
        "dissatisfied",
        "not satisfied",
        "否",
        "不满意",
        "非常不满意",
        "很不满意",
        "不",
    )
)


def spreadsheet_time(text: str) -> str | None:
    """An ISO 8601 text (naive) for a time as spreadsheets write it, or None."""
    text = text.strip()
    match = _YMD.match(text)
    if match:
        year, month, day, hour, minute, second = match.groups()
        return _iso(year, month, day, hour, minute, second)
    match = _MDY.match(text)
    if match:
        month, day, year, hour, minute, second, half = match.groups()
        if int(month) <= 12 and int(day) <= 12 and month != day:
            return None  # 7/8/2022: July 8 or 7 August? Not guessed.
        if int(month) > 12:
            month, day = day, month
        if hour is not None and half is not None:
            hour = str(int(hour) % 12 + (12 if half.lower() == "pm" else 0))
        return _iso(year, month, day, hour, minute, second)
    if _EXCEL_SERIAL.match(text):
        serial = float(text)
        if _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
            stamp = _EXCEL_EPOCH + pd.to_timedelta(round(serial * 86400), unit="s")
            return stamp.isoformat()
    return None


def _iso(
    year: str, month: str, day: str, hour: str | None, minute: str | None, second: str | None
) -> str | None:
    try:
        stamp = pd.Timestamp(
            year=int(year),
            month=int(month),
            day=int(day),
            hour=int(hour or 0),
            minute=int(minute or 0),
            second=int(second or 0),
        )
    except ValueError:
        return None
    return stamp.isoformat()


def count(value: Any) -> int | None:
    """A non-negative whole number exactly as given (``2``, ``2.0``, ``两``); None otherwise.

    A missing value counts 0 (nothing happened); the caller tells the two apart.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return 0
    if isinstance(value, bool | np.bool_):
        return None
    text = str(value).strip()
    if not text:
        return 0
    if text in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[text]
    try:
        number = float(text)
    except ValueError:
        return None
    if not number.is_integer() or number < 0:
        return None
    return int(number)


def yes_no(value: Any) -> bool | str | None:
    """True / False for yes/no and satisfaction words, None when empty, the text when unknown."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if not text:
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return str(value)
