"""Pure draft tests: the small city of the plan API tests, partitioned once, as a Draft."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api" / "plans"))

from _draft_store import partition_city

from geogrid.plans.draft import Draft, draft_from_frames


@pytest.fixture(scope="session")
def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    _, plan, units = partition_city()
    grids = pd.concat([plan.grids["basic"], plan.grids["micro"]], ignore_index=True)
    grids["name"] = None
    return units, grids


@pytest.fixture
def make_draft(_frames: tuple[pd.DataFrame, pd.DataFrame]) -> Callable[[], Draft]:
    """A fresh draft of the small city (plan id 1) per call."""
    units, grids = _frames
    return lambda: draft_from_frames(1, units.copy(), grids.copy(), area_types={})
