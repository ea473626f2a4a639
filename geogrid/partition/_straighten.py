"""Grid boundaries through blocks drawn straight between the buildings (issue 12, item 5).

Cells are Voronoi cells of buildings, so where a grid boundary runs through a block (between
two buildings with no road between them) it zigzags along the cells' edges, one kink per
building: a planner would draw a straight line through the gap. So each stretch of boundary
between two grids, away from the barrier lines, is simplified by a Douglas-Peucker search
under constraints: a shortcut is taken only when it passes no building closer than
``CLEAR_M``, leaves every building on the side it was, and stays inside the two grids. Vertices
on a barrier line (within ``PIN_M``) and the ends of each stretch (where a third grid or the
parent's outline meets it) never move, so a boundary along a road stays on it and only the two
grids change. The land that changes sides holds no building: households, buildings and codes
stay as they were.

The cells are changed with the grids (a cell of a grid loses what the other grid gains; what a
grid gains joins the cell of it that borders it longest), so every grid stays the union of its
cells and a draft editor moving cells keeps the straight lines. A pair whose new boundary would
split a grid or a cell into pieces or make a hole in one, or leave cells not meeting vertex
for vertex, keeps its old boundary, and so does one whose redrawn cells would leave a grid of the level within (a micro
grid, the union of some cells) with a hole or a piece it did not have: the land a grid gains can close a
ring around a neighbour that touched the boundary only there (a tower's own micro grid, say).
The report measures the boundary shares on barriers on the grids as drawn.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import shapely
from numpy.typing import NDArray

from geogrid.partition._geometry import coverage_shape, union_groups

PIN_M: Final = 1.0  # a boundary vertex this close to a barrier line lies on it: it stays
CLEAR_M: Final = 0.5  # a straightened boundary passes no building closer than this
GRID_M: Final = 0.001  # m: what the union of both grids may be widened by to hold a line

IntArray = NDArray[np.int64]
ObjArray = NDArray[np.object_]


class _Obstacles:
    """The buildings (footprints, metric CRS) a boundary may not cross or pass over."""

    def __init__(self, buildings: ObjArray) -> None:
        self.tree = shapely.STRtree(buildings)

    def clear(self, segment: Any) -> bool:
        return len(self.tree.query(segment, predicate="dwithin", distance=CLEAR_M)) == 0

    def empty(self, area: Any) -> bool:
        return len(self.tree.query(area, predicate="intersects")) == 0


def straighten(
    faces: ObjArray,
    grid_of_face: IntArray,
    *,
    buildings: ObjArray,
    lines: ObjArray,
    inner_of_face: IntArray | None = None,
) -> ObjArray:
    """The cells ``faces`` (a coverage of one parent, metric CRS) with the boundaries between
    the grids ``grid_of_face`` straightened inside blocks; a new array, same order.

    ``buildings``: footprints (or points) that must stay whole on their side; ``lines``: the
    barrier lines whose stretches of boundary stay where they are; ``inner_of_face``: the grid
    of the level within (micro) of each face, none of which may gain a hole.
    """
    n = int(grid_of_face.max()) + 1 if len(grid_of_face) else 0
    if n < 2:
        return faces
    out = np.array(faces, dtype=object)
    grids = union_groups(out, grid_of_face, n)
    obstacles = _Obstacles(np.asarray(buildings, dtype=object))
    pins = shapely.STRtree(np.asarray(lines, dtype=object))
    for a, b in _pairs(grids):
        found = _pair(grids[a], grids[b], obstacles, pins)
        if found is not None and _move_cells(
            out, (grid_of_face, inner_of_face), (a, b), grids[a], *found
        ):
            grids[a], grids[b] = found[0]
    return out


def _pairs(grids: ObjArray) -> list[tuple[int, int]]:
    """Neighbouring grids, each pair once, in an order set by where they lie, not by their
    numbers: a stored plan's units (``geogrid.plans.units``) are straightened again from
    grids numbered otherwise, and must come out the same."""
    cent = shapely.centroid(grids)
    xs, ys = np.round(shapely.get_x(cent), 3), np.round(shapely.get_y(cent), 3)
    key = list(zip(np.nan_to_num(xs).tolist(), np.nan_to_num(ys).tolist(), strict=True))
    a_of, b_of = shapely.STRtree(grids).query(grids, predicate="intersects")
    pairs = {
        (a, b) if key[a] <= key[b] else (b, a)
        for a, b in zip(a_of.tolist(), b_of.tolist(), strict=True)
        if a != b
    }
    return sorted(pairs, key=lambda ab: (key[ab[0]], key[ab[1]], ab))


def _pair(
    a: shapely.Geometry, b: shapely.Geometry, obstacles: _Obstacles, pins: shapely.STRtree
) -> tuple[tuple[Any, Any], list[Any]] | None:
    """Grids a and b with their shared boundary straightened, and the new boundary's lines;
    None when nothing moves."""
    shared = shapely.line_merge(shapely.intersection(shapely.boundary(a), shapely.boundary(b)))
    paths = [p for p in shapely.get_parts(shared) if shapely.get_type_id(p) == 1]
    if not paths:
        return None
    union = shapely.union(a, b)
    room = shapely.buffer(union, GRID_M)
    lines: list[Any] = []
    moved = False
    for path in paths:
        coords = shapely.get_coordinates(path)
        kept = _straight(coords, _pinned(coords, pins), room, obstacles)
        moved |= len(kept) < len(coords)
        lines.append(shapely.linestrings(kept))
    if not moved:
        return None
    noded = shapely.node(shapely.union_all([shapely.boundary(union), *lines]))
    pieces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    to_a = [shapely.area(shapely.intersection(p, a)) > 0.5 * shapely.area(p) for p in pieces]
    new_a = shapely.union_all([p for p, x in zip(pieces, to_a, strict=True) if x])
    new_b = shapely.union_all([p for p, x in zip(pieces, to_a, strict=True) if not x])
    same_parts = all(
        coverage_shape(np.asarray([n])) == coverage_shape(np.asarray([o]))
        for n, o in ((new_a, a), (new_b, b))
    )
    area_kept = abs(shapely.area(new_a) + shapely.area(new_b) - shapely.area(union)) < 0.01
    return ((new_a, new_b), lines) if same_parts and area_kept else None


def _pinned(coords: NDArray[np.float64], pins: shapely.STRtree) -> NDArray[np.bool_]:
    """Vertices that stay: both ends, and those on a barrier line."""
    near = pins.query(shapely.points(coords), predicate="dwithin", distance=PIN_M)[0]
    pinned = np.zeros(len(coords), dtype=bool)
    pinned[near] = True
    pinned[[0, -1]] = True
    return pinned


def _straight(
    coords: NDArray[np.float64],
    pinned: NDArray[np.bool_],
    room: shapely.Geometry,
    obstacles: _Obstacles,
) -> NDArray[np.float64]:
    """The path's vertices after the constrained simplification between pinned vertices."""
    at = np.flatnonzero(pinned)
    kept = [coords[:1]]
    for s, e in zip(at[:-1].tolist(), at[1:].tolist(), strict=True):
        kept.append(_simplify(coords[s : e + 1], room, obstacles)[1:])
    return np.vstack(kept)


