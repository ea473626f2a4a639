"""Which layer kind a layer's name tells: 社区 is communities, buildings_2024 buildings, 水系面
waterways. One table (``LAYER_NAMES``) for ``geogrid import`` and ``geogrid partition FILE``."""

from __future__ import annotations

import re
from typing import Final

from geogrid.schema import LAYERS


def kind_by_name(name: str) -> str | None:
    """The layer kind a layer's name tells, ignoring case: the kind itself, its singular or a
    usual Chinese name (``LAYER_NAMES``), also followed by a version or date after ``_``,
    ``-``, a space or a digit (``buildings_2024``, ``社区2023``), or after a place: a prefix
    ending in ``_``, ``-`` or a space (``LS_buildings``, ``崂山区_社区``) or a Chinese place name
    ending in 省, 市, 区 or 县 (``崂山区街道``); None when it tells none."""
    key = name.strip().lower()
    for rest in (key, *_without_place(key)):
        kind = _kind_of(rest)
        if kind is not None:
            return kind
    return None


def is_surface(name: str) -> bool:
    """Whether a layer's name tells road surfaces (道路面): a layer of centre lines beside it is
    the roads layer."""
    return name.strip().lower() in _SURFACES


_SURFACES: Final = frozenset({"道路面", "道路面层"})


def _kind_of(key: str) -> str | None:
    if key in LAYERS:
        return key
    if key in LAYER_NAMES:
        return LAYER_NAMES[key]
    for word in sorted([*LAYERS, *LAYER_NAMES], key=len, reverse=True):
        rest = key[len(word) :]
        if key.startswith(word) and _is_version(rest):
            return word if word in LAYERS else LAYER_NAMES[word]
    return None


def _is_version(rest: str) -> bool:
    """What may follow a kind's name: a version or date after a separator or a digit
    (``_2024``, ``2023``, ``-v2``, ``_osm``). Chinese words are a name of their own:
    社区_服务中心 is a layer of service centres, not of communities."""
    if not rest or not (rest[0] in "_- " or rest[0].isdigit()):
        return False
    return not re.search(r"[\u3400-\u9fff]", rest)


def _without_place(key: str) -> list[str]:
    """``key`` without a leading place: after its first separator, after a Chinese place name
    (a few characters ending in 省 / 市 / 区 / 县: 崂山区街道 -> 街道). 社区服务中心 loses 社区
    and tells nothing, as it should."""
    rests = [key.split(sep, 1)[1] for sep in "_- " if sep in key]
    rest = key
    while (place := re.match(r"^.{1,8}?[省市区县]", rest)) and place.end() < len(rest):
        rest = rest[place.end() :]  # 山东省青岛市崂山区铁路: each place in turn
        rests.append(rest)
    return [r for r in rests if r]


# What deliveries call a layer of each kind, besides the kind's own name.
LAYER_NAMES: Final[dict[str, str]] = {
    "district": "districts",
    "区县": "districts",
    "street": "streets",
    "街道": "streets",
    "乡镇": "streets",
    "community": "communities",
    "社区": "communities",
    "村居": "communities",
    "社区边界": "communities",
    "社区界线": "communities",
    "村": "communities",
    "building": "buildings",
    "建筑": "buildings",
    "建筑物": "buildings",
    "房屋": "buildings",
    "楼栋": "buildings",
    "road": "roads",
    "道路": "roads",
    "道路中心线": "roads",
    "路网": "roads",
    # surfaces: read as roads, then refused with the hint to derive centre lines from them
    "道路面": "roads",
    "道路面层": "roads",
    "waterway": "waterways",
    "水系": "waterways",
    "水系线": "waterways",
    "河流": "waterways",
    "河流线": "waterways",
    "河道": "waterways",
    # areas: the engine takes a river's outline (its banks) as the barrier
    "水系面": "waterways",
    "河流面": "waterways",
    "水域": "waterways",
    "水面": "waterways",
    "railway": "railways",
    "铁路": "railways",
    "compound": "compounds",
    "小区": "compounds",
    "natural_village": "natural_villages",
    "自然村": "natural_villages",
    # more surveying names a second tester's delivery used
    "建筑面": "buildings",
    "房屋面": "buildings",
    "居民地": "buildings",
    "行政村": "communities",
    "村界": "communities",
    "道路线": "roads",
    "铁路线": "railways",
    # the same in pinyin, as Chinese files are often named (shequ_zone40.shp), and the
    # initials of 道路中心线 that surveying deliveries use
    "quxian": "districts",
    "jiedao": "streets",
    "xiangzhen": "streets",
    "shequ": "communities",
    "cunju": "communities",
    "fangwu": "buildings",
    "jianzhu": "buildings",
    "jianzhuwu": "buildings",
    "daolu": "roads",
    "dlzxx": "roads",
    "shuixi": "waterways",
    "heliu": "waterways",
    "tielu": "railways",
    "xiaoqu": "compounds",
    "zirancun": "natural_villages",
}
