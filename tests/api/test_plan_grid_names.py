"""``GET /plans/{id}/grids`` names every grid (issue 12: ``name`` was null for each, the stored
name being set only by the draft editor's rename): the name given, else the label its report
page and QR sheet show, else its code. On both stores."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely

from geogrid.store import Store, save_plan
from geogrid.store.layers import write_layer

STREET = "370212001"
NAMED, UNNAMED = f"{STREET}001", f"{STREET}002"  # a community stored with a name, one not stored


def _box(i: int) -> shapely.Polygon:
    return shapely.box(120.45 + 0.01 * i, 36.10, 120.46 + 0.01 * i, 36.11)


def _plan(store: Store) -> int:
    community = gpd.GeoDataFrame(
        {"code": [NAMED], "name": ["中韩社区居民委员会"], "street_code": [STREET]},
        geometry=[shapely.union(_box(0), _box(1))],
        crs="EPSG:4326",
    )
    grids = {
        "large": gpd.GeoDataFrame(
            {"code": [f"{STREET}01"], "parent_code": [STREET]},
            geometry=[shapely.union_all([_box(0), _box(1), _box(2)])],
            crs="EPSG:4326",
        ),
        "basic": gpd.GeoDataFrame(
            {
                "code": [f"{NAMED}001", f"{NAMED}002", f"{UNNAMED}001"],
                "parent_code": [NAMED, NAMED, UNNAMED],
                "name": [None, "海边网格", None],
            },
            geometry=[_box(0), _box(1), _box(2)],
            crs="EPSG:4326",
        ),
        "micro": gpd.GeoDataFrame(
            {"code": [f"{NAMED}001002"], "parent_code": [f"{NAMED}001"]},
            geometry=[_box(0)],
            crs="EPSG:4326",
        ),
    }
    with store.transaction() as conn:
        write_layer(conn, "communities", community, source_file="t", source_crs="EPSG:4326")
        return save_plan(conn, grids, report={}, author="test")


def test_every_grid_has_a_name(store: Store, api_client: Any) -> None:
    plan_id = _plan(store)
    client = api_client(store, role="viewer", jurisdiction="370212")
    body = client.get(f"/plans/{plan_id}/grids").json()
    names = {f["properties"]["code"]: f["properties"]["name"] for f in body["features"]}
    assert names == {
        f"{STREET}01": f"{STREET}01",  # a large grid: its code
        f"{NAMED}001": "中韩社区居民委员会 网格 001",  # as its report page shows it
        f"{NAMED}002": "海边网格",  # the name given in the editor
        f"{UNNAMED}001": f"{UNNAMED}001",  # its community has no stored name
        f"{NAMED}001002": "中韩社区居民委员会 网格 001 微网格 002",
    }
