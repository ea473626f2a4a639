"""Polygon helpers shared by the engine: grouped coverage unions and tiling errors."""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def point_hulls(coords: FloatArray, indices: IntArray, n: int) -> NDArray[np.object_]:
    """The convex hull of the points (rows of ``coords``, metres) of each group 0..n-1;
    ``indices`` gives each point's group, sorted; a group without points gets None.

    The points go in as one line per group, not as a multipoint: shapely builds a multipoint
    of raw coordinates through one Point object per coordinate, 4-25x slower, and a line's
    hull is its vertices' hull. A line needs two vertices, so a lone point is repeated (its
    hull stays a point, of area 0)."""
    lone = np.flatnonzero(np.bincount(indices, minlength=n) == 1)
    if lone.size:
        at = np.searchsorted(indices, lone)
        coords = np.insert(coords, at, coords[at], axis=0)
        indices = np.insert(indices, at, indices[at])
    lines = np.empty(n, dtype=object)
    shapely.linestrings(coords, indices=indices, out=lines)
    return np.asarray(shapely.convex_hull(lines), dtype=object)


def union_groups(geoms: NDArray[np.object_], labels: IntArray, n: int) -> NDArray[np.object_]:
    """The coverage union of the geometries of each label 0..n-1 (they must share edges)."""
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n + 1))
    out = np.empty(n, dtype=object)
    for g in range(n):
        members = geoms[order[bounds[g] : bounds[g + 1]]]
        try:
            out[g] = members[0] if len(members) == 1 else shapely.coverage_union_all(members)
        except shapely.errors.GEOSException:  # edges not meeting vertex to vertex: overlay
            out[g] = shapely.union_all(members)
    bad = np.flatnonzero(~shapely.is_valid(out))
    for g in bad.tolist():  # a coverage union trusts its input; a full union repairs what it cannot
        out[g] = shapely.union_all(shapely.make_valid(geoms[labels == g]))
    return out


def coverage_error(parent: shapely.Geometry, grids: NDArray[np.object_]) -> tuple[float, float]:
    """Gap and overlap area (m²) of ``grids`` against the ``parent`` they should tile.

    Measured with a full overlay union (not a coverage union, which trusts its input).
    """
    if len(grids) == 0:
        return float(shapely.area(parent)), 0.0
    union = shapely.union_all(grids)
    gap = float(shapely.area(shapely.difference(parent, union)))
    outside = float(shapely.area(shapely.difference(union, parent)))
    overlap = float(shapely.area(grids).sum() - shapely.area(union)) + outside
    return gap, max(overlap, 0.0)


def coverage_shape(cells: NDArray[np.object_]) -> tuple[int, int]:
    """Polygons and holes of the union of a coverage's cells (at least one cell)."""
    union = shapely.coverage_union_all(cells) if len(cells) > 1 else cells[0]
    parts = shapely.get_parts(union)
    return len(parts), int(shapely.get_num_interior_rings(parts).sum())


def inner_boundary_length(parent: shapely.Geometry, grids: NDArray[np.object_]) -> float:
    """Length (m, metric CRS) of the boundary between the grids tiling ``parent``: each grid's
    outline counted once from either side, less the parent's own."""
    drawn = float(shapely.length(grids).sum()) - float(shapely.length(parent))
    return max(drawn / 2.0, 0.0)


def convexity(geoms: NDArray[np.object_]) -> NDArray[np.float64]:
    """Area over convex-hull area of each polygon (1 for a convex one, 0 for an empty one)."""
    hull = shapely.area(shapely.convex_hull(geoms))
    return np.divide(shapely.area(geoms), hull, out=np.zeros(len(geoms)), where=hull > 0)


WRAP_SHARE = 0.5  # of a neighbour's area inside a grid's hull, and of its boundary held by it


def wraps_around(geoms: NDArray[np.object_], parents: NDArray[np.object_]) -> list[tuple[int, int]]:
    """Pairs (a, b) of grids of one parent where ``a`` wraps around its neighbour ``b``.

    ``a`` wraps around ``b`` (a U or an L around it) when at least ``WRAP_SHARE`` of b's area
    lies inside a's convex hull and a holds at least ``WRAP_SHARE`` of b's boundary. Metric
    polygons forming a coverage per parent; pairs sorted.
    """
    if len(geoms) < 2:
        return []
    hulls = shapely.convex_hull(geoms)
    a, b = shapely.STRtree(geoms).query(hulls, predicate="intersects")
    keep = (a != b) & (parents[a] == parents[b])
    a, b = a[keep], b[keep]
    inside = _hull_holds_half(hulls[a], geoms[b])
    a, b = a[inside], b[inside]
    if len(a) == 0:
        return []
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))
    )
    held = shared / np.maximum(shapely.length(geoms[b]), 1e-9) >= WRAP_SHARE
    return sorted(zip(a[held].tolist(), b[held].tolist(), strict=True))


_SURE = 1e-6  # relative margin of the shortcuts below: far above the rounding of an area


def _hull_holds_half(hulls: NDArray[np.object_], geoms: NDArray[np.object_]) -> NDArray[np.bool_]:
    """Per pair, whether at least ``WRAP_SHARE`` of ``geoms``' area lies inside ``hulls``:
    ``area(hull ∩ geom) / area(geom) >= WRAP_SHARE``, with the overlay (the dear part) only
    for the pairs the bounding boxes leave open. The overlap of the boxes bounds the area from
    above (a pair far below the share is out), and a polygon inside the hull holds all of it
    (in); either way the answer is the overlay's."""
    real = shapely.area(geoms)
    area = np.maximum(real, 1e-9)
    hb, gb = shapely.bounds(hulls), shapely.bounds(geoms)
    w = np.minimum(hb[:, 2], gb[:, 2]) - np.maximum(hb[:, 0], gb[:, 0])
    h = np.minimum(hb[:, 3], gb[:, 3]) - np.maximum(hb[:, 1], gb[:, 1])
    box = np.maximum(w, 0.0) * np.maximum(h, 0.0)
    out = np.zeros(len(geoms), dtype=bool)
    open_ = np.flatnonzero(box >= WRAP_SHARE * area * (1 - _SURE))
    covered = shapely.covered_by(geoms[open_], hulls[open_]) & (real[open_] >= 1.0)
    out[open_[covered]] = True
    rest = open_[~covered]
    shared = shapely.area(shapely.intersection(hulls[rest], geoms[rest]))
    out[rest] = shared / area[rest] >= WRAP_SHARE
    return out
