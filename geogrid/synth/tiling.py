"""Exact tilings of a polygon into areas of chosen size: capacity-constrained power diagrams.

Sites move by Lloyd steps while their power weights grow or shrink until each cell holds its
target area; the cells are then cut from the polygon along one noded linework, so neighbours share
identical edges (no gap, no overlap) and each cell's stray fragments join a neighbour.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry.base import BaseGeometry

Array = NDArray[np.float64]
GRID = 1e-3  # metres: one snapping grid for every cut, so shared edges are identical


def sample_points(domain: BaseGeometry, *, n: int, rng: np.random.Generator) -> tuple[Array, float]:
    """About ``n`` jittered grid points inside ``domain`` and the area each point stands for."""
    minx, miny, maxx, maxy = domain.bounds
    spacing = float(np.sqrt(domain.area / max(n, 1)))
    xs = np.arange(minx + spacing / 2, maxx, spacing)
    ys = np.arange(miny + spacing / 2, maxy, spacing)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    pts = pts + rng.uniform(-0.4, 0.4, size=pts.shape) * spacing
    shapely.prepare(domain)
    inside = shapely.contains_xy(domain, pts[:, 0], pts[:, 1])
    pts = pts[inside]
    if len(pts) == 0:
        pts = np.array(shapely.get_coordinates(domain.representative_point()))
    return pts, domain.area / len(pts)


def capacity_power(
    points: Array, targets: Array, centers: Array, *, point_area: float, iters: int = 50
) -> tuple[Array, Array]:
    """Sites and power weights whose cells hold about ``targets`` area each (in m²)."""
    centers = np.asarray(centers, dtype=float).copy()
    k = len(centers)
    targets = np.asarray(targets, dtype=float)
    targets = targets / targets.sum() * len(points) * point_area
    weights = np.zeros(k)
    for step in range(iters):
        labels = assign(points, centers, weights)
        held = np.bincount(labels, minlength=k) * point_area
        weights += 0.6 * (targets - held)
        if step < iters - 5:
            counts = np.bincount(labels, minlength=k)
            has = counts > 0
            sx = np.bincount(labels, weights=points[:, 0], minlength=k)
            sy = np.bincount(labels, weights=points[:, 1], minlength=k)
            centers[has, 0] = sx[has] / counts[has]
            centers[has, 1] = sy[has] / counts[has]
    return centers, weights


def assign(points: Array, centers: Array, weights: Array) -> NDArray[np.intp]:
    """The power cell each point falls in."""
    d = ((points[:, None, :] - centers[None, :, :]) ** 2).sum(-1) - weights[None, :]
    return np.asarray(d.argmin(axis=1), dtype=np.intp)


def _clip(poly: Array, normal: Array, offset: float) -> Array:
    """Clip a convex polygon (vertices in order) to the half-plane normal . x <= offset."""
    side = poly @ normal - offset
    out: list[Array] = []
    m = len(poly)
    for i in range(m):
        j = (i + 1) % m
        if side[i] <= 0:
            out.append(poly[i])
        if (side[i] < 0 < side[j]) or (side[j] < 0 < side[i]):
            t = side[i] / (side[i] - side[j])
            out.append(poly[i] + t * (poly[j] - poly[i]))
    return np.array(out) if out else np.empty((0, 2))


def power_cells(centers: Array, weights: Array, bounds: tuple[float, ...]) -> list[BaseGeometry]:
    """The power diagram cells of weighted sites, within a box a little larger than ``bounds``."""
    minx, miny, maxx, maxy = bounds
    pad = max(maxx - minx, maxy - miny)
    box = np.array(
        [
            [minx - pad, miny - pad],
            [maxx + pad, miny - pad],
            [maxx + pad, maxy + pad],
            [minx - pad, maxy + pad],
        ]
    )
    sq = (centers**2).sum(1)
    cells: list[BaseGeometry] = []
    for i in range(len(centers)):
        poly = box
        for j in range(len(centers)):
            if j == i or len(poly) == 0:
                continue
            normal = 2.0 * (centers[j] - centers[i])
            if not normal.any():
                continue
            poly = _clip(poly, normal, sq[j] - sq[i] - weights[j] + weights[i])
        cells.append(shapely.Polygon(poly) if len(poly) >= 3 else shapely.Polygon())
    return cells


def tile(
    domain: BaseGeometry,
    targets: Array,
    centers: Array,
    *,
    rng: np.random.Generator,
    samples_per_cell: int = 60,
) -> list[BaseGeometry]:
    """Cut ``domain`` into one connected area per site, sized by ``targets``, sharing exact edges.

    The largest part of ``domain`` is tiled; stray fragments join the neighbour they share the
    longest edge with, an area far below its target gives its land to a neighbour and takes a
    share of the largest area instead, and other parts (islands) join the nearest area.
    """
    k = len(targets)
    targets = np.asarray(targets, dtype=float)
    if k == 1:
        return [shapely.set_precision(domain, GRID)]
    parts = shapely.get_parts(domain)
    main_i = int(np.argmax(shapely.area(parts)))
    main = parts[main_i]
    points, point_area = sample_points(main, n=samples_per_cell * k, rng=rng)
    centers, weights = capacity_power(points, targets, centers, point_area=point_area)
    faces = faces_of(main, power_cells(centers, weights, main.bounds))
    reps = shapely.get_coordinates(shapely.point_on_surface(faces))
    labels = assign(reps, centers, weights)
    labels = _join_fragments(faces, labels, k)
    labels = _drop_tiny(faces, labels, targets / targets.sum() * main.area)
    polys = [
        shapely.union_all(faces[labels == i], grid_size=GRID)
        if (labels == i).any()
        else shapely.Polygon()
        for i in range(k)
    ]
    polys = _fill_empty(polys, targets, rng)
    islands = np.delete(parts, main_i)
    if len(islands):
        _, nearest = shapely.STRtree(np.array(polys, dtype=object)).query_nearest(
            islands, all_matches=False
        )
        for island, i in zip(islands, nearest, strict=True):
            polys[int(i)] = shapely.union_all([polys[int(i)], island], grid_size=GRID)
    return polys


def _drop_tiny(
    faces: NDArray[np.object_], labels: NDArray[np.intp], target_area: Array
) -> NDArray[np.intp]:
    """Hand the land of areas under a fifth of their target to their longest neighbour."""
    labels = labels.copy()
    left, right, shared = face_adjacency(faces)
    areas = np.bincount(labels, weights=shapely.area(faces), minlength=len(target_area))
    for lab in np.flatnonzero(areas < 0.2 * target_area):
        members = labels == lab
        if not members.any():
            continue
        out_l = members[left] & (labels[right] != lab)
        out_r = members[right] & (labels[left] != lab)
        nb = np.concatenate([labels[right[out_l]], labels[left[out_r]]])
        if len(nb) == 0:
            continue
        ln = np.concatenate([shared[out_l], shared[out_r]])
        labels[members] = int(np.argmax(np.bincount(nb, weights=ln)))
    return labels


def _fill_empty(
    polys: list[BaseGeometry], targets: Array, rng: np.random.Generator
) -> list[BaseGeometry]:
    """Give a site that ended with no land a share of the largest area (cut in two)."""
    for i in range(len(polys)):
        if not polys[i].is_empty:
            continue
        big = int(np.argmax([p.area for p in polys]))
        parts = shapely.get_parts(polys[big])
        main = parts[int(np.argmax(shapely.area(parts)))]
        pts, _ = sample_points(main, n=50, rng=rng)
        if len(pts) < 2:
            continue
        a = pts[0]
        b = pts[int(np.argmax(np.hypot(*(pts - a).T)))]
        halves = tile(polys[big], np.array([targets[big], targets[i]]), np.array([a, b]), rng=rng)
        polys[big], polys[i] = halves
    return polys


def faces_of(domain: BaseGeometry, cells: list[BaseGeometry]) -> NDArray[np.object_]:
    """The faces cut from ``domain`` by the cells' edges, on one snapped, noded linework."""
    edges = shapely.intersection(shapely.boundary(np.array(cells, dtype=object)), domain)
    lines = shapely.union_all([shapely.boundary(domain), *edges], grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    faces = faces[shapely.area(faces) > 0]
    reps = shapely.point_on_surface(faces)
    shapely.prepare(domain)
    return np.asarray(faces[shapely.contains(domain, reps)], dtype=object)


def face_adjacency(faces: NDArray[np.object_]) -> tuple[NDArray[np.intp], NDArray[np.intp], Array]:
    """Pairs of faces sharing an edge (i < j) and the length they share."""
    tree = shapely.STRtree(faces)
    left, right = tree.query(faces, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(faces[left]), shapely.boundary(faces[right]))
    )
    edge = shared > 0
    return left[edge], right[edge], shared[edge]