def _simplify(
    coords: NDArray[np.float64], room: shapely.Geometry, obstacles: _Obstacles
) -> NDArray[np.float64]:
    """Douglas-Peucker from the ends in: a shortcut is kept when ``_allowed``, else the run is
    split at its vertex farthest from the shortcut."""
    if len(coords) <= 2:
        return coords
    if _allowed(coords, room, obstacles):
        return coords[[0, -1]]
    ab = coords[-1] - coords[0]
    rel = coords - coords[0]
    length = float(np.hypot(*ab))
    if length > 0:
        off = np.abs(ab[0] * rel[:, 1] - ab[1] * rel[:, 0]) / length
    else:
        off = np.hypot(rel[:, 0], rel[:, 1])
    k = int(np.argmax(off[1:-1])) + 1
    left, right = (
        _simplify(coords[: k + 1], room, obstacles),
        _simplify(coords[k:], room, obstacles),
    )
    return np.vstack([left[:-1], right])


def _allowed(coords: NDArray[np.float64], room: shapely.Geometry, obstacles: _Obstacles) -> bool:
    """Whether the straight line between the run's ends stays inside both grids, passes every
    building clear, and sweeps over none (the land between run and line changes sides)."""
    segment = shapely.linestrings(coords[[0, -1]])
    if not shapely.covers(room, segment) or not obstacles.clear(segment):
        return False
    ring = shapely.node(shapely.linestrings(np.vstack([coords, coords[:1]])))
    swept = shapely.polygonize(shapely.get_parts(ring))
    return obstacles.empty(swept)


