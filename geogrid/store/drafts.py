"""Draft plans in the store: units, the version (compare-and-set), the edit log, touched grids."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geoalchemy2 import WKBElement
from sqlalchemy import (
    Connection,
    Engine,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    update,
)

from geogrid.crs import STORAGE_CRS
from geogrid.store import draft_tables as dt
from geogrid.store import tables as t
from geogrid.store._bind import connected, driver_cursor, fetch_all, store_kind
from geogrid.store.layers import frame_with_geometry

UNITS = t.table_of(dt.PlanUnit)
DRAFTS = t.table_of(dt.PlanDraft)
EDITS = t.table_of(dt.PlanEdit)
GRIDS = t.table_of(t.Grid)
PLANS = t.table_of(t.GridPlan)
_UNIT_FIELDS = ("unit_id", "community", "building_group", "households", "buildings")


def save_units(conn: Connection, plan_id: int, units: gpd.GeoDataFrame) -> int:
    """Store a plan's units (EPSG:4326) inside the caller's transaction; returns how many."""
    frame = units.to_crs(STORAGE_CRS)
    wkb = shapely.to_wkb(np.asarray(frame.geometry.values), output_dimension=2)
    rows = [
        {
            "plan_id": plan_id,
            "unit_id": int(r.unit_id),
            "community": str(r.community),
            "building_group": int(r.building_group),
            "households": int(r.households),
            "buildings": int(r.buildings),
            "building_ids": list(r.building_ids),
            "micro_code": str(r.micro_code),
            "geom": WKBElement(wkb[i], srid=t.SRID),
        }
        for i, r in enumerate(frame.itertuples(index=False))
    ]
    for start in range(0, len(rows), 5000):
        conn.execute(insert(UNITS), rows[start : start + 5000])
    return len(rows)


def copy_units(conn: Connection, source: int, target: int) -> int:
    """Copy the units of plan ``source`` to plan ``target`` (same ids)."""
    cols = ["unit_id", "community", "building_group", "households", "buildings", "building_ids"]
    stmt = insert(UNITS).from_select(
        ["plan_id", *cols, "micro_code", "geom"],
        select(
            literal(target, UNITS.c.plan_id.type).label("plan_id"),
            *[UNITS.c[c] for c in cols],
            UNITS.c.micro_code,
            UNITS.c.geom,
        ).where(UNITS.c.plan_id == source),
    )
    return int(conn.execute(stmt).rowcount or 0)


def unit_count(bind: Engine | Connection, plan_id: int) -> int:
    rows = fetch_all(bind, select(func.count()).where(UNITS.c.plan_id == plan_id))
    return int(rows[0][0])


def read_units(bind: Engine | Connection, plan_id: int) -> gpd.GeoDataFrame:
    """A plan's units with their micro grid, EPSG:4326, ordered by unit id.

    Read through the driver's cursor (tuples, one JSON decode for the whole column): a
    Laoshan-scale plan has about 80,000 units, and SQLAlchemy's per-row work would cost seconds.
    """
    binary = "ST_AsBinary(geom)" if store_kind(bind) == "postgis" else "AsBinary(geom)"
    columns = [*_UNIT_FIELDS, "building_ids", "micro_code"]
    rows = _raw_rows(
        bind,
        f"SELECT {', '.join(columns)}, {binary} FROM plan_units "
        f"WHERE plan_id = {int(plan_id)} ORDER BY unit_id",
    )
    values = list(zip(*rows, strict=True)) if rows else [()] * (len(columns) + 1)
    frame = pd.DataFrame(dict(zip(columns, values[:-1], strict=True)), columns=columns)
    frame["building_ids"] = _json_lists(values[len(_UNIT_FIELDS)])
    frame["wkb"] = list(values[-1])
    return frame_with_geometry(frame)


def _json_lists(values: tuple[Any, ...]) -> list[Any]:
    """JSON list values as lists: psycopg decodes them, SQLite hands over text (decoded in one
    call for the whole column)."""
    if not values or not isinstance(values[0], str):
        return [list(v or ()) for v in values]
    decoded: list[Any] = json.loads("[" + ",".join(v or "[]" for v in values) + "]")
    return decoded


def _raw_rows(bind: Engine | Connection, sql: str) -> list[tuple[Any, ...]]:
    """Every row of a parameterless ``sql`` as plain tuples, through the driver's cursor."""
    with connected(bind) as conn, driver_cursor(conn) as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def largest_buildings(bind: Engine | Connection, plan_id: int) -> dict[str, int] | None:
    """Micro grid code -> the households of its largest building (building group, as the
    engine keeps buildings whole), from the plan's units; None when the plan has none."""
    rows = _raw_rows(
        bind,
        "SELECT micro_code, max(h) FROM (SELECT micro_code, sum(households) AS h "
        f"FROM plan_units WHERE plan_id = {int(plan_id)} GROUP BY micro_code, building_group) "
        "AS b GROUP BY micro_code",
    )
    return {str(code): int(h or 0) for code, h in rows} if rows else None


def incident_points(bind: Engine | Connection) -> np.ndarray:
    """Every stored incident as lon/lat (n x 2), ordered by id."""
    x, y = ("ST_X(geom)", "ST_Y(geom)") if store_kind(bind) == "postgis" else ("X(geom)", "Y(geom)")
    rows = _raw_rows(bind, f"SELECT {x}, {y} FROM incidents ORDER BY id")
    return np.asarray(rows, dtype=float).reshape(-1, 2)


