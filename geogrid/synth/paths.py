"""Paths inside residential compounds (metric CRS).

Real compounds (小区) have service roads and footways between their rows of buildings, and OSM
maps them (highway=service / footway). A large compound is cut by them into sub-blocks of a few
hundred households; the walkways between the squares of a split superblock are paths too. Each
path runs in a gap between rows or columns of buildings and is carried on to the nearest road,
river, community edge or other path, so it closes its sub-blocks; no path crosses a building.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

Lines = NDArray[np.object_]
SUB_BLOCK_HOUSEHOLDS = 220  # households a sub-block between compound paths aims at
REACH = 45.0  # metres a path end may run on to meet a road, river or other path
_ROW_TOL = 0.5  # metres: building centres of one lattice row share v within this
OVERSHOOT = 0.3  # metres a joined path end runs past the line it meets, so they always cross


def _frame(xy: NDArray[np.float64], angle: float) -> tuple[NDArray[np.float64], ...]:
    c, s = math.cos(angle), math.sin(angle)
    return xy @ np.array([c, s]), xy @ np.array([-s, c])


def _world(u: NDArray[np.float64], v: NDArray[np.float64], angle: float) -> NDArray[np.float64]:
    c, s = math.cos(angle), math.sin(angle)
    return np.column_stack([u * c - v * s, u * s + v * c])


def _segments(at: list[float], lo: float, hi: float, angle: float, *, across: bool) -> Lines:
    """Straight lines at the given u (``across``) or v positions, from ``lo`` to ``hi``."""
    out = []
    for a in at:
        run = np.array([lo, hi])
        u, v = (np.array([a, a]), run) if across else (run, np.array([a, a]))
        out.append(shapely.linestrings(_world(u, v, angle)))
    return np.asarray(out, dtype=object)


def gap_lines(centres: NDArray[np.float64], size: float, angle: float) -> Lines:
    """Centre lines of the gaps between squares of side ``size`` on a lattice (``split``)."""
    if len(centres) == 0:
        return np.empty(0, dtype=object)
    u, v = _frame(centres, angle)
    us, vs = np.unique(np.round(u, 3)), np.unique(np.round(v, 3))
    cuts_u = [float(x) for x in np.concatenate([us - size / 2, us[-1:] + size / 2])]
    cuts_v = [float(x) for x in np.concatenate([vs - size / 2, vs[-1:] + size / 2])]
    return np.concatenate(
        [
            _segments(cuts_u, vs.min() - size, vs.max() + size, angle, across=True),
            _segments(cuts_v, us.min() - size, us.max() + size, angle, across=False),
        ]
    )


def _balanced_cuts(weights: NDArray[np.float64], parts: int) -> list[int]:
    """Gap indices (after row i) that cut ``weights`` into ``parts`` runs of about equal sum."""
    if parts <= 1 or len(weights) <= 1:
        return []
    cum = np.cumsum(weights)[:-1]
    total = float(weights.sum())
    picks = {int(np.argmin(np.abs(cum - total * k / parts))) for k in range(1, parts)}
    return sorted(picks)


def compound_paths(
    compound: BaseGeometry,
    footprints: NDArray[np.object_],
    households: NDArray[np.int64],
    angle: float,
    *,
    target: int = SUB_BLOCK_HOUSEHOLDS,
) -> Lines:
    """Paths between the rows and columns of a compound's lattice of buildings, cutting it
    into sub-blocks of about ``target`` households (clipped to the compound)."""
    total = int(households.sum())
    groups = round(total / target)
    if groups <= 1 or len(footprints) < 2:
        return np.empty(0, dtype=object)
    u, v = _frame(shapely.get_coordinates(shapely.centroid(footprints)), angle)
    rows = np.round(v / _ROW_TOL) * _ROW_TOL
    cols = np.round(u / _ROW_TOL) * _ROW_TOL
    rv, row_of = np.unique(rows, return_inverse=True)
    cu, col_of = np.unique(cols, return_inverse=True)
    span_u = float(cu[-1] - cu[0]) + 1.0
    span_v = float(rv[-1] - rv[0]) + 1.0
    ncol = int(np.clip(round(math.sqrt(groups * span_u / span_v)), 1, len(cu)))
    nrow = int(np.clip(round(groups / ncol), 1, len(rv)))
    hh = households.astype(float) + 1e-3  # empty rows still count a little
    row_hh = np.asarray(np.bincount(row_of.reshape(-1), weights=hh), dtype=np.float64)
    col_hh = np.asarray(np.bincount(col_of.reshape(-1), weights=hh), dtype=np.float64)
    row_cuts = _balanced_cuts(row_hh, nrow)
    col_cuts = _balanced_cuts(col_hh, ncol)
    xy = shapely.get_coordinates(compound)
    cu_all, cv_all = _frame(xy, angle)
    lines = np.concatenate(
        [
            _segments(
                [float(rv[i] + rv[i + 1]) / 2 for i in row_cuts],
                float(cu_all.min()) - 1.0,
                float(cu_all.max()) + 1.0,
                angle,
                across=False,
            ),
            _segments(
                [float(cu[i] + cu[i + 1]) / 2 for i in col_cuts],
                float(cv_all.min()) - 1.0,
                float(cv_all.max()) + 1.0,
                angle,
                across=True,
            ),
        ]
    )
    return _clip(lines, compound)


def _clip(lines: Lines, area: BaseGeometry) -> Lines:
    if len(lines) == 0:
        return lines
    parts = shapely.get_parts(shapely.intersection(lines, area))
    parts = parts[(shapely.get_type_id(parts) == 1) & (shapely.length(parts) > 5.0)]
    return np.asarray(parts, dtype=object)


def connect(
    paths: Lines, others: Lines, footprints: NDArray[np.object_], *, reach: float = REACH
) -> Lines:
    """Carry each loose path end straight on to the nearest other line within ``reach``, and
    keep every path off the buildings."""
    paths = shapely.get_parts(np.asarray(paths, dtype=object))
    paths = paths[(shapely.get_type_id(paths) == 1) & (shapely.length(paths) > 5.0)]
    if len(paths) == 0:
        return paths
    lines = np.concatenate([np.asarray(others, dtype=object), paths])
    base = len(others)
    tree = shapely.STRtree(lines)
    xy = [shapely.get_coordinates(p) for p in paths]
    ends = np.array([[c[0], c[-1]] for c in xy])  # (n, 2 ends, 2)
    back = np.array([[c[1], c[-2]] for c in xy])
    step = ends - back
    step /= np.maximum(np.linalg.norm(step, axis=2, keepdims=True), 1e-9)
    owner = np.repeat(np.arange(len(paths)), 2) + base
    start = ends.reshape(-1, 2)
    points: Lines = np.asarray(shapely.points(start), dtype=object)
    pi, li = tree.query(points, predicate="dwithin", distance=0.01)
    joined = np.zeros(len(points), dtype=np.bool_)
    joined[pi[li != owner[pi]]] = True
    rays: Lines = np.asarray(
        shapely.linestrings(np.stack([start, start + step.reshape(-1, 2) * reach], axis=1)),
        dtype=object,
    )
    ri, lj = tree.query(rays, predicate="intersects")
    keep = (lj != owner[ri]) & ~joined[ri]
    ri, lj = ri[keep], lj[keep]
    hit = shapely.intersection(rays[ri], lines[lj])
    pts, which = shapely.get_coordinates(hit, return_index=True)
    dist = np.hypot(*(pts - start[ri[which]]).T)
    best = np.full(len(points), np.inf)
    ok = dist > 0.01
    np.minimum.at(best, ri[which[ok]], dist[ok] + OVERSHOOT)
    grown = []
    for k, coords in enumerate(xy):
        head, tail = best[2 * k], best[2 * k + 1]
        run = coords
        if np.isfinite(head):
            run = np.vstack([start[2 * k] + step[k, 0] * head, run])
        if np.isfinite(tail):
            run = np.vstack([run, start[2 * k + 1] + step[k, 1] * tail])
        grown.append(shapely.linestrings(run))
    out = np.asarray(grown, dtype=object)
    return _off_buildings(out, footprints)


def _off_buildings(lines: Lines, footprints: NDArray[np.object_]) -> Lines:
    """Lines with any stretch over a building (and a metre around it) cut out."""
    if len(footprints) == 0 or len(lines) == 0:
        return lines
    li, _ = shapely.STRtree(footprints).query(lines, predicate="intersects")
    bad = np.unique(li)
    if len(bad) == 0:
        return lines
    cover = shapely.union_all(shapely.buffer(footprints, 1.0, quad_segs=2))
    fixed = shapely.get_parts(shapely.difference(lines[bad], cover))
    fixed = fixed[(shapely.get_type_id(fixed) == 1) & (shapely.length(fixed) > 5.0)]
    return np.concatenate([np.delete(lines, bad), fixed])


def community_paths(
    arrays: dict[str, np.ndarray],
    compounds: list[BaseGeometry],
    walkways: list[BaseGeometry],
    *,
    angle: float,
    others: Lines,
) -> Lines:
    """Every path of one community: walkways of split superblocks and compound paths, joined
    to ``others`` (its roads, rivers and edge)."""
    raw: list[BaseGeometry] = list(walkways)
    for c, poly in enumerate(compounds):
        sel = arrays["compound"] == c
        raw.extend(compound_paths(poly, arrays["geometry"][sel], arrays["households"][sel], angle))
    if not raw:
        return np.empty(0, dtype=object)
    return connect(np.asarray(raw, dtype=object), others, arrays["geometry"])
