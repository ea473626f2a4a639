"""Grid plans: versioned sets of grids (draft -> published -> archived)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geoalchemy2 import WKBElement
from sqlalchemy import Connection, Engine, func, insert, select, text, update

from geogrid.crs import STORAGE_CRS, metric_crs
from geogrid.errors import Conflict, InputError, NotFound
from geogrid.schema import GRID_LEVELS
from geogrid.store import tables as t
from geogrid.store._bind import existing_id, fetch_all
from geogrid.store.layers import frame_with_geometry
from geogrid.store.versions import PLANS, bump_data_versions, plan_layer, require_versions

_GRID_FIELDS = ("code", "parent_code", "name", "households", "buildings")
_PLANS = t.table_of(t.GridPlan)
_GRIDS = t.table_of(t.Grid)


def save_plan(
    conn: Connection,
    grids: dict[str, gpd.GeoDataFrame],
    *,
    report: dict[str, Any] | None = None,
    author: str,
    note: str = "",
    based_on: int | None = None,
    built_from: Mapping[str, int] | None = None,
) -> int:
    """Store a new draft plan with its grids (keyed by level) inside the caller's transaction.

    ``built_from`` holds the data versions of the layers the grids were computed from (see
    :mod:`geogrid.store.versions`): when any of them changed since, the plan is stale and
    Conflict is raised; they are kept with the plan.
    """
    if built_from:
        require_versions(conn, built_from, what="the plan")
    for level in grids:
        if level not in GRID_LEVELS:
            raise InputError(f"unknown grid level {level!r}; expected one of {GRID_LEVELS}")
    plan_id = conn.execute(
        insert(_PLANS).returning(_PLANS.c.id),
        {
            "status": "draft",
            "author": author,
            "note": note,
            "created_at": t.utcnow(),
            "based_on": based_on,
            "report": report,
            "built_from": dict(built_from) if built_from else None,
        },
    ).scalar_one()
    for level, frame in grids.items():
        rows = _grid_rows(frame.to_crs(STORAGE_CRS), level=level, plan_id=plan_id)
        if rows:
            conn.execute(insert(_GRIDS), rows)
    bump_data_versions(conn, [PLANS, plan_layer(plan_id)])
    return int(plan_id)


def _grid_rows(frame: gpd.GeoDataFrame, *, level: str, plan_id: int) -> list[dict[str, Any]]:
    if frame.empty:
        return []
    if "code" not in frame.columns:
        raise InputError(f"{level} grids have no 'code' field", field="code")
    duplicated = frame["code"][frame["code"].duplicated()]
    if len(duplicated):
        raise Conflict(f"{level} grid code {duplicated.iloc[0]} appears more than once")
    area = frame.geometry.to_crs(metric_crs(frame)).area.to_numpy()
    wkb = shapely.to_wkb(np.asarray(frame.geometry.values), output_dimension=2)
    rows = []
    for i, (_, record) in enumerate(frame.iterrows()):
        row = {name: record.get(name) for name in _GRID_FIELDS}
        row = {k: (None if _missing(v) else v) for k, v in row.items()}
        row |= {
            "plan_id": plan_id,
            "level": level,
            "code": str(record["code"]),
            "households": int(row["households"] or 0),
            "buildings": int(row["buildings"] or 0),
            "area_m2": float(area[i]),
            "geom": WKBElement(wkb[i], srid=t.SRID),
        }
        rows.append(row)
    return rows


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def read_plan(
    bind: Engine | Connection, plan_id: int, level: str | None = None
) -> gpd.GeoDataFrame:
    """The grids of a plan (one level, or all) in EPSG:4326, ordered by level and code."""
    return read_plan_page(bind, plan_id, level)[0]


def read_plan_page(
    bind: Engine | Connection,
    plan_id: int,
    level: str | None = None,
    *,
    prefix: str = "",
    limit: int | None = None,
    offset: int = 0,
) -> tuple[gpd.GeoDataFrame, int]:
    """One page of a plan's grids (codes starting with ``prefix``; ordered by level and code,
    so pages do not overlap) in EPSG:4326, and how many grids match in all.

    Raises NotFound when the plan does not exist.
    """
    plan_info(bind, plan_id)
    columns = [_GRIDS.c[name] for name in ("level", *_GRID_FIELDS, "area_m2")]
    where = [_GRIDS.c.plan_id == plan_id]
    if level is not None:
        where.append(_GRIDS.c.level == level)
    if prefix:
        where.append(func.substr(_GRIDS.c.code, 1, len(prefix)) == prefix)
    stmt = select(*columns, func.ST_AsBinary(_GRIDS.c.geom).label("wkb")).where(*where)
    stmt = stmt.order_by(_GRIDS.c.level, _GRIDS.c.code).offset(offset).limit(limit)
    frame = frame_with_geometry(
        pd.DataFrame(fetch_all(bind, stmt), columns=[c.name for c in columns] + ["wkb"])
    )
    if limit is None and not offset:
        return frame, len(frame)
    matched = fetch_all(bind, select(func.count()).select_from(_GRIDS).where(*where))[0][0]
    return frame, int(matched)


def plan_info(bind: Engine | Connection, plan_id: int) -> dict[str, Any]:
    """One plan's metadata and report, or NotFound."""
    plan_id = existing_id(plan_id, "grid plan")
    rows = fetch_all(bind, select(_PLANS).where(_PLANS.c.id == plan_id))
    if not rows:
        raise NotFound(f"grid plan {plan_id} does not exist")
    return dict(rows[0]._mapping)


