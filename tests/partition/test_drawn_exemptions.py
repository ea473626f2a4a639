"""Why a grid as drawn is exempt from its band: what no edit can fix, read from the grids."""

from __future__ import annotations

import numpy as np

from geogrid.partition.exemptions import drawn_exemptions, fits_division


def test_each_reason_in_the_reports_order() -> None:
    # micro band 10-30; parents P, Q (8 households in all), R (in two pieces), S (35 households:
    # two grids of 10-30 can hold them)
    households = [45, 12, 8, 0, 25, 4, 31, 4]
    largest = [45, 5, 6, 0, 9, 4, 20, 4]  # households of each grid's largest building
    parent = ["P", "P", "Q", "Q", "R", "R", "S", "S"]
    asked = []

    def pieces(rows: np.ndarray) -> list[int]:
        asked.append(np.flatnonzero(rows).tolist())
        return [0, 1, 0, 0]  # R's two grids in two pieces, S one

    reasons = drawn_exemptions(
        households, largest, lo=[10] * 8, hi=[30] * 8, parent=parent, pieces=pieces
    )
    assert asked == [[4, 5, 6, 7]]  # only the parents of grids that would be misses
    assert reasons == [
        "single_over_band_building",  # 45, all in one building (beside sheds of none)
        None,  # within the band
        "parent_too_small",  # Q holds 8 in all
        "parent_too_small",
        None,
        "detached_piece",  # R's second piece: 4 households, no grid of 10-30 holds them
        None,  # 31, the largest building 20: S's 35 split 2 x 17 would do, a miss
        None,
    ]


def test_a_parent_that_fits_no_whole_number_of_grids() -> None:
    # basic band 300-500: 520 households is too many for one grid and too few for two
    reasons = drawn_exemptions([420, 100], [30, 6], lo=[300, 300], hi=[500, 500], parent=["C", "C"])
    assert reasons == [None, "parent_indivisible"]


def test_a_total_fits_a_division_when_the_fewest_grids_under_the_top_hold_the_bottom() -> None:
    assert [bool(fits_division(h, 300, 500)) for h in (0, 299, 300, 500, 520, 600, 1000)] == [
        False,
        False,
        True,
        True,
        False,
        True,
        True,
    ]
