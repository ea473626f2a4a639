"""Queries over a collection: the access scope, bbox, datetime, property filters, a compiled
CQL2 filter, sort, property selection and paging. Every value is a bound parameter.

Geometries come back as WKB in storage CRS (CRS84); callers transform them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Float,
    Integer,
    Row,
    Select,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
)

from geogrid.errors import InputError
from geogrid.store._bind import fetch_all, store_kind
from geogrid.store.feature_catalog import Collection
from geogrid.store.tables import SRID

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Scope:
    """What a principal may see: a code prefix ('' = all), the jurisdiction polygon as WKB for
    collections without codes (None = no cut), and whether personal data is shown."""

    prefix: str = ""
    geometry_wkb: bytes | None = None
    personal: bool = False


@dataclass(frozen=True)
class FeatureQuery:
    """The filters of one request; ``bbox`` is lon/lat (CRS84)."""

    bbox: BBox | None = None
    interval: tuple[datetime | None, datetime | None] | None = None
    equals: dict[str, str] = field(default_factory=dict)
    filter: ColumnElement[bool] | None = None
    sortby: Sequence[tuple[str, bool]] = ()
    properties: Sequence[str] | None = None
    limit: int | None = None
    offset: int = 0


def prefix_clause(column: Any, prefix: str) -> ColumnElement[bool]:
    """``substr(column, 1, len(prefix)) = :prefix`` (bound; no LIKE, so no wildcards)."""
    if not prefix:
        return true()
    return func.substr(column, 1, len(prefix)) == literal(prefix)


def visible_properties(coll: Collection, scope: Scope) -> list[str]:
    """The properties ``scope`` may read (personal data only with ``scope.personal``)."""
    return [n for n in coll.columns if scope.personal or n not in coll.personal]


def envelope(bind: Engine | Connection, bbox: BBox) -> ColumnElement[Any]:
    """A rectangle in storage SRID, built by the database's own function."""
    if store_kind(bind) == "postgis":
        return func.ST_MakeEnvelope(*bbox, SRID)
    return func.BuildMbr(*bbox, SRID)


def _bbox_clause(bind: Engine | Connection, coll: Collection, bbox: BBox) -> ColumnElement[bool]:
    exact = func.ST_Intersects(coll.geom, envelope(bind, bbox))
    if store_kind(bind) == "postgis":
        return exact  # the GiST index serves ST_Intersects directly
    # SpatiaLite uses its R*Tree only when asked through the SpatialIndex table.
    index: Select[Any] = (
        select(literal_column("ROWID"))
        .select_from(text("SpatialIndex"))
        .where(
            literal_column("f_table_name") == literal(coll.table_name),
            literal_column("f_geometry_column") == literal("geom"),
            literal_column("search_frame") == envelope(bind, bbox),
        )
    )
    return literal_column(f"{coll.table_name}.ROWID").in_(index) & exact


def scope_clause(bind: Engine | Connection, coll: Collection, scope: Scope) -> ColumnElement[bool]:
    """The one jurisdiction predicate, on codes where the collection has them, else geometry."""
    if coll.code_property is not None:
        column = coll.columns[coll.code_property]
        clause = prefix_clause(column, scope.prefix)
        if coll.uncoded_visible_to_district and len(scope.prefix) <= 6:
            clause = or_(clause, column.is_(None))
        return clause
    if not scope.prefix or scope.geometry_wkb is None:
        return true() if not scope.prefix else false()
    area = func.ST_GeomFromWKB(literal(scope.geometry_wkb), SRID)
    return func.ST_Intersects(coll.geom, area)


def typed_value(coll: Collection, name: str, raw: str) -> Any:
    """``raw`` (a query-string value) converted to property ``name``'s type, or InputError."""
    sql_type = coll.columns[name].type
    try:
        if isinstance(sql_type, Boolean):
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return raw.lower() in ("true", "1")
        if isinstance(sql_type, Integer):
            return int(raw)
        if isinstance(sql_type, Float):
            return float(raw)
        if isinstance(sql_type, DateTime):
            return parse_instant(raw)
    except ValueError:
        kind = type(sql_type).__name__.lower()
        raise InputError(f"{raw!r} is not a valid {kind}", field=name) from None
    return raw


