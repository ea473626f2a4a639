"""The names files commonly give the schema's fields: Chinese, English and OpenStreetMap ones.

A buildings file from a street office says 户数 and 层数, not ``households`` and ``levels``;
an OSM export says ``building:levels`` and ``highway``. Such a column is taken for its field
when no column has the schema's name and no ``--map`` (or mapping file) names one, with a note
("households taken from column '户数'"). Names are compared without case and spaces (also
full-width ones). When two columns of a file both look like one field (户籍户数 and 常住户数),
neither is taken: which one is meant is the user's call (``--map households=常住户数``).

This is the one table of them: ``geogrid import`` reads it through
:func:`geogrid.io.mapping.apply_mapping`, and a reader of raw files through
:func:`geogrid.io.mapping.alias_columns`. Only fields of :mod:`geogrid.schema` are listed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from geogrid.schema import LayerSpec

ANY_KIND: Final = "*"
"""Key of the aliases a field has in every layer kind that has the field."""

# Per layer kind where a name means different fields in different kinds: 街道代码 is a street's
# own code in streets but its parent's (street_code) in communities.
FIELD_ALIASES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    ANY_KIND: {
        "code": ("代码", "编码", "区划代码", "区划编码", "行政区划代码", "统计用区划代码"),
        "name": ("名称", "名字", "name_zh", "name:zh", "name_cn"),
        "households": (
            "户数", "住户数", "总户数", "户籍户数", "常住户数", "实有户数", "居民户数",
            "家庭户数", "hh", "hh_count", "household", "households_count", "household_count",
            "num_households", "n_households",
        ),
    },
    "districts": {
        # AMap's and Tianditu's adcode is a district's code: it is not one of a street or
        # community, whose files carry it as their district's
        "code": ("区县代码", "区县编码", "区代码", "县代码", "adcode"),
        "name": ("区县名称", "区县名", "区名称", "县名称", "区名"),
    },
    "streets": {
        "code": ("街道代码", "街道编码", "乡镇代码", "乡镇编码", "乡镇街道代码", "街道乡镇代码"),
        "name": ("街道名称", "街道名", "乡镇名称", "乡镇街道名称", "街道乡镇名称"),
        "district_code": ("区县代码", "区县编码", "所属区县代码", "区代码", "县代码"),
    },
    "communities": {
        "code": (
            "社区代码", "社区编码", "村代码", "村编码", "村居代码", "社区村代码", "居委会代码",
            "村委会代码",
        ),
        "name": (
            "社区名称", "社区名", "村名称", "村名", "村居名称", "社区村名称", "居委会名称",
            "村委会名称",
        ),
        "street_code": (
            "街道代码", "街道编码", "所属街道代码", "所属街道编码", "乡镇代码", "乡镇街道代码",
        ),
        # not 城乡分类代码: its NBS values (111, 210 ...) are not area types
        "area_type": ("类型", "社区类型", "城乡类型", "区域类型", "城乡分类", "城乡属性"),
    },
    "buildings": {
        # not 楼号: "1号楼" repeats in every compound, and a repeated id refuses the import
        "building_id": (
            "楼栋编号", "楼栋号", "楼栋id", "楼栋代码", "楼栋编码", "建筑编号", "建筑id",
            "建筑物编号", "建筑物id", "房屋编号", "building_no", "buildingid",
            # land parcels given as buildings (a planning delivery's 地块)
            "地块编号", "地块代码", "宗地编号", "宗地号", "parcel_id",
        ),
        # not 层高: that is a storey's height in metres
        "levels": (
            "层数", "楼层数", "地上层数", "总层数", "建筑层数", "楼层", "floors", "floor",
            "storeys", "stories", "building:levels", "building_levels", "building_l",
            "num_floors", "floor_count",
        ),
        "compound_id": ("小区编号", "小区id", "小区代码", "小区编码", "所属小区编号", "所属小区id"),
        # a land parcel's use (用地性质: a GB 50137 code such as R2, or its name) is its use
        "use": (
            "用途", "建筑用途", "使用性质", "房屋用途", "房屋性质", "建筑性质", "使用功能",
            "用地性质", "用地类型", "用地分类", "用地代码", "土地用途", "地类名称", "landuse",
            "land_use", "building_use",
            # OSM's building=* (house, school, yes) as exports name the column
            "building",
        ),
        # not 面积 or 占地面积: those are the footprint's (or the parcel's) area
        "floor_area": ("建筑面积", "总建筑面积", "房屋建筑面积", "建面", "gross_floor_area", "gfa"),
        "floor_area_ratio": ("容积率", "plot_ratio", "far"),
    },
    "compounds": {
        "compound_id": ("小区编号", "小区id", "小区代码", "小区编码"),
        "name": ("小区名称", "小区名"),
    },
    "natural_villages": {
        "village_id": ("自然村编号", "自然村id", "自然村代码", "自然村编码", "村庄编号"),
        "name": ("自然村名称", "自然村名", "村庄名称"),
    },
    "roads": {
        "road_id": ("道路编号", "道路id", "道路代码", "道路编码", "路段编号"),
        "road_class": (
            "道路等级", "等级", "道路类型", "道路类别", "道路级别", "公路等级", "highway",
            "fclass",
        ),
        "name": ("道路名称", "道路名", "路名"),
    },
    "waterways": {
        "waterway_id": ("河流编号", "河流代码", "河流编码", "河道编号", "水系编号"),
        "waterway_class": (
            "水系等级", "河流等级", "河道等级", "水系类型", "河流类型", "等级", "waterway",
            "fclass",
        ),
        "name": ("河流名称", "河名", "河道名称", "水系名称"),
    },
    "railways": {
        "railway_id": ("铁路编号", "铁路id", "线路编号"),
        "name": ("铁路名称", "铁路名", "线路名称"),
    },
}  # fmt: skip


def normal_name(name: object) -> str:
    """A column name as aliases are compared: NFKC (full-width letters and spaces become plain
    ones), without any white space, case-folded."""
    return "".join(unicodedata.normalize("NFKC", str(name)).split()).casefold()


def field_aliases(spec: LayerSpec) -> dict[str, frozenset[str]]:
    """The aliases (as :func:`normal_name` gives them) of each field of ``spec`` that has any."""
    out: dict[str, frozenset[str]] = {}
    if spec.name not in FIELD_ALIASES:  # the staff file: a person's 名称 is no field of it
        return out
    cuts: dict[str, set[str]] = {}
    for name in spec.fields:
        names = (*FIELD_ALIASES[ANY_KIND].get(name, ()), *FIELD_ALIASES[spec.name].get(name, ()))
        if names:
            out[name] = frozenset(normal_name(n) for n in names)
            for alias in out[name]:
                cuts.setdefault(_dbf_cut(alias), set()).add(name)
    # a Shapefile keeps 10 bytes of a name: 社区代码 written in UTF-8 is read as 社区代
    whole = set().union(*out.values()) if out else set()
    for cut, fields in cuts.items():
        if len(fields) == 1 and cut and cut not in whole:
            [name] = fields
            out[name] = out[name] | {cut}
    return out


_DBF_NAME_BYTES: Final = 10


def _dbf_cut(name: str) -> str:
    """``name`` as a DBF keeps it when written in UTF-8: its whole characters within 10 bytes
    (a Chinese name; Latin ones have the Shapefile short names of ``io.mapping``)."""
    data = name.encode("utf-8")
    if len(data) <= _DBF_NAME_BYTES or name.isascii():
        return name
    return data[:_DBF_NAME_BYTES].decode("utf-8", errors="ignore")


@dataclass
class Aliased:
    """What the aliases found in a file's columns."""

    columns: dict[str, str] = field(default_factory=dict)
    """Schema field -> the one column named like it."""
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    """Schema field -> the columns that all look like it (none of them taken)."""
    notes: list[str] = field(default_factory=list)


def find_aliases(columns: Iterable[str], spec: LayerSpec, taken: Mapping[str, str]) -> Aliased:
    """The columns named like a field of ``spec`` that ``taken`` (field -> column: the fields
    a mapping or the schema's own name gave a column) leaves without one; a column ``taken``
    uses is never taken again."""
    used = set(taken.values())
    free = [str(c) for c in columns if str(c) not in used]
    found = Aliased()
    for name, aliases in field_aliases(spec).items():
        if name in taken:
            continue
        matches = [c for c in free if normal_name(c) in aliases]
        if len(matches) == 1:
            found.columns[name] = matches[0]
            found.notes.append(f"{name} taken from column {matches[0]!r}")
        elif matches:
            found.ambiguous[name] = matches
            found.notes.append(ambiguity(name, matches))
    return found


def ambiguity(name: str, columns: list[str]) -> str:
    """The note on a field that several columns look like."""
    listed = ", ".join(f"{c!r}" for c in columns[:-1]) + f" and {columns[-1]!r}"
    every, none = ("both", "neither") if len(columns) == 2 else ("all", "none")
    return (
        f"{name}: columns {listed} {every} look like it, so {none} was taken; "
        f"say which with --map {name}=COLUMN"
    )
