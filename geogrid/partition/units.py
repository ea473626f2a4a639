"""Units: the cells of one parent that grids are built from, and the graph between them.

A parent is first cut into blocks by its barrier lines (roads, waterways, railways), then each
block into one Voronoi cell per building. All edges are noded together and polygonized, so the
cells tile the parent exactly with matching vertices (a valid coverage): grids are then exact
coverage unions of cells, and cell edges on block boundaries lie on barrier lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geogrid.partition._empty_land import LARGE_M2, empty_land_lines
from geogrid.partition._linework import (
    detach_crumbs,
    faces_and_points,
    faces_of,
    glue_slivers,
    unique_xy,
)
from geogrid.partition.barriers import CLASSES

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
_MM = 1000.0  # coordinates are hashed at millimetre precision to match shared edges
ON_BARRIER_M = 1.0  # a cell edge this close to a barrier line lies on it


@dataclass
class Units:
    """The cells of one parent (metric CRS) and their adjacency (CSR, both directions)."""

    geoms: NDArray[np.object_]
    households: IntArray
    buildings: IntArray
    block: IntArray
    compound: IntArray
    area: FloatArray
    outer: FloatArray
    x: FloatArray
    y: FloatArray
    indptr: IntArray
    indices: IntArray
    shared: FloatArray
    barrier: NDArray[np.bool_]  # the edge lies mostly on a barrier line
    building_unit: IntArray
    group: IntArray
    shared_barrier: FloatArray | None = None  # length of each edge on a barrier line
    shared_by_class: FloatArray | None = None  # (edges, classes): length on each barrier class
    open_land: NDArray[np.bool_] | None = None  # a piece of large empty land (``_empty_land``)

    @property
    def on_barrier(self) -> FloatArray:
        """Length of each shared edge that lies on a barrier line."""
        if self.shared_barrier is None:
            return np.where(self.barrier, self.shared, 0.0)
        return self.shared_barrier

    def edge_cost(self, barrier_cost: float) -> FloatArray:
        """What cutting each edge costs: its length, a barrier stretch at ``barrier_cost``."""
        on = self.on_barrier
        return self.shared - on + barrier_cost * on

    def class_cost(self, costs: FloatArray) -> FloatArray:
        """What cutting each edge costs: its length, a stretch on a barrier of class c at
        ``costs[c]`` per metre (see :mod:`geogrid.partition.barriers`)."""
        if self.shared_by_class is None:
            return self.edge_cost(float(costs[len(costs) // 2]))
        on = self.shared_by_class
        return self.shared - on.sum(axis=1) + on @ costs

    @property
    def n(self) -> int:
        return len(self.geoms)

    @property
    def perimeter(self) -> FloatArray:
        """Outer length plus every shared edge: the cell's own perimeter."""
        per_edge = np.add.reduceat(self.shared, self.indptr[:-1]) if len(self.shared) else None
        inner = np.zeros(self.n)
        if per_edge is not None:
            has = np.diff(self.indptr) > 0
            inner[has] = per_edge[has]
        return self.outer + inner


