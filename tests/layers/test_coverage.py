"""Coverage on a plan built for the purpose: unmanned grids, missing police, overload, spread,
and the loads a redraw moves."""

from __future__ import annotations

import pandas as pd
import pytest
from coverage_plan import INCIDENTS, assignments, basic, micro, old_plan, strip

from geogrid.errors import InputError
from geogrid.layers.coverage import coverage_layer, plan_change_loads
from geogrid.settings import CoverageSettings


def test_unmanned_missing_police_and_overload_are_found() -> None:
    grids, _ = coverage_layer(old_plan(), assignments(), incidents=INCIDENTS)
    unmanned = set(grids.index[grids["unmanned"]])
    assert unmanned == {basic(4), micro(4, 2)}
    assert set(grids.index[grids["missing_traffic_police"]]) == {basic(3), basic(4)}
    assert not grids["missing_community_police"].any()  # assigned at the community: reaches all
    assert set(grids.index[grids["overloaded"]]) == {basic(3)}  # 600 per worker > 300
    assert grids.loc[basic(2), "households_per_worker"] == 150  # 300 households, W2 and W3
    assert grids.loc[basic(2), "staff"] == "CP1,TP1,W2,W3"
    assert grids.loc[basic(1), "residents"] == pytest.approx(400 * 2.62)


def test_staff_loads_and_people_spread_too_thin() -> None:
    _, staff = coverage_layer(old_plan(), assignments(), incidents=INCIDENTS)
    assert staff.loc["W2", "grids"] == 2
    assert staff.loc["W2", "households"] == pytest.approx(150 + 350)
    assert staff.loc["W2", "incidents"] == pytest.approx(45 + 600)
    assert staff.loc["CP1", "households"] == 0  # police carry no grid load
    assert set(staff.index[staff["spread_too_thin"]]) == {"BH1"}  # 7 micro grids > 6
    assert staff.loc["W5", "unknown_grids"] == 1
    # a police officer assigned at the community answers for a code above the grids: known
    assert staff.loc["CP1", "unknown_grids"] == 0


def test_thresholds_come_from_settings() -> None:
    settings = CoverageSettings(overload_incidents_per_worker=80, overload_median_share=10)
    grids, _ = coverage_layer(old_plan(), assignments(), incidents=INCIDENTS, settings=settings)
    assert set(grids.index[grids["overloaded"]]) == {basic(1), basic(3)}


def test_a_redraw_moves_loads_and_shows_grids_that_lose_or_gain_a_worker() -> None:
    new = strip(
        [
            (basic(1), "basic", 0, 1, 400),
            (basic(2), "basic", 1, 2, 300),
            (basic(3), "basic", 2, 2.5, 175),
            (basic(5), "basic", 2.5, 3, 175),
            (basic(4), "basic", 3, 3.5, 250),
            (basic(6), "basic", 3.5, 4, 250),
        ]
    )
    old = old_plan()
    loads, changes = plan_change_loads(old[old["level"] == "basic"], new, assignments())
    assert loads.loc["W2", "households_before"] == pytest.approx(500)
    assert loads.loc["W2", "households_after"] == pytest.approx(150 + 175)
    assert changes.loc[basic(5), "predecessor"] == basic(3)
    assert changes.loc[basic(5), "change"] == "loses"
    assert changes.loc[basic(6), "change"] == "gains"
    assert (changes["change"] != "").sum() == 2


def test_unknown_roles_are_refused() -> None:
    bad = pd.DataFrame([("X", "mayor", basic(1))], columns=["staff_id", "role", "grid_code"])
    with pytest.raises(InputError, match="unknown staff role"):
        coverage_layer(old_plan(), bad)
