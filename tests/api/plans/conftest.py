"""Plan API fixtures: the small city partitioned once per session (``city_plan``)."""

from __future__ import annotations

import pytest
from _city import small_city
from _plans import CityPlan

from geogrid.partition_jobs import BARRIERS, parents_of, run_partition
from geogrid.plans.units import plan_units


@pytest.fixture(scope="session")
def city_plan() -> CityPlan:
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
