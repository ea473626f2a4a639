"""Pure draft tests: the small city of the plan API tests, partitioned once, as a Draft."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api" / "plans"))

from _city import small_city

from geogrid.partition_jobs import BARRIERS, parents_of, run_partition
from geogrid.plans.draft import Draft, draft_from_frames
from geogrid.plans.units import plan_units


@pytest.fixture(scope="session")
def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
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
    grids = pd.concat([plan.grids["basic"], plan.grids["micro"]], ignore_index=True)
    grids["name"] = None
    return units, grids


@pytest.fixture
def make_draft(_frames: tuple[pd.DataFrame, pd.DataFrame]) -> Callable[[], Draft]:
    """A fresh draft of the small city (plan id 1) per call."""
    units, grids = _frames
    return lambda: draft_from_frames(1, units.copy(), grids.copy(), area_types={})
