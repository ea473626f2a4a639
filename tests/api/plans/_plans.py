"""Plan API helpers: ``fill_store`` stores the small city and its plan as a draft with units."""

from __future__ import annotations

import geopandas as gpd

from geogrid.partition.engine import Plan
from geogrid.store import Store, save_plan, write_layer
from geogrid.store.drafts import save_units

CityPlan = tuple[dict[str, gpd.GeoDataFrame], Plan, gpd.GeoDataFrame]


def fill_store(store: Store, city_plan: CityPlan, *, units: bool = True) -> int:
    """Import the city and store its plan as a draft (with units); returns the plan id."""
    city, plan, plan_units_frame = city_plan
    with store.transaction() as conn:
        for name in ("streets", "communities", "buildings", "roads"):
            write_layer(conn, name, city[name], source_file="test", source_crs="EPSG:4326")
        plan_id = save_plan(conn, plan.grids, report=plan.report, author="test")
        if units:
            save_units(conn, plan_id, plan_units_frame)
    return plan_id
