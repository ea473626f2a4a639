"""A tiny city for the API tests, with the counts each jurisdiction must see written out.

District 370212 (x 120.40-120.48, y 36.08-36.12) has two streets split at x = 120.44:
370212001 (west, communities 370212001001 and 370212001002) and 370212002 (east, community
370212002001). 24 buildings in a row at y 36.10 (12 west, 12 east); 3 roads (one crosses both
streets); a published plan with 7 basic grids (2 + 2 + 3) and 14 micro grids; a draft plan with
3 basic grids; 31 incidents: 20 west, 10 east, 1 outside every grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, box

from geogrid.store import Store, publish_plan, save_plan, write_layer
from geogrid.store.incident_bulk import import_incidents

DISTRICT = "370212"
WEST, EAST = "370212001", "370212002"
COMMUNITIES = {"370212001001": (120.40, 120.42), "370212001002": (120.42, 120.44), "370212002001": (120.44, 120.48)}  # fmt: skip
Y0, Y1 = 36.08, 36.12


@dataclass(frozen=True)
class City:
    published: int
    draft: int


def _frame(rows: list[dict[str, object]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def _basic_grids() -> list[dict[str, object]]:
    grids = []
    for community, (x0, x1) in COMMUNITIES.items():
        if community.startswith(WEST):
            cells = [box(x0, Y0, x1, 36.10), box(x0, 36.10, x1, Y1)]
        else:
            w = (x1 - x0) / 3
            cells = [box(x0 + i * w, Y0, x0 + (i + 1) * w, Y1) for i in range(3)]
        for k, cell in enumerate(cells, 1):
            code = f"{community}{k:03d}"
            grids.append({"code": code, "parent_code": community, "households": 300 + k, "geometry": cell})  # fmt: skip
    return grids


def _micro_grids(basic: list[dict[str, object]]) -> list[dict[str, object]]:
    micro = []
    for grid in basic:
        minx, miny, maxx, maxy = grid["geometry"].bounds  # type: ignore[attr-defined]
        mid = (minx + maxx) / 2
        for k, cell in enumerate((box(minx, miny, mid, maxy), box(mid, miny, maxx, maxy)), 1):
            micro.append({"code": f"{grid['code']}{k:03d}", "parent_code": grid["code"], "households": 20, "geometry": cell})  # fmt: skip
    return micro


def incident_rows() -> list[dict[str, object]]:
    """20 incidents in the west street, 10 in the east one, 1 outside every grid."""
    west = [(120.402 + (k % 10) * 0.0035, 36.085 + (k // 10) * 0.01) for k in range(20)]
    east = [(120.445 + k * 0.003, 36.105) for k in range(10)]
    points = [*west, *east, (120.50, 36.10)]
    return [
        {
            "id": f"T-{k:02d}",
            "longitude": x,
            "latitude": y,
            "category": "020101",
            "reported_at": f"2025-{k % 3 + 4:02d}-{k % 28 + 1:02d} 10:00:00",
            "status": "open",
            "reporter": f"resident {k}",
        }
        for k, (x, y) in enumerate(points)
    ]


def build_city(store: Store) -> City:
    """Fill ``store`` with the city above; returns the plan ids."""
    district = _frame([{"code": DISTRICT, "name": "崂山区", "synthetic": True, "geometry": box(120.40, Y0, 120.48, Y1)}])  # fmt: skip
    streets = _frame([
        {"code": WEST, "name": "中韩街道", "district_code": DISTRICT, "synthetic": True, "geometry": box(120.40, Y0, 120.44, Y1)},
        {"code": EAST, "name": "沙子口街道", "district_code": DISTRICT, "synthetic": True, "geometry": box(120.44, Y0, 120.48, Y1)},
    ])  # fmt: skip
    communities = _frame([
        {"code": c, "name": f"社区{c[-3:]}", "street_code": c[:9], "area_type": "urban_community", "synthetic": True, "geometry": box(x0, Y0, x1, Y1)}
        for c, (x0, x1) in COMMUNITIES.items()
    ])  # fmt: skip
    buildings = _frame([
        {"building_id": f"B{i:02d}", "levels": 6, "households": 10 + i, "use": "residential", "synthetic": True,
         "geometry": box(120.4015 + i * 0.0033, 36.0995, 120.4025 + i * 0.0033, 36.1005)}
        for i in range(24)
    ])  # fmt: skip
    roads = _frame([
        {"road_id": "R1", "road_class": "primary", "name": "香港东路", "synthetic": True, "geometry": LineString([(120.40, 36.09), (120.48, 36.09)])},
        {"road_id": "R2", "road_class": "residential", "name": "西路", "synthetic": True, "geometry": LineString([(120.41, 36.081), (120.41, 36.119)])},
        {"road_id": "R3", "road_class": "residential", "name": "东路", "synthetic": True, "geometry": LineString([(120.47, 36.081), (120.47, 36.119)])},
    ])  # fmt: skip
    basic = _basic_grids()
    with store.transaction() as conn:
        for name, frame in (("districts", district), ("streets", streets), ("communities", communities), ("buildings", buildings), ("roads", roads)):  # fmt: skip
            write_layer(conn, name, frame, source_file=f"{name}.gpkg", source_crs="EPSG:4326")
        published = save_plan(conn, {"basic": _frame(basic), "micro": _frame(_micro_grids(basic))}, author="test", report={})  # fmt: skip
        publish_plan(conn, published)
        draft_grids = _frame([{"code": f"{c}001", "parent_code": c, "households": 900, "geometry": box(x0, Y0, x1, Y1)} for c, (x0, x1) in COMMUNITIES.items()])  # fmt: skip
        draft = save_plan(conn, {"basic": draft_grids}, author="test", report={}, note="draft")
        import_incidents(conn, pd.DataFrame(incident_rows()), source_file="t.csv", fmt="csv")
    return City(published=published, draft=draft)