def build_units(
    parent: shapely.Geometry,
    points: NDArray[np.object_],
    households: IntArray,
    compound: IntArray,
    lines: NDArray[np.object_],
    footprints: NDArray[np.object_] | None = None,
    line_class: IntArray | None = None,
) -> Units:
    """Faces of ``parent`` and the building group of each (metric CRS).

    Parameters
    ----------
    parent
        The parent polygon.
    points
        One point inside each building footprint (the cell generator).
    households, compound
        Per building: household count and compound index (-1 for none).
    lines
        Barrier lines near the parent.
    footprints
        Building footprints. One that reaches out of its cell is added to the linework and
        all its faces join its building's group, so no grid ever cuts a building.
    line_class
        Barrier class of each line (index into ``barriers.CLASSES``; all ``secondary`` when
        None): the edges on each class are measured apart.
    """
    classes = np.full(len(lines), 1, dtype=np.int64) if line_class is None else line_class
    clipped_lines = shapely.intersection(lines, parent) if len(lines) else lines
    inside = ~shapely.is_empty(clipped_lines) if len(lines) else np.zeros(0, dtype=bool)
    clipped_lines = np.asarray(clipped_lines[inside], dtype=object)
    blocks = faces_of(parent, clipped_lines)  # the faces the barrier lines cut
    pblock = _locate(points, blocks)
    key, bgroup = _dedupe(points, pblock)
    cells, rows = _voronoi_cells(key, blocks)
    cell_block = blocks[key[rows, 0].astype(np.int64)]
    clipped = shapely.intersection(cells, cell_block)
    edges = [shapely.boundary(blocks), shapely.boundary(clipped)]
    land, land_foot = _land_regions(blocks, key, rows, clipped, bgroup, points, footprints, pblock)
    edges.append(empty_land_lines(land, land_foot))
    crossing = np.zeros(len(points), dtype=bool)
    if footprints is not None and len(points):
        # a building's own area: its clipped cell, or its block / the parent if alone there
        own = np.asarray(
            blocks[pblock.clip(0)] if len(blocks) else [parent] * len(points), dtype=object
        )
        own[pblock < 0] = parent
        cell_of = np.full(len(key), -1, dtype=np.int64)
        cell_of[rows] = np.arange(len(rows))
        has_cell = cell_of[bgroup] >= 0
        own[has_cell] = clipped[cell_of[bgroup[has_cell]]]
        crossing = ~shapely.covered_by(footprints, own)
        if crossing.any():
            edges.append(shapely.intersection(shapely.boundary(footprints[crossing]), parent))
    faces, reps = _sorted(
        *faces_and_points(parent, np.concatenate([np.atleast_1d(e) for e in edges]))
    )
    n = len(faces)
    building_unit = _nearest_fallback(points, faces, _locate(points, faces))
    group = _groups(n, building_unit, bgroup, len(key), reps, footprints, crossing)
    hh = np.bincount(building_unit, weights=households, minlength=n).astype(np.int64)
    nb = np.bincount(building_unit, minlength=n).astype(np.int64)
    ucomp = np.full(n, -1, dtype=np.int64)
    has = compound >= 0
    ucomp[building_unit[has]] = compound[has]
    indptr, indices, shared, outer, on_class = _adjacency(faces, clipped_lines, classes[inside])
    on = on_class.sum(axis=1)
    area = shapely.area(faces)
    group = detach_crumbs(group, nb > 0, area, indptr, indices, shared)
    alone = np.bincount(group, minlength=n)[group] == 1
    group = glue_slivers(group, nb > 0, alone, area, shapely.length(faces), indptr, indices, shared)
    unit_block = _locate(reps, blocks)
    open_land = (nb == 0) & (_locate(reps, land) >= 0)
    cent = shapely.centroid(faces)
    return Units(
        geoms=faces,
        households=hh,
        buildings=nb,
        block=unit_block,
        compound=ucomp,
        area=area,
        outer=outer,
        x=shapely.get_x(cent),
        y=shapely.get_y(cent),
        indptr=indptr,
        indices=indices,
        shared=shared,
        barrier=on > 0.5 * shared,
        building_unit=building_unit,
        group=group,
        shared_barrier=on,
        shared_by_class=on_class,
        open_land=open_land,
    )


def _land_regions(
    blocks: NDArray[np.object_],
    key: FloatArray,
    rows: IntArray,
    cells: NDArray[np.object_],
    bgroup: IntArray,
    points: NDArray[np.object_],
    footprints: NDArray[np.object_] | None,
    pblock: IntArray,
) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """The regions larger than ``LARGE_M2`` that one building reaches over (its clipped cell,
    or the block it has alone) or no building holds (a block without one), and the
    footprints of each region's building (None for none)."""
    gen_block = key[:, 0].astype(np.int64)
    counts = np.bincount(gen_block[gen_block >= 0], minlength=len(blocks))
    alone = np.flatnonzero(counts == 1)
    gen_alone = np.full(len(blocks), -1, dtype=np.int64)
    has = gen_block >= 0
    gen_alone[gen_block[has]] = np.flatnonzero(has)
    regions = np.concatenate([cells, blocks[alone], blocks[counts == 0]])
    gens = np.concatenate([rows, gen_alone[alone], np.full(int((counts == 0).sum()), -1)])
    big = shapely.area(regions) > LARGE_M2
    regions, gens = regions[big], gens[big].astype(np.int64)
    shapes = footprints if footprints is not None else points
    inside = pblock >= 0
    foot = np.empty(len(regions), dtype=object)
    for i, g in enumerate(gens.tolist()):
        if g >= 0:
            foot[i] = shapely.union_all(shapes[inside & (bgroup == g)])
    return np.asarray(regions, dtype=object), foot


