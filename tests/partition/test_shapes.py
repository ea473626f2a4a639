"""Shapes a planner accepts (issue 12, item 5): the compactness term, empty land cut into
pieces, and the wrap-around check of the quality report. Values worked out on paper."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geogrid.partition._empty_land import empty_land_lines
from geogrid.partition._geometry import wraps_around
from geogrid.partition._linework import faces_of
from geogrid.partition._refine import excess
from geogrid.partition.parent import LevelResult
from geogrid.partition.quality import level_report


def _box_sums(w: float, h: float) -> tuple[float, float, float, float]:
    """Sums of a w x h rectangle centred on the origin: area, Σ a·x, Σ a·y, polar moment."""
    area = w * h
    return area, 0.0, 0.0, area * (w * w + h * h) / 12.0


def test_excess_is_zero_for_a_disc_and_grows_with_elongation() -> None:
    # square 100 x 100: 2π·(1e4·2e4/12)/1e6 - 100 = 104.72 - 100
    assert excess(*_box_sums(100, 100)) == pytest.approx(4.7198, abs=1e-3)
    # 200 x 100: 2π·(2e4·5e4/12)/(2e4)^1.5 - √2e4 = 185.12 - 141.42
    assert excess(*_box_sums(200, 100)) == pytest.approx(43.70, abs=0.01)
    # a disc of radius 50: I = π r⁴ / 2, so 2π·I / A^1.5 = √A
    r = 50.0
    area = np.pi * r * r
    assert excess(area, 0.0, 0.0, np.pi * r**4 / 2) == pytest.approx(0.0, abs=1e-9)


def test_excess_of_two_halves_moved_together_is_the_whole() -> None:
    # two 100 x 100 squares side by side, centroids at x = ±50: one 200 x 100 rectangle
    a, _, _, m = _box_sums(100, 100)
    left = (a, a * -50.0, 0.0, m + a * 2500.0)
    right = (a, a * 50.0, 0.0, m + a * 2500.0)
    both = tuple(x + y for x, y in zip(left, right, strict=True))
    assert excess(*both) == pytest.approx(43.70, abs=0.01)


def test_large_empty_land_is_cut_into_lattice_squares() -> None:
    field = shapely.box(0, 0, 600, 600)  # 36 ha, no building
    faces = faces_of(field, empty_land_lines(np.asarray([field]), np.asarray([None])))
    assert len(faces) == 16  # a 150 m lattice
    assert sorted(set(np.round(shapely.area(faces), 3).tolist())) == [22_500.0]


def test_small_land_is_left_whole() -> None:
    park = shapely.box(0, 0, 300, 300)  # 9 ha, under the 10 ha of LARGE_M2
    assert len(empty_land_lines(np.asarray([park]), np.asarray([None]))) == 0


def test_a_lone_building_keeps_its_yard_and_the_rest_is_cut() -> None:
    field = shapely.box(0, 0, 600, 600)
    house = shapely.box(290, 290, 310, 310)
    faces = faces_of(field, empty_land_lines(np.asarray([field]), np.asarray([house])))
    yard = faces[shapely.contains(faces, shapely.Point(300, 300))]
    # 20 x 20 house + four 20 x 30 sides + a 16-gon of radius 30 at the corners:
    # 400 + 2,400 + 8·900·sin(22.5°) = 5,555.3 m²
    assert shapely.area(yard[0]) == pytest.approx(5555.3, abs=0.1)
    assert shapely.area(faces).sum() == pytest.approx(360_000.0)
    assert len(faces) > 16  # the yard and lattice pieces around it


def _u_and_notch() -> np.ndarray:
    notch = shapely.box(100, 100, 200, 300)
    u_shape = shapely.difference(shapely.box(0, 0, 300, 300), notch)
    return np.asarray([u_shape, notch], dtype=object)


def test_a_u_around_its_neighbour_wraps_it() -> None:
    # the notch lies wholly in the U's hull and the U holds 500 of its 600 m of boundary
    parents = np.asarray(["P", "P"], dtype=object)
    assert wraps_around(_u_and_notch(), parents) == [(0, 1)]


def test_grids_side_by_side_and_grids_of_other_parents_do_not_wrap() -> None:
    row = np.asarray([shapely.box(100 * i, 0, 100 * (i + 1), 100) for i in range(3)])
    assert wraps_around(row, np.asarray(["P"] * 3, dtype=object)) == []
    # the same U and notch, but in two parents: the engine did not draw that line
    assert wraps_around(_u_and_notch(), np.asarray(["P", "Q"], dtype=object)) == []


def test_the_report_counts_and_lists_wrapping_grids() -> None:
    geoms = _u_and_notch()
    result = LevelResult(
        codes=["P001", "P002"],
        parent_codes=["P", "P"],
        households=np.asarray([400, 350], dtype=np.int64),
        buildings=np.asarray([10, 9], dtype=np.int64),
        geoms=geoms,
        exempt=np.zeros(2, dtype=bool),
        band=(300, 500),
    )
    report = level_report([result])
    assert report["wraps_around"] == 1
    assert report["wraps_around_pairs"] == [["P001", "P002"]]


def test_the_report_names_the_judged_grids_out_of_band() -> None:
    result = LevelResult(
        codes=["P001", "P002", "P003"],
        parent_codes=["P"] * 3,
        households=np.asarray([400, 250, 900], dtype=np.int64),
        buildings=np.asarray([10, 9, 1], dtype=np.int64),
        geoms=np.asarray([shapely.box(100 * i, 0, 100 * (i + 1), 100) for i in range(3)]),
        exempt=np.asarray([False, False, True]),  # P003: one over-band building, exempt
        band=(300, 500),
    )
    report = level_report([result])
    assert report["misses"] == 1
    assert report["missed_grids"] == ["P002"]
