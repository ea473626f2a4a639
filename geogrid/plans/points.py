"""Points sorted once by x, then found inside polygons many times (pure; any one CRS).

A draft counts the incidents of the units an edit touches, and a diff locates buildings and
incidents in grids: both ask "which of these n points lie in this polygon" for many polygons.
Sorting by x once lets each prepared polygon test only the points of its bounding box with
``contains_xy`` (no point geometries are built).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

IntArray = NDArray[np.int64]


class SortedPoints:
    """``xy`` (n x 2) sorted by x; indices in answers are positions in the original ``xy``."""

    def __init__(self, xy: NDArray[np.float64]) -> None:
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        self.xy = xy
        self.order = np.argsort(xy[:, 0], kind="stable")
        self.xs = np.ascontiguousarray(xy[self.order, 0])
        self.ys = np.ascontiguousarray(xy[self.order, 1])

    def __len__(self) -> int:
        return len(self.xs)

    def _in_box(self, minx: float, miny: float, maxx: float, maxy: float) -> IntArray:
        """Sorted positions of the points inside a box (edges included)."""
        lo = int(np.searchsorted(self.xs, minx, side="left"))
        hi = int(np.searchsorted(self.xs, maxx, side="right"))
        band = np.arange(lo, hi)
        return band[(self.ys[band] >= miny) & (self.ys[band] <= maxy)]

    def _inside_sorted(self, polygon: shapely.Geometry, box: Any) -> IntArray:
        band = self._in_box(*box)
        if len(band) == 0:
            return band
        shapely.prepare(polygon)
        return band[shapely.contains_xy(polygon, self.xs[band], self.ys[band])]

    def inside(self, polygon: shapely.Geometry) -> IntArray:
        """Positions of the points strictly inside ``polygon`` (a point on its edge is not)."""
        if len(self.xs) == 0 or polygon is None or shapely.is_empty(polygon):
            return np.zeros(0, dtype=np.int64)
        found = self._inside_sorted(polygon, shapely.bounds(polygon).tolist())
        return self.order[found].astype(np.int64)

    def hits(self, polygons: NDArray[np.object_]) -> tuple[IntArray, IntArray]:
        """(point position, polygon index) of every point inside one of ``polygons``.

        The x range of every polygon's box is found for all polygons at once, so polygons
        with no point in their box cost nothing more (a diff tests few points against many)."""
        found_p, found_g = [], []
        if len(polygons) and len(self.xs):
            bounds = shapely.bounds(polygons)
            lo = np.searchsorted(self.xs, bounds[:, 0], side="left")
            hi = np.searchsorted(self.xs, bounds[:, 2], side="right")
            for g in np.flatnonzero(hi > lo).tolist():
                inside = self._inside_sorted(polygons[g], bounds[g].tolist())
                if len(inside):
                    found_p.append(self.order[inside])
                    found_g.append(np.full(len(inside), g, dtype=np.int64))
        if not found_p:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(found_p).astype(np.int64), np.concatenate(found_g)

    def counts(self, polygons: NDArray[np.object_]) -> IntArray:
        """How many points lie inside each polygon (a point in two counts for the first).

        One query for all of them: the points of their joint bounding box against a tree of
        the polygons."""
        out = np.zeros(len(polygons), dtype=np.int64)
        if len(polygons) == 0 or len(self.xs) == 0:
            return out
        band = self._in_box(*shapely.total_bounds(polygons).tolist())
        if len(band) == 0:
            return out
        points = shapely.points(self.xs[band], self.ys[band])
        pi, gi = shapely.STRtree(polygons).query(points, predicate="within")
        first = np.unique(pi, return_index=True)[1]
        np.add.at(out, gi[first], 1)
        return out
