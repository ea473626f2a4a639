"""Robust faces of a parent cut by lines: snap-rounded interior, the parent's outline exact.

Lines noded in plain floating point leave faces of 1e-11 m² and rings that pass a hair from a
vertex they do not hold (a cell edge beside a block edge, a road a hair off the parent's edge).
Such necks are valid in metres but cross themselves once reprojected to lon/lat, where a
straight edge bows off its metric course (0.7 mm at 200 m). So the lines inside the parent are
cut into segments of at most SEGMENT_M and snap-rounded to a GRID_M grid (every vertex then lies
at least half a cell from each edge it is not on, far more than such a short segment bows);
every piece within RIM_M of the parent's outline is dropped (the outline is there already) and
each loose end left near the outline is joined to it by a short connector. The outline itself is
never moved, so the faces tile the parent exactly. The grid is a millimetre, not a centimetre:
snapping moves a footprint's ring by up to 0.7 mm, which over the 800 m outline of a large hall
would already leave a square metre of it in a neighbouring cell.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
GRID_M = 0.001  # snap-rounding grid of the lines inside a parent
SEGMENT_M = 50.0  # longest segment of those lines (a longer one bows off its metric course
# by more than the grid in lon/lat: 0.7 mm at 200 m, 2 cm at 1 km)
RIM_M = 0.05  # lines this close to the parent's outline are dropped and their ends joined to it
SLIVER_M2 = 1.0  # a face without a building below this area, or ...
SLIVER_WIDTH_M = 0.1  # ... thinner than this on average, never parts from its neighbour


def faces_of(parent: shapely.Geometry, lines: NDArray[np.object_]) -> NDArray[np.object_]:
    """Faces of ``parent`` cut by ``lines`` (dangling ends cut nothing), tiling it exactly."""
    return faces_and_points(parent, lines)[0]


def faces_and_points(
    parent: shapely.Geometry, lines: NDArray[np.object_]
) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """``faces_of`` and a point on the surface of each face (GEOS ``point_on_surface``)."""
    outline = shapely.boundary(parent)
    inner, connectors = _inner_lines(parent, outline, lines)
    # the inner lines are noded among themselves; only the outline, the connectors and the
    # inner lines they might cross (as near the outline as a loose end) need noding together
    close = near_outline(inner, outline, 2 * RIM_M)
    rim = np.concatenate([[outline], connectors, inner[close]])
    noded = shapely.get_parts(shapely.union_all(rim))
    faces = shapely.get_parts(shapely.polygonize(np.concatenate([inner[~close], noded])))
    faces = faces[shapely.area(faces) > 0]
    points = shapely.point_on_surface(faces)
    inside = shapely.covered_by(points, parent)
    return np.asarray(faces[inside], dtype=object), np.asarray(points[inside], dtype=object)


def _inner_lines(
    parent: shapely.Geometry, outline: shapely.Geometry, lines: NDArray[np.object_]
) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """The lines snap-rounded and kept RIM_M off the outline, and connectors to it."""
    none = np.empty(0, dtype=object)
    lines = np.asarray(lines, dtype=object)
    lines = lines[~shapely.is_empty(lines)] if len(lines) else lines
    if len(lines) == 0:
        return none, none
    lines = shapely.segmentize(lines, SEGMENT_M)
    parts = shapely.get_parts(shapely.union_all(lines, grid_size=GRID_M))
    near = near_outline(parts, outline, RIM_M)
    clipped = shapely.get_parts(shapely.intersection(parts[near], shapely.buffer(parent, -RIM_M)))
    clipped = clipped[np.isin(shapely.get_type_id(clipped), (1, 2))]
    kept = np.concatenate([parts[~near], clipped[shapely.length(clipped) > 0]])
    if len(kept) == 0:
        return none, none
    # loose ends (on one piece only) near the outline: cut off here, or snapped a hair away
    # from it (a line that ended on it), or an end left by a first pass of this function
    # (read from the coordinate array: get_point makes a Point object per end, 8x slower)
    coords, owner = shapely.get_coordinates(kept, return_index=True)
    start = np.searchsorted(owner, np.arange(len(kept)))
    stop = np.r_[start[1:], len(owner)] - 1
    ends, count, _ = unique_xy(np.concatenate([coords[start], coords[stop]]))
    loose = shapely.points(ends[count == 1])
    loose = loose[shapely.distance(loose, outline) < 2 * RIM_M]
    return np.asarray(kept, dtype=object), _connectors(loose, outline)


def near_outline(
    geoms: NDArray[np.object_], outline: shapely.Geometry, distance: float
) -> NDArray[np.bool_]:
    """Whether each geometry lies within ``distance`` of the outline: ``shapely.dwithin``, but
    against an STRtree of the outline's segments. The outline's envelope holds every line
    inside the parent, so GEOS measured each line against all of its segments; the distances
    per pair of segments are the same, and so is the answer."""
    out = np.zeros(len(geoms), dtype=bool)
    if len(geoms) == 0 or shapely.is_empty(outline):
        return out
    coords, part = shapely.get_coordinates(shapely.get_parts(outline), return_index=True)
    same = part[1:] == part[:-1]
    ends = np.stack([coords[:-1][same], coords[1:][same]], axis=1)
    segments = np.asarray(shapely.linestrings(ends), dtype=object)
    hit, _ = shapely.STRtree(segments).query(geoms, predicate="dwithin", distance=distance)
    out[hit] = True
    return out


def unique_xy(xy: FloatArray) -> tuple[FloatArray, IntArray, IntArray]:
    """The distinct rows of an (n, 2) array of coordinates, sorted by x then y, how often each
    occurs, and the distinct row of each input row: ``np.unique(axis=0)``, 6x faster (the rows
    are sorted as complex numbers, whose order is the same, rather than as records)."""
    z = np.ascontiguousarray(xy, dtype=np.float64).view(np.complex128).reshape(-1)
    rows, inverse, count = np.unique(z, return_inverse=True, return_counts=True)
    return rows.view(np.float64).reshape(-1, 2), count, inverse.reshape(-1)


def _connectors(ends: NDArray[np.object_], outline: shapely.Geometry) -> NDArray[np.object_]:
    """A segment from each end to the nearest point of the outline: to its vertex if that is
    within GRID_M (no outline edge shorter than a grid cell is made), else a hair across it,
    so the noder finds the crossing (a point computed on an edge lies a hair off it)."""
    if len(ends) == 0:
        return np.empty(0, dtype=object)
    start = np.unique(shapely.get_coordinates(ends), axis=0)
    target = shapely.get_coordinates(
        shapely.get_point(shapely.shortest_line(shapely.points(start), outline), 1)
    )
    corners = np.unique(shapely.get_coordinates(outline), axis=0)
    _, near = shapely.STRtree(np.asarray(shapely.points(corners), dtype=object)).query_nearest(
        shapely.points(target), all_matches=False
    )
    snap = np.hypot(*(target - corners[near]).T) < GRID_M
    step = target - start
    length = np.maximum(np.hypot(*step.T), 1e-12)[:, None]
    across = target + step / length * (GRID_M / 10)
    target = np.where(snap[:, None], corners[near], across)
    return np.asarray(shapely.linestrings(np.stack([start, target], axis=1)), dtype=object)


def glue_slivers(
    group: IntArray,
    has_building: NDArray[np.bool_],
    own_group: NDArray[np.bool_],
    area: FloatArray,
    perimeter: FloatArray,
    indptr: IntArray,
    indices: IntArray,
    shared: FloatArray,
) -> IntArray:
    """``group`` with each sliver (a face of its own group, with no building, tiny or thin)
    joined to the group of the neighbour it shares the longest edge with: a grid boundary
    then never runs around a sliver, which would leave a neck in the grid."""
    thin = 2 * area / np.maximum(perimeter, 1e-9) < SLIVER_WIDTH_M
    sliver = own_group & ~has_building & ((area < SLIVER_M2) | thin)
    if not sliver.any() or sliver.all():
        return group
    group = group.copy()
    target = np.arange(len(group))
    for u in np.flatnonzero(sliver).tolist():
        lo, hi = indptr[u], indptr[u + 1]
        if hi == lo:
            continue
        nbr, length = indices[lo:hi], shared[lo:hi]
        # a face that is no sliver first, then the longest edge, then the lowest index
        order = np.lexsort((nbr, -length, sliver[nbr]))
        target[u] = nbr[order[0]]
    for u in np.flatnonzero(sliver).tolist():
        seen = {u}
        v = int(target[u])
        while sliver[v] and v not in seen and target[v] != v:
            seen.add(v)
            v = int(target[v])
        group[u] = group[v]
    _, dense = np.unique(group, return_inverse=True)
    return dense.reshape(-1).astype(np.int64)


def detach_crumbs(
    group: IntArray,
    has_building: NDArray[np.bool_],
    area: FloatArray,
    indptr: IntArray,
    indices: IntArray,
    shared: FloatArray,
) -> IntArray:
    """``group`` with each crumb of a group (a run of its faces, below ``SLIVER_M2`` in all,
    without a building, touching no other face of the group) given to the group of the
    neighbour it shares the longest edge with.

    Footprints that overlap their neighbours by a few decimetres (cadastral parcels) cut faces
    that lie in two footprints; such a face joins one of them, and near a corner where four
    parcels meet it can be cut off from the rest of that group by the faces of the others: a
    grid holding the group would then be in two pieces, one of a few square centimetres.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(group)
    if n == 0:
        return group
    src = np.repeat(np.arange(n), np.diff(indptr))
    inner = (group[src] == group[indices]) & (shared > 0)
    graph = coo_matrix((np.ones(int(inner.sum())), (src[inner], indices[inner])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    comp = comp.astype(np.int64)
    parts = np.unique(np.column_stack([group, comp]), axis=0)
    split = np.flatnonzero(np.bincount(parts[:, 0], minlength=n) > 1)
    if len(split) == 0:
        return group
    comp_area = np.bincount(comp, weights=area)
    comp_built = np.bincount(comp, weights=has_building.astype(float)) > 0
    group = group.copy()
    for g in split.tolist():
        mine = parts[parts[:, 0] == g, 1]
        keep = (
            mine[comp_built[mine]] if comp_built[mine].any() else mine[[comp_area[mine].argmax()]]
        )
        for c in mine.tolist():
            if c in keep or comp_area[c] >= SLIVER_M2:
                continue
            faces = np.flatnonzero(comp == c)
            out = np.concatenate([np.arange(indptr[u], indptr[u + 1]) for u in faces.tolist()])
            out = out[comp[indices[out]] != c]
            if len(out) == 0:
                continue
            best = out[np.lexsort((indices[out], -shared[out]))[0]]
            group[faces] = group[indices[best]]
    _, dense = np.unique(group, return_inverse=True)
    return dense.reshape(-1).astype(np.int64)
