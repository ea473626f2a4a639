"""Incidents in a draft's grids, counted only when a grid is measured (pure), and the sorted
points that count them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from _draft_city import WEST_CODE

from geogrid.plans import checks, editing
from geogrid.plans.draft import draft_from_frames
from geogrid.plans.points import SortedPoints

B1, B2 = WEST_CODE + "001", WEST_CODE + "002"


def test_sorted_points_find_points_by_polygon() -> None:
    squares = np.asarray(
        [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(5, 5, 6, 6)]
    )
    xy = np.asarray([[0.5, 0.5], [1.5, 0.2], [1.5, 0.8], [3.0, 3.0], [0.1, 0.9], [1.0, 0.5]])
    points = SortedPoints(xy)
    assert points.counts(squares).tolist() == [2, 2, 0]  # (1.0, 0.5) lies on an edge: neither
    assert sorted(points.inside(squares[1]).tolist()) == [1, 2]
    pi, gi = points.hits(squares)
    assert sorted(zip(pi.tolist(), gi.tolist(), strict=True)) == [(0, 0), (1, 1), (2, 1), (4, 0)]
    assert SortedPoints(np.zeros((0, 2))).counts(squares).tolist() == [0, 0, 0]


def test_incidents_counted_when_a_grid_is_measured_and_follow_moves(
    _frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    units, grids = _frames
    micro_of = dict(zip(units["unit_id"], units["micro_code"], strict=True))
    b1 = [u for u, m in micro_of.items() if m.startswith(B1)]
    b2 = [u for u, m in micro_of.items() if m.startswith(B2)]
    inside = shapely.point_on_surface(units.set_index("unit_id").geometry)
    # 2 incidents in the first unit of B1, 1 in its second, 4 in the first unit of B2
    chosen = [b1[0], b1[0], b1[1], b2[0], b2[0], b2[0], b2[0]]
    xy = np.asarray([[inside[u].x, inside[u].y] for u in chosen])
    draft = draft_from_frames(1, units.copy(), grids.copy(), area_types={}, incident_points=xy)
    assert (draft.incidents < 0).all()  # nothing counted while loading
    assert checks.grid_stats(draft, B1)["incidents"] == 3
    assert checks.grid_stats(draft, B2)["incidents"] == 4
    counted = int((draft.incidents >= 0).sum())
    assert counted == len(draft.units_of(B1)) + len(draft.units_of(B2))
    delta = editing.move(draft, to=micro_of[b2[0]], units=[b1[0]])
    draft.apply(delta)
    if len(delta.moves) == 1:  # the unit is a whole building: only it moved
        assert checks.grid_stats(draft, B1)["incidents"] == 1
        assert checks.grid_stats(draft, B2)["incidents"] == 6
    assert (
        checks.grid_stats(draft, B1)["incidents"] + checks.grid_stats(draft, B2)["incidents"] == 7
    )