def _groups(
    n: int,
    building_unit: IntArray,
    bgroup: IntArray,
    ngen: int,
    reps: NDArray[np.object_],
    footprints: NDArray[np.object_] | None,
    crossing: NDArray[np.bool_],
) -> IntArray:
    """Group of each face: its generator's, the crossing footprint's it lies in, or its own."""
    group = np.full(n, -1, dtype=np.int64)
    group[building_unit] = bgroup
    if footprints is not None and crossing.any():
        idx = np.flatnonzero(crossing)
        fi, bi = shapely.STRtree(footprints[idx]).query(reps, predicate="within")
        claim = bgroup[idx[bi]]
        # a face two footprints overlap on binds both buildings into one group: given to one
        # alone, the other's footprint was cut by a grid boundary whenever they parted (which
        # one got it followed the input order)
        by_face = np.lexsort((claim, fi))
        fi, claim = fi[by_face], claim[by_face]
        lead = claim[np.searchsorted(fi, fi)]  # the face's first claim
        link = csr_matrix((np.ones(len(fi)), (claim, lead)), shape=(ngen, ngen))
        _, joined = connected_components(link, directed=False)
        group[building_unit] = joined[bgroup]
        group[fi] = joined[claim]
    frag = np.flatnonzero(group < 0)
    group[frag] = ngen + np.arange(len(frag))
    _, dense = np.unique(group, return_inverse=True)
    return dense.reshape(-1).astype(np.int64)


def _dedupe(points: NDArray[np.object_], pblock: IntArray) -> tuple[FloatArray, IntArray]:
    """Distinct (block, x, y) generators and each building's index among them."""
    xy = np.round(shapely.get_coordinates(points), 3) if len(points) else np.zeros((0, 2))
    keyed = np.column_stack([pblock.astype(float), xy])
    key, inv = np.unique(keyed, axis=0, return_inverse=True)
    return key, inv.reshape(-1).astype(np.int64)


def _voronoi_cells(
    key: FloatArray, blocks: NDArray[np.object_]
) -> tuple[NDArray[np.object_], IntArray]:
    """Voronoi cells of the generators of each block holding two or more, and their key rows."""
    blk = key[:, 0].astype(np.int64)
    counts = np.bincount(blk[blk >= 0], minlength=len(blocks))
    multi = np.flatnonzero(counts >= 2)
    rows = np.flatnonzero((blk >= 0) & np.isin(blk, multi))
    if len(rows) == 0:
        return np.empty(0, dtype=object), rows.astype(np.int64)
    mp = shapely.multipoints(key[rows, 1:], indices=np.searchsorted(multi, blk[rows]))
    vor = shapely.voronoi_polygons(mp, extend_to=blocks[multi], ordered=True)
    # rows are sorted by block, and ordered=True keeps the input order within each block
    return np.asarray(shapely.get_parts(vor), dtype=object), rows.astype(np.int64)


def _sorted(
    faces: NDArray[np.object_], points: NDArray[np.object_]
) -> tuple[NDArray[np.object_], NDArray[np.object_]]:
    """A canonical order (north to south, west to east) of the faces and their points on
    surface, so results do not depend on GEOS order."""
    order = np.lexsort((np.round(shapely.get_x(points), 3), -np.round(shapely.get_y(points), 3)))
    return np.asarray(faces[order], dtype=object), np.asarray(points[order], dtype=object)


def _locate(points: NDArray[np.object_], polys: NDArray[np.object_]) -> IntArray:
    """Index of the polygon holding each point (the lowest on ties), -1 where none does."""
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0 or len(polys) == 0:
        return out
    pi, gi = shapely.STRtree(polys).query(points, predicate="intersects")
    order = np.lexsort((gi, pi))
    pi, gi = pi[order], gi[order]
    first = np.r_[True, pi[1:] != pi[:-1]]
    out[pi[first]] = gi[first]
    return out


def _nearest_fallback(
    points: NDArray[np.object_], polys: NDArray[np.object_], found: IntArray
) -> IntArray:
    missing = np.flatnonzero(found < 0)
    if len(missing):
        _, gi = shapely.STRtree(polys).query_nearest(points[missing], all_matches=False)
        found = found.copy()
        found[missing] = gi
    return found


