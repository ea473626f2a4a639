"""Plan API fixtures: the small city partitioned once per session (``city_plan``)."""

from __future__ import annotations

import pytest
from _draft_store import CityPlan, partition_city


@pytest.fixture(scope="session")
def city_plan() -> CityPlan:
    """The small city, its plan (seed 1) and the plan's units."""
    return partition_city()