def draft_row(bind: Engine | Connection, plan_id: int) -> dict[str, Any] | None:
    rows = fetch_all(bind, select(DRAFTS).where(DRAFTS.c.plan_id == plan_id))
    return dict(rows[0]._mapping) if rows else None


def publish_reasons(bind: Engine | Connection, plan_id: int | None = None) -> dict[int, str]:
    """Plan id -> the reason given when it was published (plans published with one only)."""
    query = select(DRAFTS.c.plan_id, DRAFTS.c.publish_reason).where(
        DRAFTS.c.publish_reason.is_not(None)
    )
    if plan_id is not None:
        query = query.where(DRAFTS.c.plan_id == plan_id)
    return {int(r.plan_id): str(r.publish_reason) for r in fetch_all(bind, query)}


def ensure_draft_row(conn: Connection, plan_id: int) -> None:
    """Start a plan's version at 0 (once)."""
    if draft_row(conn, plan_id) is None:
        conn.execute(
            insert(DRAFTS),
            {"plan_id": plan_id, "version": 0, "locked": [], "updated_at": t.utcnow()},
        )


def claim_version(conn: Connection, plan_id: int, expected: int, locked: list[str]) -> bool:
    """Compare-and-set: version ``expected`` -> ``expected + 1`` of a plan that is still a
    draft; False when the version moved on or the plan was published or archived.

    The row stays locked until the transaction ends, so two writers never both succeed.
    """
    is_draft = exists().where(PLANS.c.id == plan_id, PLANS.c.status == "draft")
    result = conn.execute(
        update(DRAFTS)
        .where(DRAFTS.c.plan_id == plan_id, DRAFTS.c.version == expected, is_draft)
        .values(version=expected + 1, locked=locked, updated_at=t.utcnow())
    )
    return result.rowcount == 1


def append_edit(conn: Connection, plan_id: int, **values: Any) -> None:
    conn.execute(insert(EDITS), {"plan_id": plan_id, "at": t.utcnow(), **values})


def edits(bind: Engine | Connection, plan_id: int, *, after: int = 0) -> list[dict[str, Any]]:
    """The edit log of a plan from version ``after`` + 1 on, oldest first."""
    stmt = (
        select(EDITS)
        .where(EDITS.c.plan_id == plan_id, EDITS.c.version > after)
        .order_by(EDITS.c.version)
    )
    return [dict(r._mapping) for r in fetch_all(bind, stmt)]


def move_units(conn: Connection, plan_id: int, moves: dict[int, str]) -> None:
    """Set the micro grid of each moved unit."""
    if moves:
        conn.execute(
            text(
                "UPDATE plan_units SET micro_code = :code WHERE plan_id = :plan AND unit_id = :uid"
            ),
            [{"code": c, "plan": plan_id, "uid": u} for u, c in moves.items()],
        )


def recode_units(conn: Connection, plan_id: int, recodes: Iterable[tuple[str, str]]) -> None:
    for old, new in recodes:
        conn.execute(
            update(UNITS)
            .where(UNITS.c.plan_id == plan_id, UNITS.c.micro_code == old)
            .values(micro_code=new)
        )


def replace_grids(
    conn: Connection, plan_id: int, drop: Iterable[str], rows: list[dict[str, Any]]
) -> None:
    """Delete the grids with codes in ``drop`` and insert ``rows`` (geometry as shapely)."""
    codes = sorted(set(drop) | {r["code"] for r in rows})
    if codes:
        conn.execute(delete(GRIDS).where(GRIDS.c.plan_id == plan_id, GRIDS.c.code.in_(codes)))
    if rows:
        wkb = shapely.to_wkb(np.asarray([r["geom"] for r in rows]), output_dimension=2)
        from_wkb = "ST_GeomFromWKB" if store_kind(conn) == "postgis" else "GeomFromWKB"
        fields = ("level", "code", "parent_code", "name", "households", "buildings", "area_m2")
        conn.execute(  # plain SQL: geoalchemy2's per-value binding costs more than the insert
            text(
                f"INSERT INTO grids (plan_id, {', '.join(fields)}, geom) VALUES (:plan_id, "
                f"{', '.join(':' + f for f in fields)}, {from_wkb}(:wkb, {t.SRID}))"
            ),
            [
                {f: r[f] for f in fields} | {"plan_id": plan_id, "wkb": w}
                for r, w in zip(rows, wkb, strict=True)
            ],
        )


def building_points(bind: Engine | Connection) -> tuple[np.ndarray, np.ndarray]:
    """A point inside every building (lon/lat, n x 2) and its households."""
    if store_kind(bind) == "postgis":
        x, y = "ST_X(ST_PointOnSurface(geom))", "ST_Y(ST_PointOnSurface(geom))"
    else:
        x, y = "X(PointOnSurface(geom))", "Y(PointOnSurface(geom))"
    rows = _raw_rows(
        bind, f"SELECT coalesce(households, 0), {x}, {y} FROM buildings ORDER BY building_id"
    )
    data = np.asarray(rows, dtype=float).reshape(-1, 3)
    return data[:, 1:], data[:, 0].astype(np.int64)
