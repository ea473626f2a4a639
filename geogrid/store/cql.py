"""CQL2 filters (text and JSON) compiled to SQLAlchemy conditions against an allow-list.

The ``cql2`` library parses both encodings into CQL2-JSON; this module walks that JSON and
accepts only what it knows: and/or/not, comparisons, like, in, between, isNull, casei, spatial
predicates against a literal geometry or bbox, and t_before/t_after/t_equals/t_during/
t_intersects. Properties must be queryables of the collection; every literal becomes a bound
parameter checked against the property's type. Anything else is an InputError (HTTP 400): a
filter is never concatenated into SQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    Integer,
    and_,
    func,
    literal,
    not_,
    or_,
    true,
)

from geogrid.errors import InputError
from geogrid.store.feature_catalog import Collection
from geogrid.store.tables import SRID

MAX_FILTER_CHARS = 20_000
MAX_NODES = 500
MAX_LITERAL_CHARS = 1_000
MAX_VERTICES = 10_000
GEOMETRY_NAMES = ("geometry", "geom")

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_SPATIAL = {
    "s_intersects": "ST_Intersects",
    "s_disjoint": "ST_Disjoint",
    "s_contains": "ST_Contains",
    "s_within": "ST_Within",
    "s_touches": "ST_Touches",
    "s_crosses": "ST_Crosses",
    "s_overlaps": "ST_Overlaps",
    "s_equals": "ST_Equals",
}
_GEOJSON_TYPES = {
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection",
}  # fmt: skip


def _bad(message: str) -> InputError:
    return InputError(message, field="filter")


def parse_filter(text: str, lang: str | None) -> dict[str, Any]:
    """``text`` in ``cql2-text`` (default) or ``cql2-json`` as CQL2-JSON; InputError if invalid."""
    import cql2

    if len(text) > MAX_FILTER_CHARS:
        raise _bad(f"filter longer than {MAX_FILTER_CHARS} characters")
    lang = (lang or "cql2-text").lower()
    if lang not in ("cql2-text", "cql2-json"):
        raise InputError(
            f"unknown filter-lang {lang!r}; use cql2-text or cql2-json", field="filter-lang"
        )
    try:
        expr = cql2.parse_json(text) if lang == "cql2-json" else cql2.parse_text(text)
        tree = expr.to_json()
    except Exception as exc:  # the parser's errors all mean "not valid CQL2"
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise _bad(f"not valid {lang}: {first[:200]}") from None
    if isinstance(tree, str):  # some versions hand back the JSON text
        tree = json.loads(tree)
    return tree


class _Compiler:
    def __init__(
        self,
        coll: Collection,
        allowed: set[str],
        to_storage: Callable[[BaseGeometry], BaseGeometry],
    ) -> None:
        self.coll = coll
        self.allowed = allowed
        self.to_storage = to_storage
        self.nodes = 0

    def condition(self, node: Any) -> ColumnElement[bool]:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _bad(f"filter has more than {MAX_NODES} terms")
        if isinstance(node, bool):
            return true() if node else not_(true())
        if not isinstance(node, dict) or "op" not in node:
            raise _bad(f"expected a condition, got {_describe(node)}")
        op, args = str(node["op"]).lower(), node.get("args") or []
        if not isinstance(args, list):
            raise _bad(f"{op} needs a list of arguments")
        if op in ("and", "or"):
            parts = [self.condition(a) for a in args]
            return and_(*parts) if op == "and" else or_(*parts)
        if op == "not" and len(args) == 1:
            return not_(self.condition(args[0]))
        if op in _COMPARE and len(args) == 2:
            column, value = self.operands(args[0], args[1])
            return _COMPARE[op](column, value)
        if op == "like" and len(args) == 2:
            return self.like(args[0], args[1])
        if op == "in" and len(args) == 2 and isinstance(args[1], list):
            column = self.attribute(args[0])
            if len(args[1]) > MAX_NODES:
                raise _bad(f"IN list longer than {MAX_NODES}")
            return column.in_([self.value(column, v) for v in args[1]])
        if op == "between" and len(args) == 3:
            column = self.attribute(args[0])
            return column.between(self.value(column, args[1]), self.value(column, args[2]))
        if op == "isnull" and len(args) == 1:
            return self.attribute(args[0]).is_(None)
        if op in _SPATIAL and len(args) == 2:
            return self.spatial(op, args[0], args[1])
        if op.startswith("t_") and len(args) == 2:
            return self.temporal(op, args[0], args[1])
        raise _bad(f"operator {op!r} is not supported in filters")

    def attribute(self, node: Any) -> Any:
        if isinstance(node, dict) and str(node.get("op", "")).lower() == "casei":
            return func.lower(self.attribute((node.get("args") or [None])[0]))
        if not isinstance(node, dict) or set(node) != {"property"}:
            raise _bad(f"expected a property, got {_describe(node)}")
        name = node["property"]
        if name not in self.allowed:
            raise InputError(
                f"{str(name)[:60]!r} is not a queryable of {self.coll.id} "
                f"(GET /collections/{self.coll.id}/queryables)",
                field="filter",
            )
        return self.coll.columns[name]

    def operands(self, lhs: Any, rhs: Any) -> tuple[Any, Any]:
        if _is_property(rhs) and not _is_property(lhs):
            lhs, rhs = rhs, lhs
        column = self.attribute(lhs)
        if _is_property(rhs):
            return column, self.attribute(rhs)
        return column, self.value(column, rhs)

    def value(self, column: Any, raw: Any) -> Any:
        if isinstance(raw, dict) and str(raw.get("op", "")).lower() == "casei":
            return func.lower(self.value(column, (raw.get("args") or [None])[0]))
        if isinstance(raw, dict) and ("timestamp" in raw or "date" in raw):
            raw = _instant(raw)
        sql_type = getattr(column, "type", None)
        if isinstance(raw, bool):
            return self._typed(raw, sql_type, (Boolean,), column)
        if isinstance(raw, (int, float)):
            if abs(raw) > 1e15:
                raise _bad(f"number {raw} is out of range")
            if isinstance(sql_type, Integer) and float(raw).is_integer():
                raw = int(raw)
            return self._typed(raw, sql_type, (Integer, Float), column)
        if isinstance(raw, datetime):
            return self._typed(raw, sql_type, (DateTime,), column)
        if isinstance(raw, str):
            if len(raw) > MAX_LITERAL_CHARS:
                raise _bad(f"a literal is longer than {MAX_LITERAL_CHARS} characters")
            if isinstance(sql_type, (Integer, Float, Boolean, DateTime)):
                raise _bad(f"{raw[:40]!r} is text; {column.key} is not")
            return literal(raw, type_=sql_type)
        raise _bad(f"{_describe(raw)} cannot be compared with a property")

    @staticmethod
    def _typed(raw: Any, sql_type: Any, kinds: tuple[type[Any], ...], column: Any) -> Any:
        if not isinstance(sql_type, kinds):
            raise _bad(f"{raw!r} does not fit the type of {getattr(column, 'key', 'the property')}")
        if isinstance(sql_type, Integer) and isinstance(raw, float):
            return literal(raw, type_=Float())
        return literal(raw, type_=sql_type)

    def like(self, lhs: Any, pattern: Any) -> ColumnElement[bool]:
        column = self.attribute(lhs)
        value = self.value(column, pattern)
        return column.like(value, escape="\\")

    def geometry(self, node: Any) -> Any:
        if isinstance(node, dict) and "bbox" in node:
            coords = node["bbox"]
            if not isinstance(coords, list) or len(coords) not in (4, 6):
                raise _bad("bbox needs 4 (or 6) numbers")
            x0, y0, x1, y1 = (
                (coords[0], coords[1], coords[3], coords[4]) if len(coords) == 6 else coords
            )
            shape: BaseGeometry = shapely.box(x0, y0, x1, y1)
        elif isinstance(node, dict) and node.get("type") in _GEOJSON_TYPES:
            try:
                shape = shapely.geometry.shape(node)
            except Exception:
                raise _bad("the geometry literal is not valid GeoJSON") from None
        else:
            raise _bad(f"expected a geometry literal, got {_describe(node)}")
        if shapely.get_num_coordinates(shape) > MAX_VERTICES:
            raise _bad(f"geometry literal over {MAX_VERTICES} vertices")
        if not shape.is_valid:
            shape = shapely.make_valid(shape)
        return func.ST_GeomFromWKB(literal(shapely.to_wkb(self.to_storage(shape))), SRID)

    def spatial(self, op: str, lhs: Any, rhs: Any) -> ColumnElement[bool]:
        if _is_property(rhs) and not _is_property(lhs):
            lhs, rhs = rhs, lhs
        if not _is_property(lhs) or lhs["property"] not in GEOMETRY_NAMES:
            raise _bad("spatial predicates compare the geometry property with a literal")
        return getattr(func, _SPATIAL[op])(self.coll.geom, self.geometry(rhs))

    def temporal(self, op: str, lhs: Any, rhs: Any) -> ColumnElement[bool]:
        column = self.attribute(lhs)
        if not isinstance(column.type, DateTime):
            raise _bad(f"{column.key} is not a time")
        if isinstance(rhs, dict) and "interval" in rhs:
            bounds = rhs["interval"]
            if not isinstance(bounds, list) or len(bounds) != 2:
                raise _bad("an interval has a start and an end")
            start, end = (None if b == ".." else _instant(b) for b in bounds)
            if op in ("t_during", "t_intersects"):
                parts = [column >= literal(start, type_=column.type)] if start else []
                parts += [column <= literal(end, type_=column.type)] if end else []
                return and_(true(), *parts)
            raise _bad(f"{op} with an interval is not supported")
        instant = literal(_instant(rhs), type_=column.type)
        if op == "t_before":
            return column < instant
        if op == "t_after":
            return column > instant
        if op in ("t_equals", "t_intersects"):
            return column == instant
        raise _bad(f"operator {op!r} is not supported in filters")


def _is_property(node: Any) -> bool:
    return isinstance(node, dict) and "property" in node


def _instant(node: Any) -> datetime:
    text = node.get("timestamp", node.get("date")) if isinstance(node, dict) else node
    if not isinstance(text, str) or len(text) > 40:
        raise _bad("expected a TIMESTAMP or DATE")
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"{text!r} is not an RFC 3339 time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _describe(node: Any) -> str:
    if isinstance(node, dict) and "op" in node:
        return f"function {str(node['op'])[:40]}()"
    return type(node).__name__


def compile_filter(
    tree: dict[str, Any],
    coll: Collection,
    *,
    queryables: list[str],
    to_storage: Callable[[BaseGeometry], BaseGeometry] = lambda g: g,
) -> ColumnElement[bool]:
    """The SQL condition of a parsed filter on ``coll``; only ``queryables`` may appear."""
    return _Compiler(coll, set(queryables), to_storage).condition(tree)
