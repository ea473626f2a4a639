"""Vectorised rectangles and rotated lattices (metric CRS)."""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geogrid.synth.tiling import Array

_CORNERS = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])


def rectangles(
    centers: Array, width: Array | float, depth: Array | float, angle: Array | float
) -> NDArray[np.object_]:
    """Rectangles of ``width`` x ``depth`` metres centred on ``centers``, turned by ``angle``."""
    n = len(centers)
    width = np.broadcast_to(np.asarray(width, dtype=float), (n,))
    depth = np.broadcast_to(np.asarray(depth, dtype=float), (n,))
    angle = np.broadcast_to(np.asarray(angle, dtype=float), (n,))
    local = _CORNERS[None, :, :] * np.stack([width, depth], axis=1)[:, None, :]
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = centers[:, 0:1] + local[:, :, 0] * c - local[:, :, 1] * s
    y = centers[:, 1:2] + local[:, :, 0] * s + local[:, :, 1] * c
    coords = np.round(np.stack([x, y], axis=2), 3)
    return np.asarray(shapely.polygons(coords), dtype=object)


def lattice(
    area: BaseGeometry, *, angle: float, dx: float, dy: float, rng: np.random.Generator
) -> Array:
    """Points of a grid turned by ``angle`` (spacing dx along, dy across) over ``area``'s extent."""
    xy = shapely.get_coordinates(area)
    if len(xy) == 0:
        return np.empty((0, 2))
    c, s = np.cos(angle), np.sin(angle)
    u = xy @ np.array([c, s])
    v = xy @ np.array([-s, c])
    us = np.arange(u.min() + dx * rng.uniform(0.3, 0.7), u.max(), dx)
    vs = np.arange(v.min() + dy * rng.uniform(0.3, 0.7), v.max(), dy)
    mu, mv = np.meshgrid(us, vs)
    gu, gv = mu.ravel(), mv.ravel()
    return np.column_stack([gu * c - gv * s, gu * s + gv * c])


def fit(area: BaseGeometry, shapes: NDArray[np.object_]) -> NDArray[np.bool_]:
    """Which shapes lie wholly inside ``area``."""
    if len(shapes) == 0:
        return np.zeros(0, dtype=bool)
    shapely.prepare(area)
    return np.asarray(shapely.contains(area, shapes), dtype=bool)


def split(
    area: BaseGeometry, *, angle: float, size: float, gap: float, rng: np.random.Generator
) -> tuple[NDArray[np.object_], Array]:
    """Cut ``area`` into squares of about ``size`` metres separated by ``gap`` (paths, walls);
    also the squares' centres."""
    # a lattice over the grown extent, so the area's edges are covered too
    pad = lattice(area.buffer(size), angle=angle, dx=size, dy=size, rng=rng)
    if len(pad) == 0:
        return np.asarray([area], dtype=object), pad
    cells = rectangles(pad, size - gap, size - gap, angle)
    tree = shapely.STRtree(cells)
    hit = np.sort(tree.query(area, predicate="intersects"))
    pieces = shapely.get_parts(shapely.intersection(cells[hit], area))
    pieces = pieces[shapely.get_type_id(pieces) == 3]
    return np.asarray(pieces, dtype=object), pad