def _join_fragments(
    faces: NDArray[np.object_], labels: NDArray[np.intp], k: int
) -> NDArray[np.intp]:
    labels = labels.copy()
    left, right, shared = face_adjacency(faces)
    areas = shapely.area(faces)
    n = len(faces)
    for _ in range(20):
        same = labels[left] == labels[right]
        graph = coo_matrix((np.ones(int(same.sum())), (left[same], right[same])), shape=(n, n))
        _, comp = connected_components(graph, directed=False)
        comp_area = np.bincount(comp, weights=areas)
        # the main piece of each label is its largest component
        best: dict[int, int] = {}
        for c in np.argsort(-comp_area, kind="stable"):
            lab = int(labels[np.flatnonzero(comp == c)[0]])
            best.setdefault(lab, int(c))
        stray = [int(c) for c in np.unique(comp) if best[int(labels[comp == c][0])] != c]
        changed = False
        for c in stray:
            members = comp == c
            lab = int(labels[members][0])
            out_l = members[left] & (labels[right] != lab)
            out_r = members[right] & (labels[left] != lab)
            nb = np.concatenate([labels[right[out_l]], labels[left[out_r]]])
            ln = np.concatenate([shared[out_l], shared[out_r]])
            if len(nb) == 0:
                continue  # a separate part of the domain (an island): keep it
            totals = np.bincount(nb, weights=ln, minlength=k)
            labels[members] = int(np.argmax(totals))
            changed = True
        if not changed:
            break
    return labels


def harmonise(polys: list[BaseGeometry], *, grid: float) -> list[BaseGeometry]:
    """Re-cut all areas from one noded linework on a ``grid``, so neighbours share identical
    vertices and every area is valid at that precision."""
    arr = np.array(polys, dtype=object)
    lines = shapely.union_all(shapely.boundary(arr), grid_size=grid)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    faces = faces[shapely.area(faces) > 0]
    reps = shapely.point_on_surface(faces)
    tree = shapely.STRtree(arr)
    face_idx, poly_idx = tree.query(reps, predicate="within")
    owner = np.full(len(faces), -1, dtype=np.intp)
    owner[face_idx[::-1]] = poly_idx[::-1]
    lost = np.flatnonzero(owner < 0)
    if len(lost):
        owner[lost] = tree.query_nearest(reps[lost], all_matches=False)[1]
    # a sliver cut off by snapping joins the neighbour it shares an edge with
    owner = _join_fragments(faces, owner, len(polys))
    return [shapely.union_all(faces[owner == i], grid_size=grid) for i in range(len(polys))]