def parse_instant(text: str) -> datetime:
    """An RFC 3339 date-time (or a date: its midnight) as an aware UTC datetime."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_interval(text: str) -> tuple[datetime | None, datetime | None]:
    """The OGC ``datetime`` parameter: an instant, a date (the whole day) or ``start/end`` with
    ``..`` or nothing for an open end. InputError when it is none of these."""
    try:
        if "/" not in text:
            if len(text.strip()) == 10:
                day = datetime.combine(date.fromisoformat(text.strip()), time(), UTC)
                return day, day + timedelta(days=1) - timedelta(microseconds=1)
            instant = parse_instant(text)
            return instant, instant
        start, end = text.split("/", 1)
        bounds = tuple(None if v.strip() in ("", "..") else parse_instant(v) for v in (start, end))
    except ValueError:
        raise InputError(
            f"datetime {text!r} is not an RFC 3339 instant or interval (start/end, '..' open)",
            field="datetime",
        ) from None
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        raise InputError("datetime interval ends before it starts", field="datetime")
    return bounds[0], bounds[1]


def where_clauses(
    bind: Engine | Connection, coll: Collection, scope: Scope, query: FeatureQuery
) -> list[ColumnElement[bool]]:
    """Every condition of ``query`` on ``coll`` within ``scope``."""
    clauses = [*coll.where, scope_clause(bind, coll, scope)]
    if query.bbox is not None:
        clauses.append(_bbox_clause(bind, coll, query.bbox))
    if query.interval is not None and coll.temporal_property is not None:
        column = coll.columns[coll.temporal_property]
        start, end = query.interval
        if start is not None:
            clauses.append(column >= start)
        if end is not None:
            clauses.append(column <= end)
    visible = set(visible_properties(coll, scope))
    for name, raw in query.equals.items():
        if name not in visible:
            raise InputError(f"unknown property {name!r}", field=name)
        clauses.append(coll.columns[name] == typed_value(coll, name, raw))
    if query.filter is not None:
        clauses.append(query.filter)
    return clauses


def select_features(
    bind: Engine | Connection, coll: Collection, scope: Scope, query: FeatureQuery
) -> Select[Any]:
    """The page of features: id, the chosen properties and ``wkb``, in a stable order."""
    visible = visible_properties(coll, scope)
    chosen = visible if query.properties is None else [p for p in query.properties]
    for name in chosen:
        if name not in visible:
            raise InputError(f"unknown property {name!r}", field="properties")
    names = [coll.id_property, *[n for n in chosen if n != coll.id_property]]
    stmt = (
        select(*[coll.columns[n].label(n) for n in names], func.ST_AsBinary(coll.geom).label("wkb"))
        .select_from(coll.source)
        .where(*where_clauses(bind, coll, scope, query))
    )
    order = []
    for name, descending in query.sortby:
        if name not in visible:
            raise InputError(f"cannot sort by unknown property {name!r}", field="sortby")
        column = coll.columns[name]
        order.append(column.desc() if descending else column.asc())
    order.append(coll.columns[coll.id_property].asc())
    stmt = stmt.order_by(*order)
    if query.limit is not None:
        stmt = stmt.limit(query.limit)
    if query.offset:
        stmt = stmt.offset(query.offset)
    return stmt


def count_features(
    bind: Engine | Connection, coll: Collection, scope: Scope, query: FeatureQuery
) -> int:
    """How many features match (``numberMatched``)."""
    stmt = (
        select(func.count())
        .select_from(coll.source)
        .where(*where_clauses(bind, coll, scope, query))
    )
    return int(fetch_all(bind, stmt)[0][0])


def read_features(
    bind: Engine | Connection, coll: Collection, scope: Scope, query: FeatureQuery
) -> list[Row[Any]]:
    """One page of rows (see ``select_features``)."""
    return fetch_all(bind, select_features(bind, coll, scope, query))


def stream_features(
    conn: Connection, coll: Collection, scope: Scope, query: FeatureQuery, *, batch: int = 20_000
) -> Iterator[Sequence[Row[Any]]]:
    """Every matching row in batches, from a server-side cursor: memory stays at one batch."""
    stmt = select_features(conn, coll, scope, query)
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(stmt)
    yield from result.partitions(batch)


def extent(
    bind: Engine | Connection, coll: Collection, scope: Scope
) -> tuple[BBox | None, tuple[datetime | None, datetime | None] | None]:
    """The lon/lat bounds of what ``scope`` sees, and the time span when the collection has one."""
    where = [*coll.where, scope_clause(bind, coll, scope)]
    if store_kind(bind) == "postgis":
        box = func.ST_Extent(coll.geom)
        parts = [func.ST_XMin(box), func.ST_YMin(box), func.ST_XMax(box), func.ST_YMax(box)]
    else:
        box = func.Extent(coll.geom)
        parts = [func.MbrMinX(box), func.MbrMinY(box), func.MbrMaxX(box), func.MbrMaxY(box)]
    row: tuple[Any, ...] = tuple(
        fetch_all(bind, select(*parts).select_from(coll.source).where(*where))[0]
    )
    bounds = (
        None if row[0] is None else (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
    )
    span = None
    if coll.temporal_property is not None:
        column = coll.columns[coll.temporal_property]
        first, last = tuple(
            fetch_all(
                bind,
                select(func.min(column), func.max(column)).select_from(coll.source).where(*where),
            )[0]
        )
        span = (first, last)
    return bounds, span