def list_plans(bind: Engine | Connection) -> list[dict[str, Any]]:
    """Every plan, newest first, without the grids."""
    return [dict(r._mapping) for r in fetch_all(bind, select(_PLANS).order_by(_PLANS.c.id.desc()))]


def publish_plan(conn: Connection, plan_id: int) -> None:
    """Publish a draft; the plan published before it is archived (one published plan at a time).

    Two publishes never overlap: the second one while the first is under way gets Conflict
    at once (and the database's partial unique index refuses a second published plan anyway).
    On SpatiaLite that needs ``store.transaction(wait=False)``: a write transaction takes the
    file's write lock at BEGIN, where a waiting one would queue behind the first publish.
    """
    _take_publish_lock(conn, existing_id(plan_id, "grid plan"))
    info = plan_info(conn, plan_id)
    if info["status"] != "draft":
        raise Conflict(f"grid plan {plan_id} is {info['status']}; only a draft can be published")
    previous = published_plan_id(conn)
    conn.execute(update(_PLANS).where(_PLANS.c.status == "published").values(status="archived"))
    try:
        conn.execute(
            update(_PLANS)
            .where(_PLANS.c.id == plan_id)
            .values(status="published", published_at=t.utcnow())
        )
    except Conflict as exc:  # the unique index: another publish committed meanwhile
        raise Conflict(_BUSY.format(plan_id=plan_id)) from exc
    changed = [plan_id] if previous is None else [plan_id, previous]
    bump_data_versions(conn, [PLANS, *map(plan_layer, changed)])


_BUSY = (
    "grid plan {plan_id} was not published: another plan is being published at the same time; "
    "look at 'geogrid plans list' and try again"
)


def _take_publish_lock(conn: Connection, plan_id: int) -> None:
    """The publish lock of this transaction, without waiting: Conflict when another has it."""
    if conn.dialect.name == "postgresql":
        key = "hashtext('geogrid.publish_plan')"
        if not conn.execute(text(f"SELECT pg_try_advisory_xact_lock({key})")).scalar_one():
            raise Conflict(_BUSY.format(plan_id=plan_id))
        return
    # SpatiaLite: the database's one write lock is the publish lock; asked for with no wait.
    raw = conn.connection.driver_connection
    assert raw is not None
    (timeout,) = raw.execute("PRAGMA busy_timeout").fetchone()
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        raw.execute("UPDATE grid_plans SET status = status WHERE id = ?", (int(plan_id),))
    except raw.OperationalError as exc:
        raise Conflict(_BUSY.format(plan_id=plan_id)) from exc
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(timeout)}")


def published_plan_id(bind: Engine | Connection) -> int | None:
    """The id of the published plan, if any."""
    rows = fetch_all(bind, select(_PLANS.c.id).where(_PLANS.c.status == "published"))
    return int(rows[0][0]) if rows else None
