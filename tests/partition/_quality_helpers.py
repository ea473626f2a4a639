"""Small parents built from shapes (metric CRS) for the quality tests (synthetic data)."""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

from geogrid.partition.parent import ParentInput

CODE = "370212001001"


def lattice_buildings(
    area: shapely.Geometry, *, spacing: float, size: float, rng: np.random.Generator
) -> NDArray[np.object_]:
    """Square footprints on a jittered lattice, wholly inside ``area``."""
    minx, miny, maxx, maxy = area.bounds
    xs = np.arange(minx + spacing / 2, maxx, spacing)
    ys = np.arange(miny + spacing / 2, maxy, spacing)
    gx, gy = np.meshgrid(xs, ys)
    cx = gx.ravel() + rng.uniform(-1.5, 1.5, gx.size)
    cy = gy.ravel() + rng.uniform(-1.5, 1.5, gy.size)
    boxes = shapely.box(cx - size / 2, cy - size / 2, cx + size / 2, cy + size / 2)
    return np.asarray(boxes[shapely.within(boxes, area)], dtype=object)


def item(
    parent: shapely.Geometry,
    footprints: NDArray[np.object_],
    households: NDArray[np.int64],
    *,
    lines: list[shapely.Geometry] | None = None,
    uses: list[str] | None = None,
    area_type: str | None = None,
) -> ParentInput:
    n = len(footprints)
    return ParentInput(
        code=CODE,
        area_type=area_type,
        geometry=parent,
        points=shapely.point_on_surface(footprints),
        households=np.asarray(households, dtype=np.int64),
        compound=np.full(n, -1, dtype=np.int64),
        lines=np.asarray(lines or [], dtype=object),
        footprints=footprints,
        uses=None if uses is None else np.asarray(uses, dtype=object),
    )


def new_holes(grids: NDArray[np.object_], parent: shapely.Geometry) -> int:
    """Grids with an interior ring that is not a hole of the parent."""
    holes = [shapely.Polygon(r) for p in shapely.get_parts(parent) for r in p.interiors]
    count = 0
    for g in grids:
        rings = [r for part in shapely.get_parts(g) for r in part.interiors]
        if any(not any(h.buffer(0.5).contains(shapely.Polygon(r)) for h in holes) for r in rings):
            count += 1
    return count
