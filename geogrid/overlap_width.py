"""How wide an overlap or a gap between two boundaries is, and the one rule on it that the
import's check, ``--repair`` and the engine's refusal of overlapping parents share.

The width is the diameter of the largest circle inside the piece: a strip 2 m wide and 1 km
long is 2 m wide, whatever its area. An overlap up to ``REPAIR_OVERLAP_WIDTH_M`` wide is a
digitising mismatch ``--repair`` gives to one neighbour; a wider one is two boundaries that
disagree about real land, for a person to settle in the source.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import shapely

REPAIR_OVERLAP_WIDTH_M: Final = 30.0
NOISE_WIDTH_M: Final = 0.1
"""A gap, overlap or spill narrower than this everywhere is the noise of a boundary saved
through another CRS (a street drawn in Gauss-Krüger, its communities in lon/lat: centimetres),
accepted with a note: no grid, building or household can fall into it."""


def inscribed_width(piece: shapely.Geometry) -> float:
    """Diameter of the largest circle inside ``piece`` (a metric CRS: metres); the lines and
    points an intersection may hold beside its polygons are left out."""
    parts = shapely.get_parts(piece)
    polygonal = np.asarray([shapely.union_all(parts[np.isin(shapely.get_type_id(parts), (3, 6))])])
    radius = shapely.length(shapely.maximum_inscribed_circle(polygonal, tolerance=0.5))
    return 2.0 * float(radius[0])


def too_wide_to_repair(limit_m: float) -> str:
    """What to do with an overlap wider than ``--repair`` gives away (``limit_m``)."""
    return (
        f"wider than --repair gives away ({limit_m:g} m): two boundaries claim this land, so "
        "draw it into one of them in the source"
    )


def is_noise(piece: shapely.Geometry) -> bool:
    """Whether ``piece`` (a metric CRS) is narrower than ``NOISE_WIDTH_M`` everywhere: nothing
    of it is left once its edges move in by half that (exact, unlike the inscribed circle's
    half-metre tolerance)."""
    return bool(shapely.is_empty(shapely.buffer(piece, -NOISE_WIDTH_M / 2)))
