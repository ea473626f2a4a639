"""Building uses: what a building's ``use`` value means, in one place, for every reader.

A delivery's buildings (or land parcels given as buildings) often carry a use and no household
count: 住宅, 商住楼, 办公, 教学楼, 厂房; OpenStreetMap's ``building=*``; or a land-use code of
GB 50137-2011 (城市用地分类与规划建设用地标准: R2 residential, B1 commercial, A33 schools, G1
parks). Households are estimated from floor area (``geogrid.households``), and floor area of a
school or a park holds none: the estimate weighs each building by :func:`residential_weight`.
The partition engine's dedicated grids (``--dedicated school``) read the same canonical use,
so 学校 and A33 are schools there too.

Uses: ``residential``, ``mixed`` (homes above shops), and the non-residential ``school``,
``hospital``, ``office``, ``commercial``, ``industrial``, ``warehouse``, ``public``,
``religious``, ``utility``, ``parking``, ``green``, ``outbuilding`` (sheds, barns, garages of a
house). A value none of these reads (``yes``, a typo) is *unknown*: estimated as residential,
and listed, never dropped silently.
"""

from __future__ import annotations

import re
from typing import Final

NON_RESIDENTIAL: Final = (
    "school", "hospital", "office", "commercial", "industrial", "warehouse", "public",
    "religious", "utility", "parking", "green", "farmland", "outbuilding", "non_residential",
)  # fmt: skip
USES: Final = ("residential", "mixed", *NON_RESIDENTIAL)

# exact spellings (lower case): English and OSM's building=* values
_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "residential": (
        "residential", "residence", "housing", "apartments", "apartment", "house", "detached",
        "semidetached_house", "terrace", "bungalow", "dormitory", "farm", "cabin", "flats",
    ),
    "mixed": ("mixed", "mixed_use", "mixed-use", "residential;commercial", "commercial;residential"),
    "school": ("school", "kindergarten", "university", "college", "education"),
    "hospital": ("hospital", "clinic", "healthcare"),
    "office": ("office", "offices", "government"),
    "commercial": ("commercial", "retail", "shop", "supermarket", "kiosk", "hotel", "market"),
    "industrial": ("industrial", "manufacture", "factory"),
    "warehouse": ("warehouse", "storage", "storage_tank"),
    "public": ("public", "civic", "townhall", "fire_station", "police", "sports_hall", "library"),
    "religious": (
        "religious", "church", "temple", "mosque", "chapel", "cathedral", "shrine",
        "synagogue", "monastery",
    ),
    "utility": ("utility", "transformer_tower", "toilets", "service", "substation"),
    "parking": ("parking", "garages", "carport", "parking_garage"),
    "outbuilding": ("shed", "hut", "barn", "cowshed", "stable", "greenhouse", "garage", "roof"),
}  # fmt: skip

# Chinese words found inside a value (住宅楼, 多层住宅, 商业用房), tried in this order: 商住 is
# mixed before 住 and 商 are read apart; 宿舍 and 公寓 are homes
_KEYWORDS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("non_residential", ("非住宅", "非居住")),  # before 住宅 is read as homes
    ("mixed", ("商住", "住商", "综合楼", "底商")),
    ("residential", (
        "住宅", "居住", "住房", "民房", "民居", "宿舍", "公寓", "宅基地", "别墅", "平房",
        "棚户", "棚改", "安置房",  # shanty and resettlement housing: homes, not sheds
    )),
    # the land classes of a land survey (GB/T 21010, 三调 地类名称): fields, ponds, roads
    ("farmland", ("耕地", "旱地", "水田", "水浇地", "园地", "果园", "茶园", "草地", "农用地")),
    ("utility", ("公路用地", "道路", "铁路用地", "交通", "沟渠", "水工")),
    ("green", ("坑塘", "水库", "湖泊", "河流水面")),
    ("school", ("学校", "小学", "中学", "幼儿园", "教学", "学院", "大学", "教育")),
    ("hospital", ("医院", "卫生", "诊所", "医疗")),
    ("office", ("办公", "写字楼", "机关", "政府")),
    ("commercial", ("商业", "商铺", "商场", "市场", "酒店", "宾馆", "餐饮", "超市", "商服", "商务")),
    ("industrial", ("工业", "厂房", "工厂", "车间")),
    ("warehouse", ("仓库", "仓储", "物流")),
    ("religious", ("宗教", "寺", "庙", "教堂", "清真")),
    ("parking", ("车库", "停车")),
    ("utility", ("变电", "配电", "泵站", "公厕", "厕所", "垃圾", "锅炉", "市政", "设施")),
    ("green", ("绿地", "公园", "广场", "林地", "水域")),
    ("public", ("文化", "体育", "社区服务", "养老", "福利", "文物", "公共")),
    ("outbuilding", ("附属", "杂物", "棚", "圈舍", "畜", "温室", "大棚")),
)  # fmt: skip

