"""Lines off street level: bridges, viaducts and tunnels, which divide no blocks.

A viaduct (高架路) runs over the blocks it crosses and a tunnel under them; taken as barriers
they would cut blocks in two and draw a grid boundary along an overpass through the houses
below. The road at street level under a viaduct is its own line (OSM maps both), and a bridge
over a river lies over the river, which is a barrier anyway. So the import does not store such
lines as barriers and the engine (``geogrid partition FILE``) does not cut along them; both
go through :func:`off_street` and count what they left out.

A line is off street level when a flag column says so (OSM's ``bridge`` / ``tunnel`` with any
value but no, a ``layer`` other than 0, or a field as Chinese deliveries name it: 是否高架, 高架,
桥梁, 隧道 with a value such as 是 / 1 / Y), or when its class is one (高架路, 隧道, viaduct...).
"""

from __future__ import annotations

from typing import Final

import pandas as pd

__all__ = ["FLAG_COLUMNS", "off_street"]

# columns whose value, unless it says no, marks a bridge or tunnel (names in lower case;
# Shapefiles cut names to 10 characters: is_elevate)
FLAG_COLUMNS: Final = (
    "bridge", "tunnel", "viaduct", "elevated", "is_bridge", "is_tunnel", "is_elevated",
    "is_elevate", "高架", "是否高架", "高架桥", "桥梁", "是否桥梁", "隧道", "是否隧道",
)  # fmt: skip
_NO: Final = frozenset(
    ("", "no", "n", "0", "0.0", "false", "f", "none", "null", "nan", "否", "无", "非", "地面")
)
# class values that are a structure rather than a class of road
CLASS_VALUES: Final = frozenset(
    ("高架", "高架路", "高架道路", "高架桥", "城市高架", "高架快速路", "隧道", "隧道路", "桥梁",
     "立交桥", "viaduct", "bridge", "tunnel")
)  # fmt: skip
_CLASS_COLUMNS: Final = ("road_class", "highway")
_LAYER_RANGE: Final = 5  # OSM's layer runs -5..5; another "layer" column (a CAD layer) is not it


def off_street(frame: pd.DataFrame) -> pd.Series:
    """True for each line of ``frame`` (roads, waterways or railways, columns as in the file)
    on a bridge or viaduct or in a tunnel; False where nothing says so."""
    out = pd.Series(False, index=frame.index)
    for column in frame.columns:
        name = str(column).strip().lower()
        values = frame[column]
        if name in FLAG_COLUMNS:
            out |= values.map(_says_yes).astype(bool)
        elif name in _CLASS_COLUMNS:
            out |= values.map(lambda v: _text(v) in CLASS_VALUES).astype(bool)
        elif name == "layer":
            out |= _off_layer(values)
    return out


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip().lower()


def _says_yes(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return _text(value) not in _NO


def _off_layer(values: pd.Series) -> pd.Series:
    """A layer other than 0, when the column is OSM's (whole numbers within -5..5)."""
    numbers = pd.to_numeric(values.map(_text).replace("", None), errors="coerce")
    given = values.map(_text) != ""
    if numbers[given].isna().any():
        return pd.Series(False, index=values.index)
    whole = numbers[given]
    if ((whole != whole.round()) | (whole.abs() > _LAYER_RANGE)).any():
        return pd.Series(False, index=values.index)
    return (numbers.fillna(0) != 0).astype(bool)
