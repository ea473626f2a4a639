"""The SQL of every tiled collection, on PostGIS (``ST_AsMVT``) and SpatiaLite (rows to encode).

One query per tile: the features whose index box meets the buffered tile, the caller's
jurisdiction (a bound code prefix, or the jurisdiction's polygon for layers without codes),
and for grids the incident statistics of exactly the grids in the tile. Every value is a bound
parameter; the SQL text is put together only from the fixed fragments below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from geogrid.schema import GRID_LEVELS
from geogrid.store._bind import store_kind
from geogrid.store._incident_sql import bind_time, state_code, utc
from geogrid.store.engine import StoreKind
from geogrid.store.grid_stats import STATS_COLUMNS, stats_join
from geogrid.tiles.encode import TileFeatures
from geogrid.tiles.layers import TileLayer
from geogrid.tiles.matrix import BUFFER, EXTENT, TileBox


@dataclass(frozen=True)
class TileQuery:
    """What to put in one tile.

    ``plan_id`` is the plan of a grid layer (and the attribution of incidents); ``prefix`` the
    jurisdiction's code prefix for layers with codes, ``within`` its polygon (WKB, EPSG:4326) for
    the others (None: no restriction); ``tolerance`` the simplification in the tile CRS's units;
    ``as_of`` the time that decides which incidents are overdue; ``hotspots`` and ``coverage``
    the ids of the current results whose values a basic or micro grid tile carries (None: none).
    """

    layer: TileLayer
    box: TileBox
    plan_id: int | None
    prefix: str | None
    within: bytes | None
    tolerance: float
    as_of: datetime
    hotspots: int | None = None
    coverage: int | None = None


@dataclass(frozen=True)
class _Source:
    table: str
    fid: str
    columns: tuple[tuple[str, str], ...]
    joins: str = ""
    code: str = "t.code"
    """The column the jurisdiction's code prefix applies to."""


def _text_id_pg(column: str) -> str:
    """A text id as a feature id on PostGIS: the id when numeric, else 52 bits of its MD5
    (:func:`geogrid.tiles.encode.feature_id` on SpatiaLite)."""
    return (
        f"CASE WHEN {column} ~ '^[0-9]{{1,15}}$' THEN {column}::bigint "
        f"ELSE ('x' || substr(md5({column}), 1, 13))::bit(52)::bigint END"
    )


def _sources(kind: StoreKind) -> dict[str, _Source]:
    code_id = "CAST(t.code AS BIGINT)"
    # SpatiaLite has no md5: its building ids are computed by the encoder (same function).
    building_id = _text_id_pg("t.building_id") if kind == "postgis" else "0"
    compound_id = _text_id_pg("t.compound_id") if kind == "postgis" else "0"
    village_id = _text_id_pg("t.village_id") if kind == "postgis" else "0"
    reported = (
        "to_char(t.reported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        if kind == "postgis"
        else "strftime('%Y-%m-%dT%H:%M:%SZ', t.reported_at)"
    )
    open_state = f"{state_code('t.status')} <= 1"
    st = "ST_" if kind == "postgis" else ""
    return {
        "districts": _Source("districts", code_id, _plain("code", "name", "synthetic")),
        "streets": _Source(
            "streets", code_id, _plain("code", "name", "district_code", "synthetic")
        ),
        "communities": _Source(
            "communities",
            code_id,
            _plain("code", "name", "street_code", "area_type", "households", "synthetic"),
        ),
        "buildings": _Source(
            "buildings",
            building_id,
            _plain("building_id", "levels", "households", "use", "compound_id", "synthetic"),
        ),
        "compounds": _Source("compounds", compound_id, _plain("compound_id", "name", "synthetic")),
        "natural_villages": _Source(
            "natural_villages", village_id, _plain("village_id", "name", "synthetic")
        ),
        "barrier_lines": _Source(
            "barrier_lines",
            "t.id",
            (
                ("t.kind", "kind"),
                ("t.line_class", "class"),
                ("t.name", "name"),
                *_plain("source_id"),
            ),
        ),
        "incidents": _Source(
            "incidents",
            "t.id",
            (
                *_plain("ref", "category_code", "priority", "status"),
                (f"(t.overdue OR ({open_state} AND t.handling_due < :as_of))", "overdue"),
                (reported, "reported_at"),
                ("f.basic_code", "basic_code"),
                (
                    f"CASE WHEN {open_state} AND t.handling_due >= :as_of THEN t.handling_due END",
                    "_due",
                ),
            ),
            "LEFT JOIN incident_grids f ON f.incident_id = t.id AND f.plan_id = :plan_id",
        ),
        "grids": _Source(
            "grids",
            "t.id",
            _plain("code", "parent_code", "name", "level", "households", "buildings", "area_m2"),
        ),
        # one point per occupied cell: the mean position of its incidents, and their count
        "incident_density": _Source(
            "incidents",
            "min(t.id)",
            (("count(*)", "count"),),
        ),
        "units": _Source(
            "plan_units",
            "t.unit_id",
            (
                *_plain("unit_id", "micro_code", "households", "buildings"),
                (f"{st}X({st}Centroid(t.geom))", "cx"),
                (f"{st}Y({st}Centroid(t.geom))", "cy"),
            ),
            code="t.community",
        ),
    }


