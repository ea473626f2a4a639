"""Feasibility is told, not hidden; institutions can have grids of their own."""

from __future__ import annotations

import numpy as np
import shapely
from _quality_helpers import CODE, item, lattice_buildings

from geogrid.partition.parent import plan_parent
from geogrid.partition.quality import level_report


def _parent(households: int, *, seed: int = 0, tower: int = 0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    parent = shapely.box(0, 0, 360, 300)
    foot = lattice_buildings(parent, spacing=24.0, size=9.0, rng=rng)
    w = rng.uniform(0.5, 1.5, len(foot))
    hh = np.floor(w / w.sum() * households).astype(np.int64)
    hh[0] += tower
    return parent, foot, hh


def test_a_parent_with_too_few_households_is_reported_and_left_out_of_the_share() -> None:
    parent, foot, hh = _parent(150)
    small = plan_parent(item(parent, foot, hh)).levels["basic"]
    parent, foot, hh = _parent(900, seed=1)
    fine = plan_parent(item(parent, foot, hh)).levels["basic"]
    fine.codes = [c.replace(CODE, "370212001002") for c in fine.codes]
    fine.parent_codes = ["370212001002"] * len(fine.codes)
    assert len(small.codes) == 1 and small.exempt.all()
    assert [n["code"] for n in small.infeasible] == [CODE]
    assert "fewer than the band's 300" in small.infeasible[0]["reason"]
    report = level_report([small, fine])
    assert report["within_band_judged"] == len(fine.codes)
    assert report["within_band_share_judged"] == 1.0
    assert report["within_band_share_feasible_parents"] == 1.0
    assert report["within_band_share"] == 0.66667  # 2 grids of 3 in band
    assert report["exemptions"]["parent_too_small"] == 1
    assert "exempt" in report["within_band_basis"]
    assert report["exempt_grids"] == 1


def test_a_building_larger_than_the_band_is_its_own_exempt_grid() -> None:
    parent, foot, hh = _parent(1200, tower=700)
    basic = plan_parent(item(parent, foot, hh)).levels["basic"]
    heavy = int(np.argmax(basic.households))
    assert basic.households[heavy] >= 700 and basic.exempt[heavy]
    assert basic.buildings[heavy] >= 1
    assert "hold more households than the band's 500" in basic.infeasible[0]["reason"]
    others = np.delete(np.arange(len(basic.codes)), heavy)
    assert all(300 <= basic.households[i] <= 500 for i in others)


def test_dedicated_grids_for_institutions_only_when_asked() -> None:
    parent, foot, hh = _parent(1100, seed=2)
    centre = shapely.get_coordinates(shapely.centroid(foot))
    school = np.flatnonzero(np.hypot(*(centre - [180.0, 150.0]).T) < 30.0)
    uses = np.full(len(foot), "residential", dtype=object)
    uses[school] = "school"
    hh[school] = 0
    off = plan_parent(item(parent, foot, hh, uses=list(uses)))
    assert off.levels["basic"].dedicated == []
    on = plan_parent(item(parent, foot, hh, uses=list(uses)), dedicated_uses=("school",))
    basic = on.levels["basic"]
    assert len(basic.dedicated) == 1
    note = basic.dedicated[0]
    assert note["use"] == "school" and note["buildings"] == len(school)
    g = basic.codes.index(note["code"])
    assert basic.exempt[g]
    assert shapely.covered_by(foot[school], basic.geoms[g]).all()
    assert basic.households[g] == 0
    others = [i for i in range(len(basic.codes)) if i != g]
    assert all(300 <= basic.households[i] <= 500 for i in others)