def _adjacency(
    faces: NDArray[np.object_], lines: NDArray[np.object_], classes: IntArray
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
    """Shared edge lengths between faces of a noded coverage, by hashing their segments, and
    how much of each lies on a barrier line of each class (both ends within ``ON_BARRIER_M``
    of one; a stretch near lines of two classes counts for the more important)."""
    n = len(faces)
    rings, ring_face = shapely.get_rings(faces, return_index=True)
    xy, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[1:] == ring_of[:-1]
    a, b = xy[:-1][same], xy[1:][same]
    face = ring_face[ring_of[:-1][same]]
    length = np.hypot(*(b - a).T)
    ka, kb = np.round(a * _MM).astype(np.int64), np.round(b * _MM).astype(np.int64)
    swap = (ka[:, 0] > kb[:, 0]) | ((ka[:, 0] == kb[:, 0]) & (ka[:, 1] > kb[:, 1]))
    lo = np.where(swap[:, None], kb, ka)
    hi = np.where(swap[:, None], ka, kb)
    keys = np.column_stack([lo, hi])
    order = np.lexsort(keys.T[::-1])
    keys, face, length = keys[order], face[order], length[order]
    dup = np.all(keys[1:] == keys[:-1], axis=1)
    first = np.flatnonzero(dup)
    fa, fb, ln = face[first], face[first + 1], length[first]
    ncls = len(CLASSES)
    onb = np.zeros((len(ln), ncls))
    free = np.ones(len(ln), dtype=bool)
    near_class = _on_lines(keys[first] / _MM, lines, classes, ncls)
    for c in range(ncls):  # most important class first
        near = near_class[:, c] & free
        onb[:, c] = ln * near
        free &= ~near
    paired = np.zeros(len(keys), dtype=bool)
    paired[first] = True
    paired[first + 1] = True
    outer = np.bincount(face[~paired], weights=length[~paired], minlength=n)
    keep = fa != fb
    fa, fb, ln, onb = fa[keep], fb[keep], ln[keep], onb[keep]
    src = np.concatenate([fa, fb])
    dst = np.concatenate([fb, fa])
    pair = src * n + dst
    upair, inv = np.unique(pair, return_inverse=True)
    inv = inv.reshape(-1)
    shared = np.bincount(inv, weights=np.concatenate([ln, ln]))
    both = np.concatenate([onb, onb])
    on = np.column_stack(
        [np.bincount(inv, weights=both[:, c], minlength=len(upair)) for c in range(ncls)]
    ).reshape(len(upair), ncls)
    on = np.minimum(on, shared[:, None])
    usrc, udst = upair // n, upair % n
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, usrc + 1, 1)
    return (
        np.cumsum(indptr),
        udst.astype(np.int64),
        shared.astype(float),
        outer.astype(float),
        on.astype(float),
    )


def _on_lines(
    segments: FloatArray, lines: NDArray[np.object_], classes: IntArray, ncls: int
) -> NDArray[np.bool_]:
    """Per segment (x0, y0, x1, y1) and class: whether both its ends and its midpoint lie
    within ``ON_BARRIER_M`` of a line of that class.

    One query of every distinct segment end against all lines, then of the midpoints of the
    segments whose ends are both near one class (most are near none): the segments of a ring
    share their ends, so each end is looked up once, not twice per class.
    """
    out = np.zeros((len(segments), ncls), dtype=bool)
    if len(lines) == 0 or len(segments) == 0:
        return out
    tree = shapely.STRtree(lines)
    ends, _, inv = unique_xy(np.concatenate([segments[:, 0:2], segments[:, 2:4]]))
    near_end = _near(tree, classes, ends, ncls)
    both = near_end[inv[: len(segments)]] & near_end[inv[len(segments) :]]
    idx = np.flatnonzero(both.any(axis=1))
    mid = (segments[idx, 0:2] + segments[idx, 2:4]) / 2
    out[idx] = both[idx] & _near(tree, classes, mid, ncls)
    return out


def _near(tree: shapely.STRtree, classes: IntArray, xy: FloatArray, ncls: int) -> NDArray[np.bool_]:
    """Per point and class: whether a line of that class lies within ``ON_BARRIER_M``."""
    out = np.zeros((len(xy), ncls), dtype=bool)
    if len(xy):
        pi, li = tree.query(shapely.points(xy), predicate="dwithin", distance=ON_BARRIER_M)
        out[pi, classes[li]] = True
    return out
