"""A corridor from an enclosed grid out through the grid around it, drawn between the buildings.

A building with more households than the band is a grid alone (issue: "its own grid"). Where
it stands in a block whose every way out crosses other buildings' land, its grid is ringed by
one neighbour P: a hole in P. The cells are whole buildings' land (``units``), so no chain of
P's cells can go to it (``_holes`` refuses to give an over-band building other buildings).
A planner draws the tower's grid out through the gap between the buildings instead; so here,
once the cells are final (after ``_straighten``), a strip ``CORRIDOR_M`` wide is cut from P's
cells along the shortest path on their edges (the Voronoi edges, midway between buildings)
from the hole's ring to P's outer ring, and joined to the enclosed grid's cell it borders
longest. No household or building moves; the strip keeps ``CLEAR_M`` off every building.

Detection is geometric and generic: any grid whose polygon has a hole holding other cells of
its own parent (a parent's own hole holds no cell) gets a corridor, whatever the grid inside.
A path is taken only if every cell stays one polygon, no grid of either level gains a piece or
a hole, and the cells stay a valid coverage; else the next path (its offending edges barred),
``TRIES`` at most. What cannot be opened is returned, for the caller to merge (``_holes``).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from typing import Any, Final, Literal, cast

import numpy as np
import shapely
from numpy.typing import NDArray

from geogrid.partition._geometry import coverage_shape, union_groups

CORRIDOR_M: Final = 1.0  # width of the strip given to the enclosed grid (m)
CLEAR_M: Final = 0.5  # the strip passes no building of the grid around closer than this (m)
TRIES: Final = 8  # paths tried per enclave
Cap = Literal["flat", "square", "round"]
CAPS: Final[tuple[Cap, ...]] = (
    "flat",
    "square",
)  # ends of the strip tried on each path, cleanest first
INNER_M: Final = 1e4  # added per edge inside one grid of the level within: it would cut it
_ON_M: Final = 1e-6  # a vertex this close to a ring lies on it (cells share exact vertices)

IntArray = NDArray[np.int64]
ObjArray = NDArray[np.object_]
Key = tuple[float, float]
Edge = tuple[Key, Key]


@dataclass(frozen=True)
class Enclosed:
    """A grid ``outer`` of ``level`` ringing the grids ``inner`` (labels as given)."""

    level: str  # "basic" or "micro"
    outer: int
    inner: tuple[int, ...]


@dataclass(frozen=True)
class _Hole:
    outer: int
    ring: shapely.Geometry  # the hole's ring (LinearRing)
    area: shapely.Polygon  # the hole as a polygon
    shell: shapely.Geometry  # the exterior ring of the part of ``outer`` around it
    faces: IntArray  # the cells inside the hole


def carve_corridors(
    cells: ObjArray,
    basic_of_face: IntArray,
    micro_of_face: IntArray,
    buildings: ObjArray,
) -> tuple[ObjArray, list[Enclosed]]:
    """The cells (a coverage of one parent, metric CRS) with a corridor cut to every grid that
    one other grid of its level encloses, basic grids first, then micro grids within each
    basic grid; a new array, same order; and the enclosures no corridor could open.

    ``buildings``: footprints (or points), none of which a strip may come near. Grids are
    numbered as the caller likes: enclaves are taken in the order of where they lie, so a
    stored plan's rebuilt cells (``geogrid.plans.units``) come out the same.
    """
    out = np.array(cells, dtype=object)
    tree = shapely.STRtree(np.asarray(buildings, dtype=object))
    left: list[Enclosed] = []
    # dense numbers: a stored plan numbers its micro grids across all parents
    ids, dense = [], []
    for labels in (basic_of_face, micro_of_face):
        used, inverse = np.unique(labels, return_inverse=True)
        ids.append(used)
        dense.append(inverse.reshape(-1).astype(np.int64))
    basic, micro = dense
    for level, labels, within, used in (
        ("basic", basic, None, ids[0]),
        ("micro", micro, basic, ids[1]),
    ):
        failed: set[tuple[int, tuple[int, ...]]] = set()
        while True:
            holes = [h for h in _holes(out, labels, within) if _name(labels, h) not in failed]
            if not holes:
                break
            hole = holes[0]
            inner = basic if within is not None else micro
            if not _open(out, (labels, inner), hole, tree, penalise=within is None):
                outer, enclosed = _name(labels, hole)
                failed.add((outer, enclosed))
                left.append(
                    Enclosed(level, int(used[outer]), tuple(int(used[i]) for i in enclosed))
                )
    return out, left


def _name(labels: IntArray, hole: _Hole) -> tuple[int, tuple[int, ...]]:
    return hole.outer, tuple(np.unique(labels[hole.faces]).tolist())


def _holes(cells: ObjArray, labels: IntArray, within: IntArray | None) -> list[_Hole]:
    """Holes of the grids ``labels`` that hold cells (of the same grid of ``within``, when
    given), in the order of where they lie."""
    n = int(labels.max()) + 1 if len(labels) else 0
    if n < 2:
        return []
    grids = union_groups(cells, labels, n)
    parts, grid_of_part = shapely.get_parts(grids, return_index=True)
    rings = shapely.get_num_interior_rings(parts)
    if not rings.any():
        return []
    reps = shapely.STRtree(shapely.point_on_surface(cells))
    found: list[tuple[Key, _Hole]] = []
    for i in np.flatnonzero(rings > 0).tolist():
        g = int(grid_of_part[i])
        for r in range(int(rings[i])):
            ring = shapely.get_interior_ring(parts[i], r)
            area = shapely.Polygon(cast(shapely.LinearRing, ring))
            faces = np.sort(reps.query(area, predicate="contains"))
            if not len(faces) or (labels[faces] == g).any():
                continue
            if within is not None:
                home = within[np.flatnonzero(labels == g)[0]]
                if (within[faces] != home).any():
                    continue  # a grid of another basic grid: the basic level's enclave
            at = shapely.get_coordinates(shapely.point_on_surface(area))[0]
            key = (round(float(at[0]), 3), round(float(at[1]), 3))
            found.append((key, _Hole(g, ring, area, shapely.get_exterior_ring(parts[i]), faces)))
    found.sort(key=lambda kh: kh[0])
    return [h for _, h in found]


def _open(
    cells: ObjArray,
    levels: tuple[IntArray, IntArray],
    hole: _Hole,
    tree: shapely.STRtree,
    *,
    penalise: bool,
) -> bool:
    """Cut the corridor for ``hole`` in place; False, the cells as they were, if none holds.

    ``levels``: the grids of the level and of the other one, none of which may gain a piece
    or a hole (the micro grids a basic corridor crosses, the basic grid a micro corridor stays
    within); ``penalise``: the other level is within (micro), so a path between two of its
    grids is preferred to one through one of them (which would cut it in two)."""
    labels, inner = levels
    mine = np.flatnonzero(labels == hole.outer)
    others = tree.query(hole.area, predicate="intersects")
    enclosed = np.zeros(len(tree.geometries), dtype=bool)
    enclosed[others] = True
    graph = _EdgeGraph(cells, mine, inner if penalise else None)
    graph.bar_near(tree, ~enclosed)
    barred: set[Edge] = set()
    for _ in range(TRIES):
        path = graph.shortest(hole.ring, hole.shell, barred)
        if path is None:
            return False
        culprits: set[int] = set()
        for cap in CAPS:
            found = _cut(cells, levels, hole, strip_along(path, cap), (tree, enclosed))
            if found is None:
                return True
            culprits |= found
        edges = list(itertools.pairwise(path))
        near = [e for e in edges if graph.faces[_edge(*e)] & culprits]
        barred.update(_edge(*e) for e in (near or edges))
    return False


class _EdgeGraph:
    """The edges shared by two cells of one grid (its inside), weighted by length, an edge
    inside one grid of the level within at ``INNER_M`` more."""

    def __init__(self, cells: ObjArray, mine: IntArray, inner: IntArray | None) -> None:
        self.faces: dict[Edge, set[int]] = {}
        for f in mine.tolist():
            for ring in _rings(cells[f]):
                xy = shapely.get_coordinates(ring)
                for a, b in zip(xy[:-1].tolist(), xy[1:].tolist(), strict=True):
                    self.faces.setdefault(_edge(tuple(a), tuple(b)), set()).add(f)
        self.cost: dict[Edge, float] = {}
        for e, fs in self.faces.items():
            if len(fs) == 2:
                f, g = sorted(fs)
                length = float(np.hypot(e[1][0] - e[0][0], e[1][1] - e[0][1]))
                cut = inner is not None and inner[f] == inner[g]
                self.cost[e] = length + (INNER_M if cut else 0.0)

    def bar_near(self, tree: shapely.STRtree, counts: NDArray[np.bool_]) -> None:
        """Drop the edges passing a building (``counts``) closer than the strip may."""
        if not self.cost:
            return
        keys = sorted(self.cost)
        lines = shapely.linestrings(np.asarray(keys, dtype=np.float64))
        at, b = tree.query(lines, predicate="dwithin", distance=CORRIDOR_M / 2 + CLEAR_M)
        for i in np.unique(at[counts[b]]).tolist():
            del self.cost[keys[i]]

    def shortest(
        self, start: shapely.Geometry, goal: shapely.Geometry, barred: set[Edge]
    ) -> list[Key] | None:
        """The cheapest chain of edges from a vertex on ``start`` to one on ``goal``."""
        nbrs: dict[Key, list[tuple[Key, float]]] = {}
        for (a, b), c in sorted(self.cost.items()):
            if (a, b) not in barred:
                nbrs.setdefault(a, []).append((b, c))
                nbrs.setdefault(b, []).append((a, c))
        if not nbrs:
            return None
        keys = sorted(nbrs)
        pts = shapely.points(np.asarray(keys, dtype=np.float64))
        on_start = np.asarray(shapely.dwithin(pts, start, _ON_M), dtype=bool)
        on_goal = np.asarray(shapely.dwithin(pts, goal, _ON_M), dtype=bool)
        goals = {k for k, g in zip(keys, on_goal.tolist(), strict=True) if g}
        dist: dict[Key, float] = {}
        prev: dict[Key, Key] = {}
        heap: list[tuple[float, Key]] = []
        for k, s, g in zip(keys, on_start.tolist(), on_goal.tolist(), strict=True):
            if s and not g:  # a ring touching the outer one at a vertex opens nothing there
                dist[k] = 0.0
                heap.append((0.0, k))
        heapq.heapify(heap)
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist[u]:
                continue
            if u in goals:
                path = [u]
                while path[-1] in prev:
                    path.append(prev[path[-1]])
                return path[::-1]
            for v, c in nbrs[u]:
                if d + c < dist.get(v, np.inf):
                    dist[v], prev[v] = d + c, u
                    heapq.heappush(heap, (d + c, v))
        return None


def _edge(a: Key, b: Key) -> Edge:
    return (a, b) if a <= b else (b, a)


def _rings(geom: shapely.Geometry) -> list[Any]:
    out = []
    for part in shapely.get_parts(geom).tolist():
        out.append(shapely.get_exterior_ring(part))
        out.extend(shapely.get_interior_ring(part, i) for i in range(len(part.interiors)))
    return out


def strip_along(path: list[Key], cap: Cap = "flat") -> shapely.Geometry:
    """The strip of ``CORRIDOR_M`` along a path (metres) with parallel sides: its ends cut
    square across the path's ends (``flat``), or reaching half its width beyond them
    (``square``, ``round``: for an end where the ring it lies on bends away on both sides,
    which a flat end would meet at one point only)."""
    line = shapely.LineString(path)
    return shapely.buffer(
        line, CORRIDOR_M / 2, quad_segs=2, cap_style=cap, join_style="mitre", mitre_limit=2.0
    )


def _cut(
    cells: ObjArray,
    levels: tuple[IntArray, IntArray],
    hole: _Hole,
    strip: shapely.Geometry,
    obstacles: tuple[shapely.STRtree, NDArray[np.bool_]],
) -> set[int] | None:
    """Give the enclosed grid's cell the land of the outer grid's cells in ``strip`` (in
    place). None when done; else the cells to blame (all of the strip's when none is
    singled out), nothing changed. ``obstacles``: the buildings, and which of them stand in
    the hole (the strip may come near those)."""
    labels = levels[0]
    tree, enclosed = obstacles
    near = np.sort(shapely.STRtree(cells).query(strip, predicate="intersects"))
    edges = shapely.union_all([*shapely.boundary(cells[near]).tolist(), shapely.boundary(strip)])
    pieces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.node(edges))))
    inside = shapely.point_on_surface(pieces)
    owner = np.full(len(pieces), -1, dtype=np.int64)
    at_piece, at_cell = shapely.STRtree(cells[near]).query(inside, predicate="within")
    owner[at_piece] = near[at_cell]
    moving = (owner >= 0) & (labels[np.maximum(owner, 0)] == hole.outer)
    moving &= shapely.within(inside, strip)
    blame = set(near.tolist())
    if not moving.any():
        return blame
    land = shapely.coverage_union_all(pieces[moving])
    hits = tree.query(land, predicate="dwithin", distance=CLEAR_M * 0.999)
    if (~enclosed[hits]).any():
        return blame
    takers = near[np.isin(near, hole.faces)]
    touch = shapely.length(shapely.intersection(shapely.boundary(cells[takers]), land))
    if not len(takers) or touch.max() <= 0:
        return blame
    owner[moving] = takers[int(np.argmax(touch))]
    before = {f: cells[f] for f in near.tolist()}
    for f in near.tolist():
        got = pieces[owner == f]
        if not len(got):
            return {f}
        cells[f] = got[0] if len(got) == 1 else shapely.coverage_union_all(got)
    bad = _harm(cells, before, levels, hole)
    if bad is None:
        return None
    for f, g in before.items():
        cells[f] = g
    return bad


def _harm(
    cells: ObjArray,
    before: dict[int, Any],
    levels: tuple[IntArray, IntArray],
    hole: _Hole,
) -> set[int] | None:
    """None if the redrawn cells (``before``: as they were) hold: each still one polygon
    without a new hole, a valid coverage with their neighbours, no grid of either level with
    more pieces or holes, and the outer grid's hole opened; else the cells to blame."""
    faces = np.asarray(sorted(before), dtype=np.int64)
    old = cells.copy()
    for f, g in before.items():
        old[f] = g
    # a piece no cell took (its point inside on an edge) would be a gap
    area = float(shapely.area(old[faces]).sum())
    if abs(float(shapely.area(cells[faces]).sum()) - area) > 1e-9 * area + 1e-6:
        return set(faces.tolist())
    split = {
        f
        for f in faces.tolist()
        if coverage_shape(np.asarray([cells[f]])) != coverage_shape(np.asarray([old[f]]))
    }
    if split:
        return split
    near = np.unique(shapely.STRtree(cells).query(cells[faces], predicate="intersects")[1])
    if not shapely.coverage_is_valid(cells[near]):
        return set(faces.tolist())
    blame: set[int] = set()
    for labels in levels:
        for g in np.unique(labels[faces]).tolist():
            mine = np.flatnonzero(labels == g)
            new, was = coverage_shape(cells[mine]), coverage_shape(old[mine])
            if new[0] > was[0] or new[1] > was[1]:
                blame.update(faces[labels[faces] == g].tolist())
    outer = np.flatnonzero(levels[0] == hole.outer)
    if not blame and coverage_shape(cells[outer])[1] >= coverage_shape(old[outer])[1]:
        return set(faces.tolist())
    return blame or None