def _plain(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple((f"t.{name}", name) for name in names)


@dataclass(frozen=True)
class _Parts:
    """A tile query in pieces: the ``g`` CTE, the join that adds the statistics, the output columns (expression, name), the expression of the next time the
    tile changes by itself, and the parameters."""

    ctes: str
    join: str
    out: list[tuple[str, str]]
    due: str
    params: dict[str, Any]


def _parts(query: TileQuery, kind: StoreKind) -> _Parts:
    layer, box = query.layer, query.box
    source = _sources(kind)[layer.source]
    params: dict[str, Any] = dict(
        zip(("lx0", "ly0", "lx1", "ly1"), box.lonlat, strict=True),
        as_of=bind_time(query.as_of, kind),
        plan_id=query.plan_id if query.plan_id is not None else -1,
    )
    where = [_in_box(source.table, kind)]
    if source.table == "barrier_lines":
        where.append("t.kind IN ('road', 'waterway', 'railway')")
    if source.table == "plan_units":
        where.append("t.plan_id = :plan_id")
    if source.table == "grids":
        if kind == "postgis" and layer.level in GRID_LEVELS:
            # A literal from the fixed set, so the level's partial spatial index is used.
            where.append(f"t.plan_id = :plan_id AND t.level = '{layer.level}'")
        else:
            where.append("t.plan_id = :plan_id AND t.level = :level")
            params["level"] = layer.level
    if query.prefix is not None and layer.by_code:
        where.append(f"substr({source.code}, 1, :prefix_len) = :prefix")
        params |= {"prefix": query.prefix, "prefix_len": len(query.prefix)}
    if query.within is not None and not layer.by_code:
        make = "ST_GeomFromWKB" if kind == "postgis" else "GeomFromWKB"
        where.append(f"ST_Intersects(t.geom, {make}(:within, 4326))")
        params["within"] = query.within
    if layer.source == "incident_density":
        return _density_parts(source, where, params, box, kind)
    columns = ", ".join(f"{expr} AS {name}" for expr, name in source.columns)
    ctes = [
        f"g AS (SELECT {source.fid} AS fid, {columns}, t.geom FROM {source.table} t "
        f"{source.joins} WHERE {' AND '.join(where)})"
    ]
    out = [(f"g.{name}", name) for _, name in source.columns if not name.startswith("_")]
    due, join = ("g._due" if layer.source == "incidents" else "NULL"), ""
    if layer.source == "grids" and layer.level in ("basic", "micro"):
        # One primary-key row per grid, kept in step by geogrid.store.grid_stats.
        out += list(STATS_COLUMNS)
        due = "s.next_due"
        join = stats_join("g.code", str(layer.level), lateral=kind == "postgis")
    if layer.source == "grids" and layer.level in ("basic", "micro"):
        join += _result_joins(query, kind, out, params)
    return _Parts("WITH " + ",\n".join(ctes), join, out, due, params)


DENSITY_CELLS = 64
"""Cells per tile side of ``incident_density`` (about 500 m at zoom 10 in Qingdao)."""


def _density_parts(
    source: _Source, where: list[str], params: dict[str, Any], box: TileBox, kind: StoreKind
) -> _Parts:
    """The incidents of the tile counted per cell of ``1/DENSITY_CELLS`` of the tile's width
    (degrees), each cell a point at its incidents' mean position: a few thousand points per
    tile however many incidents there are."""
    if kind == "postgis":
        x, y, point, cell = "ST_X(t.geom)", "ST_Y(t.geom)", "ST_SetSRID(ST_MakePoint", "floor"
    else:  # SQLite may lack floor(); lon/lat here are positive, so truncation is the same
        x, y, point, cell = "X(t.geom)", "Y(t.geom)", "SetSRID(MakePoint", "CAST"
    lx0, _ly0, lx1, _ly1 = box.lonlat
    params = params | {"cell": (lx1 - lx0) / DENSITY_CELLS}
    bins = ", ".join(
        f"floor({v} / :cell)" if cell == "floor" else f"CAST({v} / :cell AS INTEGER)"
        for v in (x, y)
    )
    columns = ", ".join(f"{expr} AS {name}" for expr, name in source.columns)
    cte = (
        f"WITH g AS (SELECT {source.fid} AS fid, {columns}, "
        f"{point}(avg({x}), avg({y})), 4326) AS geom FROM {source.table} t "
        f"WHERE {' AND '.join(where)} GROUP BY {bins})"
    )
    out = [(f"g.{name}", name) for _, name in source.columns]
    return _Parts(cte, "", out, "NULL", params)


# (JSON key, SQL type on PostGIS, tile attribute) of the result values tiles carry.
_RESULT_VALUES = {
    "hotspots": (("bin", "integer", "gi_bin"), ("label", "text", "hotspot")),
    "coverage": (
        ("workers", "integer", "workers"),
        ("unmanned", "boolean", "unmanned"),
        ("missing_community_police", "boolean", "missing_community_police"),
        ("missing_traffic_police", "boolean", "missing_traffic_police"),
    ),
}


def _result_joins(
    query: TileQuery, kind: StoreKind, out: list[tuple[str, str]], params: dict[str, Any]
) -> str:
    """The joins of the current results' values (adds their columns to ``out``)."""
    joins = ""
    for name, result_id in (("hotspots", query.hotspots), ("coverage", query.coverage)):
        if result_id is None:
            continue
        alias = f"r_{name}"
        params[alias] = result_id
        joins += (
            f" LEFT JOIN analysis_values {alias} ON {alias}.result_id = :{alias} "
            f"AND {alias}.code = g.code"
        )
        for key, sql_type, attribute in _RESULT_VALUES[name]:
            if kind == "postgis":
                expr = f"CAST({alias}.\"values\" ->> '{key}' AS {sql_type})"
            else:
                expr = f"json_extract({alias}.\"values\", '$.{key}')"
            out.append((expr, attribute))
    return joins


def _in_box(table: str, kind: StoreKind) -> str:
    if kind == "postgis":
        return "t.geom && ST_MakeEnvelope(:lx0, :ly0, :lx1, :ly1, 4326)"
    # SpatiaLite's R*Tree has to be asked explicitly.
    return (
        f"t.ROWID IN (SELECT pkid FROM idx_{table}_geom "
        "WHERE xmin <= :lx1 AND xmax >= :lx0 AND ymin <= :ly1 AND ymax >= :ly0)"
    )


def mvt_postgis(conn: Connection, query: TileQuery) -> tuple[bytes, int, datetime | None]:
    """The tile as PostGIS encodes it (``ST_AsMVT``, not compressed), its feature count and the
    next time it changes by itself (an open incident's deadline passing), if any."""
    parts = _parts(query, "postgis")
    box = query.box
    geom = "g.geom" if box.srid == 4490 else "ST_Transform(g.geom, 3857)"
    if query.layer.geometry != "point":
        geom = f"ST_Simplify({geom}, :tolerance, true)"
    params = parts.params | dict(zip(("x0", "y0", "x1", "y1"), box.bounds, strict=True))
    params |= {"tolerance": query.tolerance, "name": query.layer.id}
    columns = ", ".join(f"{expr} AS {name}" for expr, name in parts.out)
    names = ", ".join(name for _, name in parts.out)
    # q is materialised so that each feature's geometry is clipped and encoded once.
    sql = f"""{parts.ctes},
q AS MATERIALIZED (
  SELECT g.fid, {columns}, {parts.due} AS _due,
    ST_AsMVTGeom({geom}, ST_MakeBox2D(ST_Point(:x0, :y0), ST_Point(:x1, :y1)),
                 {EXTENT}, {BUFFER}, true) AS geom
  FROM g {parts.join})
SELECT
  (SELECT ST_AsMVT(r.*, :name, {EXTENT}, 'geom', 'fid')
   FROM (SELECT fid, {names}, geom FROM q WHERE geom IS NOT NULL) r),
  (SELECT count(*) FROM q WHERE geom IS NOT NULL),
  (SELECT min(_due) FROM q)"""
    data, count, next_change = conn.execute(text(sql), params).one()
    return bytes(data or b""), int(count), utc(next_change)


def features_spatialite(conn: Connection, query: TileQuery) -> TileFeatures:
    """The features of the tile as WKB with their attributes, for the encoder (SpatiaLite)."""
    parts = _parts(query, "spatialite")
    columns = ", ".join(f"{expr} AS {name}" for expr, name in parts.out)
    sql = f"""{parts.ctes}
SELECT g.fid, {columns}, AsBinary(g.geom) AS wkb, {parts.due} AS _due FROM g {parts.join}"""
    rows = conn.execute(text(sql), parts.params).all()
    names = [name for _, name in parts.out]
    dues = [row[-1] for row in rows if row[-1] is not None]
    next_change = utc(datetime.fromisoformat(str(min(dues)))) if dues else None
    return TileFeatures(
        ids=[row[0] for row in rows],
        properties=[dict(zip(names, row[1:-2], strict=True)) for row in rows],
        wkb=[bytes(row[-2]) for row in rows],
        next_change=next_change,
    )


def tile_store_kind(conn: Connection) -> StoreKind:
    """The store kind of a connection (re-exported for the tile service)."""
    return store_kind(conn)
