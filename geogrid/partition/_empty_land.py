"""Empty land cut into pieces the refinement can share out, instead of riding with a building.

A building's Voronoi cell (or a block it has alone) reaches as far as the next building, so in
thin country one house can drag a field, a wood or a road corridor into its grid as a strip; a
block without any building is a single unit that one grid takes whole. Wherever such a region
is larger than ``LARGE_M2``, the building keeps its *yard* (the land within ``YARD_M`` of its
footprint) and the rest is cut by a square lattice of ``LATTICE_M`` into empty units, which the
refinement gives to whichever neighbouring grid they round off (``_refine``). Lines only: the
faces are formed with every other edge of the parent (``units.build_units``).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray

LARGE_M2: Final = 100_000.0  # a region of a building (or without one) larger than 10 ha is cut
YARD_M: Final = 30.0  # a building keeps the land this close to its footprint
LATTICE_M: Final = 150.0  # the rest is cut into squares of this side


def empty_land_lines(
    regions: NDArray[np.object_], footprints: NDArray[np.object_]
) -> NDArray[np.object_]:
    """Lines cutting the large ``regions`` (metric CRS) into a yard and lattice pieces.

    ``footprints`` holds, per region, the footprint(s) of its building(s) (None or empty for a
    region without one). Regions of ``LARGE_M2`` or less get no lines.
    """
    large = np.flatnonzero(shapely.area(regions) > LARGE_M2)
    out: list[NDArray[np.object_]] = []
    for i in large.tolist():
        region, foot = regions[i], footprints[i]
        rest = region
        if foot is not None and not shapely.is_empty(foot):
            yard = shapely.intersection(shapely.buffer(foot, YARD_M, quad_segs=4), region)
            out.append(np.atleast_1d(shapely.boundary(yard)))
            rest = shapely.difference(region, yard)
        out.append(_lattice(rest))
    if not out:
        return np.empty(0, dtype=object)
    lines = np.concatenate(out)
    return np.asarray(lines[~shapely.is_empty(lines)], dtype=object)


def _lattice(region: shapely.Geometry) -> NDArray[np.object_]:
    """The lines of a ``LATTICE_M`` square lattice inside ``region`` (aligned to the metre
    grid, so neighbouring regions share lines)."""
    if shapely.is_empty(region):
        return np.empty(0, dtype=object)
    x0, y0, x1, y1 = shapely.bounds(region)
    xs = np.arange(np.ceil(x0 / LATTICE_M), np.floor(x1 / LATTICE_M) + 1) * LATTICE_M
    ys = np.arange(np.ceil(y0 / LATTICE_M), np.floor(y1 / LATTICE_M) + 1) * LATTICE_M
    vertical = [shapely.LineString([(x, y0), (x, y1)]) for x in xs.tolist()]
    horizontal = [shapely.LineString([(x0, y), (x1, y)]) for y in ys.tolist()]
    grid = np.asarray(vertical + horizontal, dtype=object)
    if len(grid) == 0:
        return grid
    cut = shapely.intersection(grid, region)
    return np.asarray(cut[~shapely.is_empty(cut)], dtype=object)
