"""Plan API helpers: ``partition_city`` plans the small city and builds its units,
``fill_store`` stores them as a draft."""

from __future__ import annotations

import geopandas as gpd
from _draft_city import small_city
from shapely.geometry import box
from sqlalchemy import select, update

from geogrid.partition.engine import Plan
from geogrid.partition_jobs import BARRIERS, parents_of, run_partition
from geogrid.plans.units import plan_units
from geogrid.store import Store, save_plan, write_layer
from geogrid.store import drafts as sd
from geogrid.store import tables as t
from geogrid.store.drafts import save_units

CityPlan = tuple[dict[str, gpd.GeoDataFrame], Plan, gpd.GeoDataFrame]


def partition_city() -> CityPlan:
    """The small city, its plan (seed 1) and the plan's units."""
    city = small_city()
    layers = {k: city.get(k) for k in ("communities", "streets", "buildings", *BARRIERS)}
    plan = run_partition(layers, seed=1)
    units = plan_units(
        parents_of(layers),
        city["buildings"],
        plan.grids["micro"],
        basic=plan.grids["basic"],
        barriers=[layers.get(b) for b in BARRIERS],
    )
    return city, plan, units


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


def write_district(store: Store) -> None:
    """District 370212 (崂山区) as a box around the city: the jurisdiction of district keys."""
    district = gpd.GeoDataFrame(
        {"code": ["370212"], "name": ["崂山区"], "synthetic": [True]},
        geometry=[box(120.44, 36.09, 120.48, 36.12)],
        crs="EPSG:4326",
    )
    with store.transaction() as conn:
        write_layer(conn, "districts", district, source_file="test", source_crs="EPSG:4326")


def set_micro_buildings(store: Store, plan_id: int, code: str, households: list[int]) -> None:
    """Micro grid ``code`` holds ``households`` in as many buildings (the first unit of each
    of its first buildings takes them, every other unit none), in its units and its row."""
    grids, units = t.table_of(t.Grid), sd.UNITS
    mine = (units.c.plan_id == plan_id) & (units.c.micro_code == code)
    with store.transaction() as conn:
        rows = conn.execute(
            select(units.c.unit_id, units.c.building_group).where(mine).order_by(units.c.unit_id)
        ).all()
        first = {int(r.building_group): int(r.unit_id) for r in reversed(rows)}
        assert len(first) >= len(households), "the micro grid has too few buildings"
        conn.execute(update(units).where(mine).values(households=0))
        for unit_id, count in zip(first.values(), households, strict=False):
            where = (units.c.plan_id == plan_id) & (units.c.unit_id == unit_id)
            conn.execute(update(units).where(where).values(households=count))
        conn.execute(
            update(grids)
            .where((grids.c.plan_id == plan_id) & (grids.c.code == code))
            .values(households=sum(households), buildings=len(first))
        )
