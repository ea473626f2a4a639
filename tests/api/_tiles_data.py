"""A small district for the tile tests: two streets split at lon 120.443, in the middle of the
WebMercatorQuad tile 14/6426/13673 (lon 120.4321-120.4541, lat 36.1201-36.1379), four basic
grids (two per street, split at lat 36.129, also inside that tile), three buildings and four
incidents with known statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import geopandas as gpd
from shapely.geometry import box

from geogrid.store import Store, publish_plan, save_plan, write_layer
from geogrid.store.incidents import report_incident, transition

SPLIT_LON, SPLIT_LAT = 120.443, 36.129
WEST, EAST, SOUTH, NORTH = 120.40, 120.48, 36.10, 36.16
STRADDLING = (14, 6426, 13673)  # z, y (row), x (col)
STREET_A, STREET_B = "370212001", "370212002"
A1, A2 = "370212001001001", "370212001001002"
B1, B2 = "370212002001001", "370212002001002"
GRID_BOXES = {
    A1: (WEST, SOUTH, SPLIT_LON, SPLIT_LAT),
    A2: (WEST, SPLIT_LAT, SPLIT_LON, NORTH),
    B1: (SPLIT_LON, SOUTH, EAST, SPLIT_LAT),
    B2: (SPLIT_LON, SPLIT_LAT, EAST, NORTH),
}
HOUSEHOLDS = {A1: 400, A2: 350, B1: 420, B2: 300}
BUILDINGS = {  # id -> (box, street)
    "1001": ((120.435, 36.122, 120.436, 36.123), STREET_A),
    "bld-B1": ((120.450, 36.122, 120.451, 36.123), STREET_B),
    "bld-B2": ((120.450, 36.135, 120.451, 36.136), STREET_B),
}
T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # a Monday morning in Beijing
CLOSE_LOOP = [
    ("accept", {}),
    ("dispatch", {"department": "市政公用事业服务中心", "level": "community"}),
    ("respond", {}),
    ("finish", {}),
    ("verify", {}),
    ("close", {}),
]


@dataclass(frozen=True)
class District:
    """What :func:`fill` stored: the published plan and the id of each basic grid."""

    plan_id: int
    grid_ids: dict[str, int]
    open_ref: str


def _frame(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def fill(store: Store) -> District:
    """Boundaries, buildings, a published plan of four basic grids and four incidents:
    A1: one closed, one open and overdue (reported 2025), one open and not yet due (reported
    now); B1: one closed. Expected: A1 3 incidents, 2 open, 1 overdue, settlement 1/3; B1 1,
    0, 0, 1.0; A2 and B2 none."""
    streets = [
        {
            "code": STREET_A,
            "name": "中韩街道",
            "district_code": "370212",
            "geometry": box(WEST, SOUTH, SPLIT_LON, NORTH),
        },
        {
            "code": STREET_B,
            "name": "沙子口街道",
            "district_code": "370212",
            "geometry": box(SPLIT_LON, SOUTH, EAST, NORTH),
        },
    ]
    communities = [
        {
            "code": s["code"] + "001",
            "name": f"社区{i}",
            "street_code": s["code"],
            "geometry": s["geometry"],
        }
        for i, s in enumerate(streets)
    ]
    buildings = [
        {"building_id": bid, "households": 20, "levels": 6, "geometry": box(*b)}
        for bid, (b, _street) in BUILDINGS.items()
    ]
    grids = [
        {
            "code": code,
            "parent_code": code[:12],
            "households": HOUSEHOLDS[code],
            "buildings": 1,
            "geometry": box(*b),
        }
        for code, b in GRID_BOXES.items()
    ]
    with store.transaction() as conn:
        write_layer(
            conn,
            "districts",
            _frame(
                [{"code": "370212", "name": "崂山区", "geometry": box(WEST, SOUTH, EAST, NORTH)}]
            ),
            source_file="t",
            source_crs="EPSG:4326",
        )
        write_layer(conn, "streets", _frame(streets), source_file="t", source_crs="EPSG:4326")
        write_layer(
            conn, "communities", _frame(communities), source_file="t", source_crs="EPSG:4326"
        )
        write_layer(conn, "buildings", _frame(buildings), source_file="t", source_crs="EPSG:4326")
        plan_id = save_plan(conn, {"basic": _frame(grids)}, author="test")
        publish_plan(conn, plan_id)
        ids = dict(conn.exec_driver_sql("SELECT code, id FROM grids").all())
    now = datetime.now(UTC).replace(microsecond=0)
    _incident(store, "I-1", (120.420, 36.110), T0, CLOSE_LOOP)
    _incident(store, "I-2", (120.421, 36.111), T0, CLOSE_LOOP[:1])
    _incident(store, "I-3", (120.422, 36.112), now, CLOSE_LOOP[:1])
    _incident(store, "I-4", (120.460, 36.110), T0, CLOSE_LOOP)
    return District(plan_id, {str(k): int(v) for k, v in ids.items()}, "I-3")


def _incident(
    store: Store,
    ref: str,
    lonlat: tuple[float, float],
    at: datetime,
    steps: list[tuple[str, dict[str, str]]],
) -> None:
    record = {
        "ref": ref,
        "lon": lonlat[0],
        "lat": lonlat[1],
        "category": "030101",
        "reported_at": at.isoformat(),
    }
    with store.transaction() as conn:
        incident_id = report_incident(conn, record, actor="网格员")["id"]
        for i, (action, params) in enumerate(steps, 1):
            transition(conn, incident_id, action, actor="x", at=at + timedelta(minutes=i), **params)
