"""Buildings whose data look wrong are listed beside the household account, counted as given
(issue 12: nothing passes silently): footprints given twice with a shift, impossible counts."""

from __future__ import annotations

import numpy as np
import shapely

from geogrid.partition.suspects import suspect_buildings


def _suspects(boxes: list[tuple[float, float, float, float]], households: list[int], **kw):  # type: ignore[no-untyped-def]
    footprints = np.asarray([shapely.box(*b) for b in boxes], dtype=object)
    return suspect_buildings(
        footprints,
        households=np.asarray(households, dtype=np.int64),
        levels=kw.get("levels"),
        ids=np.asarray([f"B{i}" for i in range(len(boxes))], dtype=object),
        duplicate_of=np.asarray(kw.get("duplicate_of", [-1] * len(boxes)), dtype=np.int64),
    )


def test_a_footprint_given_again_shifted_by_half_its_width_is_named() -> None:
    # 10 m squares: B1 is B0 moved 5 m east (50 of 100 m² shared, listed); B3 is B2 moved 6 m
    # (40 m², listed: a copy shifted by a third of its width was not); B6 is B5 moved 9 m
    # (10 m²: neighbours digitised over each other, not listed); B4 is B0's very same
    # footprint (counted once already)
    boxes = [(0, 0, 10, 10), (5, 0, 15, 10), (100, 0, 110, 10), (106, 0, 116, 10),
             (0, 0, 10, 10), (200, 0, 210, 10), (209, 0, 219, 10)]  # fmt: skip
    found = _suspects(boxes, [12, 12, 8, 8, 12, 5, 5], duplicate_of=[-1, -1, -1, -1, 0, -1, -1])
    assert found["overlapping_footprints"] == {
        "pairs": 2,
        "households": 24 + 16,
        "first": [["B0", "B1"], ["B2", "B3"]],
    }


def test_more_households_than_the_floor_can_hold_are_named() -> None:
    # 10 x 10 m: one floor holds 25 households at 4 m² each; 26 is listed, 25 is not; with no
    # floors given, 40 are assumed (1,000 households), so 9,999 is listed and 900 is not
    boxes = [(0, 0, 10, 10), (20, 0, 30, 10), (40, 0, 50, 10), (60, 0, 70, 10)]
    levels = np.asarray([1.0, 1.0, np.nan, 0.0])
    found = _suspects(boxes, [26, 25, 9999, 900], levels=levels)["dense"]
    assert found == {
        "buildings": 2,
        "households": 26 + 9999,
        "first": [
            {"building_id": "B0", "households": 26, "floor_m2": 100.0},
            {"building_id": "B2", "households": 9999, "floor_m2": 4000.0},
        ],
    }