# GB 50137-2011 land-use codes: a letter, then up to two digits (and a local suffix: Rb)
_LAND_USE: Final = re.compile(r"^([A-Z])(\d{0,2})([A-Za-z]?)$")
_LAND_USE_FAMILY: Final[dict[str, str]] = {
    "R": "residential", "A": "public", "B": "commercial", "M": "industrial", "W": "warehouse",
    "S": "utility", "U": "utility", "G": "green", "H": "utility", "E": "green",
}  # fmt: skip
_LAND_USE_SUB: Final[dict[str, str]] = {
    "A3": "school", "A5": "hospital", "A9": "religious", "A1": "office", "B2": "office",
    "S4": "parking", "H1": "residential",  # H14 村庄建设用地: a village's homes, mostly
}  # fmt: skip

_EXACT: Final[dict[str, str]] = {w: use for use, words in _WORDS.items() for w in words}


def canonical_use(value: object) -> str | None:
    """The canonical use (one of ``USES``) of a ``use`` value as written in a file, or None for
    an empty or unknown one. Mixed land-use codes (``R2/B1``, ``Rb``) are ``mixed``."""
    if value is None or value != value:  # None or NaN
        return None
    text = str(value).strip()
    if not text:
        return None
    exact = _EXACT.get(text.lower()) or (text.lower() if text.lower() in USES else None)
    if exact:
        return exact
    parts = [p.strip() for p in re.split(r"[/、,，+;；]", text) if p.strip()]
    if len(parts) > 1:  # 商业/住宅, R2/B1: homes and something else are mixed
        uses = [canonical_use(p) for p in parts]
        if all(uses):
            return "mixed" if "residential" in uses and len(set(uses)) > 1 else uses[0]
        return None
    return _land_use(text) or next(
        (use for use, keys in _KEYWORDS if any(k in text for k in keys)), None
    )


def use_key(value: object) -> str:
    """How buildings' uses and the uses asked for dedicated grids are compared: the canonical
    use where one is known (学校 and A33 are ``school``), else the value as written in lower
    case ("" for none)."""
    if value is None or value != value:  # None or NaN
        return ""
    return canonical_use(value) or str(value).strip().lower()


def _land_use(code: str) -> str | None:
    match = _LAND_USE.match(code.strip()[:1].upper() + code.strip()[1:])  # a33 as A33
    if match is None:
        return None
    letter, digits, suffix = match.groups()
    if letter == "R" and suffix.lower() == "b":  # 商住用地 in several cities' local standards
        return "mixed"
    family = _LAND_USE_FAMILY.get(letter)
    return _LAND_USE_SUB.get(f"{letter}{digits[:1]}", family) if family else None


def residential_weight(use: object, *, mixed_share: float) -> float:
    """How much of a building's floor counts toward households, before the settings' own
    residential share: 1 for residential or unknown, ``mixed_share`` for mixed, 0 otherwise."""
    if not isinstance(use, str) or use == "residential":  # None, or NaN from a frame
        return 1.0
    return mixed_share if use == "mixed" else 0.0
