"""Road classes: the schema's five values and every spelling of them geogrid knows, in one place.

The import (``geogrid.io``) writes a road's class as one of ``ROAD_CLASSES``; the partition
engine (``geogrid.partition.barriers``) reads raw files too (``geogrid partition FILE``), so
both go through :func:`canonical_road_class` and cannot disagree on what a value means.

Spellings: OpenStreetMap's ``highway=*`` tags (``_link`` roads as their road), and Chinese
usage: the urban classes of CJJ 37-2012 (城市道路工程设计规范: 快速路, 主干路, 次干路, 支路),
the administrative classes of rural highways (国道, 省道, 县道, 乡道, 村道), and the lanes,
compound roads and paths of old cities and villages (胡同, 街巷, 小区路, 步行街, 机耕路...).
"""

from __future__ import annotations

from typing import Final

from geogrid.schema import ROAD_CLASSES

__all__ = ["ROAD_CLASSES", "SPELLINGS", "canonical_road_class"]

_SPELLINGS: Final[dict[str, tuple[str, ...]]] = {
    "motorway": (
        "motorway", "expressway", "freeway", "高速", "高速公路", "快速路", "城市快速路",
        "快速干道",
    ),
    "arterial": (
        "arterial", "trunk", "primary", "major", "ring", "ring_road", "主干路", "主干道",
        "城市主干路", "国道", "省道", "环路",
    ),
    "secondary": (
        "secondary", "tertiary", "collector", "sub_arterial", "次干路", "次干道",
        "城市次干路", "县道",
    ),
    "local": (
        "local", "residential", "unclassified", "living_street", "service", "road", "lane",
        "busway",
        "hutong", "alley", "branch", "支路", "城市支路", "乡道", "村道", "街巷", "巷", "巷道",
        "小巷", "胡同", "里弄", "弄堂", "小区路", "小区道路", "内部道路", "街坊路",
    ),
    "path": (
        "path", "footway", "cycleway", "pedestrian", "steps", "track", "bridleway",
        # OSM's ways for people on foot that are not roads: a stop's platform beside the road,
        # a corridor or lift in a building, a hiking trail (tagged so in places)
        "platform", "corridor", "elevator", "trail",
        "步行街", "步行道", "人行道", "绿道", "小路", "机耕路", "机耕道", "田间道路",
    ),
}  # fmt: skip

# every spelling in lower case -> its class; OSM's ramps (motorway_link, ...) as their road
SPELLINGS: Final[dict[str, str]] = {
    variant: road_class
    for road_class, names in _SPELLINGS.items()
    for spelling in names
    for variant in ((spelling, f"{spelling}_link") if spelling.isascii() else (spelling,))
}


def canonical_road_class(value: object) -> str | None:
    """The schema's road class (one of ``ROAD_CLASSES``) for a value as written in a file (any
    case, spaces around), or None for an empty or unknown value."""
    if value is None or value != value:  # None or NaN
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    return SPELLINGS.get(text)
