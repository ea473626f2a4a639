"""Fixtures of the incident tests."""

from __future__ import annotations

import pytest
from incident_plans import square_plan

from geogrid.store import Store, publish_plan


@pytest.fixture
def published(store: Store) -> tuple[Store, int]:
    """A store (each kind in turn) whose published plan is the 3 x 3 square plan."""
    with store.transaction() as conn:
        plan = square_plan(conn)
        publish_plan(conn, plan)
    return store, plan
