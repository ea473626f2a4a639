"""A river (or railway, motorway, arterial) is not crossed where each side divides within the
band alone (issue 12), even when the sides hold unequal numbers of grids, which METIS's balanced
bisection does not follow."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import shapely
from _quality_helpers import item, lattice_buildings

from geogrid.partition.barriers import CLASSES
from geogrid.partition.parent import ParentPlan, plan_parent

RIVER_X = 420.0  # the river runs north-south at this x; 3 grids' land west, 1 east


def _parent() -> tuple[shapely.Geometry, list[shapely.Geometry], np.ndarray]:
    parent = shapely.box(0, 0, 600, 300)
    river = shapely.LineString([(RIVER_X, -10), (RIVER_X + 10, 310)])
    # local streets on a 60 m lattice: cheap cuts everywhere, so the river is not the only one
    streets = [shapely.LineString([(x, -10), (x, 310)]) for x in (60, 120, 180, 240, 300, 360)]
    streets += [shapely.LineString([(-10, y), (610, y)]) for y in (75, 150, 225)]
    streets += [shapely.LineString([(x, -10), (x, 310)]) for x in (500, 550)]
    lines = [river, *streets]
    classes = np.asarray(
        [CLASSES.index("major")] + [CLASSES.index("local")] * len(streets), dtype=np.int64
    )
    return parent, lines, classes


def _banks(east_households: int) -> tuple[ParentPlan, np.ndarray, np.ndarray, np.ndarray]:
    """The parent planned with 1,230 households west of the river and ``east_households``
    east: the plan, each building's centre, whether it is east, its households."""
    parent, lines, classes = _parent()
    land = shapely.difference(parent, shapely.union_all([line.buffer(4.0) for line in lines]))
    foot = lattice_buildings(land, spacing=20.0, size=8.0, rng=np.random.default_rng(5))
    centre = shapely.centroid(foot)
    east = shapely.get_x(centre) > RIVER_X + shapely.get_y(centre) * 10.0 / 320.0
    hh = np.zeros(len(foot), dtype=np.int64)
    hh[~east] = _spread(int((~east).sum()), 1230)
    hh[east] = _spread(int(east.sum()), east_households)
    plan = plan_parent(replace(item(parent, foot, hh, lines=lines), line_class=classes))
    return plan, centre, east, hh


def test_no_basic_grid_holds_buildings_on_both_banks() -> None:
    # 1,230 households west of the river (3 grids of 410) and 410 east (1 grid): 4 grids in
    # all, which a balanced bisection halves into 820 and 820, across the river
    plan, centre, east, hh = _banks(410)
    basic = plan.levels["basic"]
    holder = np.asarray([int(np.flatnonzero(shapely.contains(basic.geoms, c))[0]) for c in centre])
    west_hh = np.bincount(holder[~east], weights=hh[~east], minlength=len(basic.codes))
    east_hh = np.bincount(holder[east], weights=hh[east], minlength=len(basic.codes))
    both = [
        (code, int(w), int(e))
        for code, w, e in zip(basic.codes, west_hh, east_hh, strict=True)
        if w > 0 and e > 0
    ]
    # main put 270 + 225 and 168 + 185 households of either bank in two grids
    assert both == [], f"grids with households on both banks (code, west, east): {both}"
    # so 3 grids west (1,230 households, each 300-500) and 1 east (all 410)
    assert sorted(east_hh[east_hh > 0].tolist()) == [410]
    assert len(west_hh[west_hh > 0]) == 3 and west_hh.sum() == 1230
    assert all(300 <= h <= 500 for h in basic.households.tolist())
    assert basic.exempt.sum() == 0


def test_a_bank_too_light_for_a_grid_joins_across_the_river() -> None:
    # 200 households east: no grid alone, so they join grids across; 1,430 in all are 4 grids
    plan, _, _, _ = _banks(200)
    basic = plan.levels["basic"]
    assert len(basic.codes) == 4
    assert all(300 <= h <= 500 for h in basic.households.tolist())
    assert basic.households.sum() == 1430


def _spread(n: int, total: int) -> np.ndarray:
    hh = np.full(n, total // n, dtype=np.int64)
    hh[: total - int(hh.sum())] += 1
    return hh


def test_a_strip_between_majors_is_no_grid_of_its_own() -> None:
    # an L of land 40 m wide between a river and the parent's edge, holding one grid's
    # households: divided on its own it is one grid of convexity 0.32 (Liechtenstein's
    # strip between the Rhine and its road made one of 0.38), so it joins the land beside it
    parent = shapely.box(0, 0, 600, 300)
    river = shapely.LineString([(40, 310), (40, 40), (610, 40)])
    streets = [shapely.LineString([(x, 30), (x, 310)]) for x in (160, 280, 400, 520)]
    lines = [river, *streets]
    classes = np.asarray([CLASSES.index("major")] + [CLASSES.index("local")] * 4, dtype=np.int64)
    land = shapely.difference(parent, shapely.union_all([line.buffer(4.0) for line in lines]))
    foot = lattice_buildings(land, spacing=20.0, size=8.0, rng=np.random.default_rng(5))
    centre = shapely.centroid(foot)
    strip = (shapely.get_x(centre) < 40) | (shapely.get_y(centre) < 40)
    hh = np.zeros(len(foot), dtype=np.int64)
    hh[strip] = _spread(int(strip.sum()), 400)
    hh[~strip] = _spread(int((~strip).sum()), 1200)
    hull = shapely.Polygon([(0, 0), (600, 0), (600, 40), (40, 300), (0, 300)])
    assert shapely.box(0, 0, 600, 300).difference(shapely.box(40, 40, 600, 300)).area < (
        0.5 * hull.area
    )  # the strip alone: 34,400 m² of a 107,200 m² hull, 0.32
    plan = plan_parent(replace(item(parent, foot, hh, lines=lines), line_class=classes))
    basic = plan.levels["basic"]
    assert basic.households.sum() == 1600
    assert all(300 <= h <= 500 for h in basic.households.tolist())
    convexity = [g.area / g.convex_hull.area for g in basic.geoms]
    assert min(convexity) >= 0.5, convexity