def _move_cells(
    cells: ObjArray,
    labels: tuple[IntArray, IntArray | None],
    pair: tuple[int, int],
    old_a: shapely.Geometry,
    new: tuple[shapely.Geometry, shapely.Geometry],
    lines: list[shapely.Geometry],
) -> bool:
    """Redraw the cells of grids ``pair`` (in place) for their new boundary ``lines`` (grid a
    was ``old_a``): the edges of the cells the land changing sides touches and the new lines
    are noded together and polygonized (so neighbouring cells keep matching vertices); a piece
    stays with its cell unless it changed grid, when it joins the cell of its new grid it
    borders longest. False, and nothing changed, when a cell would be left empty or in
    pieces, or a grid of the level within (``labels[1]``) would gain a hole."""
    grid_of_face, inner_of_face = labels
    both = np.flatnonzero((grid_of_face == pair[0]) | (grid_of_face == pair[1]))
    swept = shapely.symmetric_difference(new[0], old_a)
    mine = both[shapely.intersects(cells[both], swept)]
    if not len(mine):
        return False
    region = shapely.coverage_union_all(cells[mine])
    cut = shapely.intersection(shapely.multilinestrings(lines), region)
    edges = shapely.union_all([*shapely.boundary(cells[mine]).tolist(), cut])
    pieces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.node(edges))))
    inside = shapely.point_on_surface(pieces)
    owner = np.full(len(pieces), -1, dtype=np.int64)
    at_piece, at_cell = shapely.STRtree(cells[mine]).query(inside, predicate="within")
    owner[at_piece] = mine[at_cell]
    grid_now = np.where(shapely.within(inside, new[0]), pair[0], pair[1])
    moving = (owner < 0) | (grid_of_face[np.maximum(owner, 0)] != grid_now)
    owner[moving] = -1
    _adopt(pieces, owner, grid_of_face, grid_now)
    if (owner < 0).any():
        return False
    redrawn = {f: shapely.coverage_union_all(pieces[owner == f]) for f in mine.tolist()}
    if any(
        shapely.is_empty(g) or shapely.get_num_geometries(g) != shapely.get_num_geometries(cells[f])
        for f, g in redrawn.items()
    ):
        return False
    before = {f: cells[f] for f in redrawn}
    for f, g in redrawn.items():
        cells[f] = g
    # a new vertex on an edge shared with a cell left as it was: each grid would still be
    # whole, but a union of some of the cells (a micro grid) would not match its neighbour
    # vertex for vertex
    if not shapely.coverage_is_valid(cells[both]) or _holes_made(cells, before, inner_of_face):
        for f, g in before.items():
            cells[f] = g
        return False
    return True


def _holes_made(cells: ObjArray, before: dict[int, Any], inner_of_face: IntArray | None) -> bool:
    """Whether a grid of the level within, holding a redrawn cell, has more holes or more
    pieces than it had with the cells ``before`` (an empty cell that keeps a sliver of itself
    can lose the edge by which it met the rest of its micro grid: Liechtenstein, 902 m²)."""
    if inner_of_face is None:
        return False
    for m in np.unique(inner_of_face[list(before)]).tolist():
        mine = np.flatnonzero(inner_of_face == m).tolist()
        old = np.asarray([before.get(f, cells[f]) for f in mine], dtype=object)
        parts, holes = coverage_shape(cells[mine])
        old_parts, old_holes = coverage_shape(old)
        if holes > old_holes or parts > old_parts:
            return True
    return False


def _adopt(pieces: ObjArray, owner: IntArray, grid_of_face: IntArray, grid_now: IntArray) -> None:
    """Give each piece without a cell (``owner`` -1) to the cell of its grid it borders
    longest, pieces next to an owned one first (in place; some stay -1 if none borders)."""
    for _ in range(len(pieces)):
        loose = np.flatnonzero(owner < 0)
        owned = np.flatnonzero(owner >= 0)
        if not len(loose) or not len(owned):
            return
        progress = False
        for i in loose.tolist():
            mates = owned[grid_of_face[owner[owned]] == grid_now[i]]
            touch = shapely.length(shapely.intersection(pieces[i], shapely.boundary(pieces[mates])))
            if len(touch) and touch.max() > 0:
                owner[i] = owner[mates[int(np.argmax(touch))]]
                progress = True
        if not progress:
            return
