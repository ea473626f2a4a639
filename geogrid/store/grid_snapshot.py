"""What each grid of a plan looks like to a tile: its attributes, statistics, geometry and box.

Two snapshots of one plan level tell which grids a write changed, so a tile cache can keep every
tile whose box meets none of them (see :mod:`geogrid.api.tile_service`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from geogrid.store._bind import store_kind
from geogrid.store._incident_sql import bind_time
from geogrid.store.grid_stats import LEVELS, stats_join

Box = tuple[float, float, float, float]
Snapshot = dict[str, tuple[tuple[Any, ...], Box]]


def grid_snapshot(conn: Connection, plan_id: int, level: str, *, as_of: datetime) -> Snapshot:
    """``{code: (everything a tile shows of the grid, (minlon, minlat, maxlon, maxlat))}``.

    The statistics come from ``grid_stats`` as the last refresh left them (refresh first).
    """
    kind = store_kind(conn)
    x0, y0, x1, y1 = (
        ("ST_XMin(g.geom)", "ST_YMin(g.geom)", "ST_XMax(g.geom)", "ST_YMax(g.geom)")
        if kind == "postgis"
        else ("MbrMinX(g.geom)", "MbrMinY(g.geom)", "MbrMaxX(g.geom)", "MbrMaxY(g.geom)")
    )
    counts, join = "NULL, NULL, NULL, NULL, NULL", ""
    if level in LEVELS:
        counts = "s.incidents, s.open, s.closed_late + s.open_overdue, s.accepted, s.closed"
        join = stats_join("g.code", level, lateral=kind == "postgis")
    sql = f"""SELECT g.code, g.id, g.parent_code, g.name, g.households, g.buildings, g.area_m2,
      {counts}, ST_AsBinary(g.geom), {x0}, {y0}, {x1}, {y1}
    FROM grids g {join}
    WHERE g.plan_id = :plan_id AND g.level = :level"""
    params = {"plan_id": plan_id, "level": level, "as_of": bind_time(as_of, kind)}
    rows = conn.execute(text(sql), params).all()
    return {
        str(row[0]): (
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row[1:13]),
            (float(row[13]), float(row[14]), float(row[15]), float(row[16])),
        )
        for row in rows
    }


def changed_boxes(before: Snapshot, after: Snapshot) -> list[Box]:
    """The boxes (old and new) of every grid added, removed or changed between two snapshots."""
    boxes: list[Box] = []
    for code in before.keys() | after.keys():
        old, new = before.get(code), after.get(code)
        if old is None or new is None or old[0] != new[0]:
            boxes += [entry[1] for entry in (old, new) if entry is not None]
    return boxes
