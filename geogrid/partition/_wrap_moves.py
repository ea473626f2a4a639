"""Grids that wrap around a neighbour, re-divided at unit grain (issue 12, item 5).

A grid *a* wraps around its neighbour *b* (the report's ``_geometry.wraps_around``) when at
least ``WRAP_SHARE`` of b lies inside a's convex hull and a holds at least that share of b's
outline. On the graph, b's area inside the hull is counted by node centroids and outlines
are drawn from the nodes' hulls (metric CRS). The exchanges of ``_shape_moves`` move whole
road-block pieces, and under a tight band whole blocks can force a wrap: a row of three
blocks of 240, 444 and 250 households in a band of 300-500 leaves the 444 block alone and
the outer two joined around it. Cutting the middle block between its buildings frees it:
{240 + 222} and {222 + 250}, two bars.

So for each wrapping pair the union of both grids' nodes (units and building groups: a
building is never cut) is drawn afresh by a straight line, ``CUT_DIRECTIONS`` directions and
up to ``PLACES`` places along each where both grids keep their band state (a node lies where
its hull's centroid does; the same again with each road block kept whole), the nodes on one
side going to a, the rest to b. Candidates are ranked by the refinement's objective
(``_refine``: the cut between the two, 1 per metre through a block against 0.05 along a local
road, plus ``HULL_WEIGHT`` times both concavities), plus ``RATIO_W`` per unit of convexity
(area / hull area) each part lacks and ``WRAP_COST`` per wrap left between the two, both times
√(area of the smaller part) in metres. Without such a price no cut through a block is ever
made: a 100 m block cut through costs 100, the notch of a row of three 100 m blocks about 41
of concavity. The best candidate is made when both parts stay connected, the wraps counted
between the two and every grid next to them fall, and the priced objective falls.

A wrap around a part of under ``ENCLAVE_M`` squared (a city block or two) is an *enclave*: a
dense block inside a sparse grid, whose residents' grid lies within their neighbour's. It costs
``ENCLAVE_COST`` instead (``wrap_price``): freeing one takes a cut of a block or two across
empty land, which one block's side does not pay for (synthetic Laoshan 1x: 10 wraps left, 5 at
twice the price; barrier share 0.952 -> 0.947). A larger part wrapped, a village with its
fields, keeps the lower price: freeing it takes kilometres of cut across fields (a price of
twice for every size: Laoshan 4 wraps but barrier share 0.942, Liechtenstein 0.894 -> 0.857).

Node centroids misread a tie. An L of blocks around a corner block holds exactly half of its
outline and, arms flush, of its area: a wrap by the report's ``>=``, counted or not by the
rounding of the drawn lines (7 of synthetic Laoshan's 11 wraps), where the block's nodes had
0.43-0.49 of their area by centroid inside the L's hull. So ``free_wraps`` also reads pairs
*closer* (``Geo.closer``: a node's area by the share of its hull inside the hull, shares from
``TIE`` under ``WRAP_SHARE`` counted). A pair only that reading finds is re-divided only where
its cut at most doubles (``TIE_CUT``: along roads) and its wrap costs ``TIE_SHARE`` of the
price: freeing a corner block trades the pair's convexity (Laoshan at the full price: 5 wraps
fewer, convexity 0.932 -> 0.931; without the bound, a rural pair cut 2.4 km across fields).
"""

from __future__ import annotations

import copy
from typing import Final

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geogrid.partition._geometry import WRAP_SHARE, point_hulls
from geogrid.partition._refine import HULL_WEIGHT, accepts, concavity
from geogrid.partition._repair import Repair
from geogrid.partition._shape_moves import MIN_HOUSEHOLDS, NodeHulls

CUT_DIRECTIONS: Final = 8  # straight cuts through a wrapping pair: every 22.5°
PLACES: Final = 6  # places along each direction (evenly among those keeping the band state)
WRAP_COST: Final = 1.0  # per wrap between the pair, times √(area of the smaller part) (m)
ENCLAVE_COST: Final = 2.0  # the same for a wrap around a part under ENCLAVE_M squared
ENCLAVE_M: Final = 200.0  # √(area) (m) of the largest part whose wrap is an enclave's
ROUNDS: Final = 2
RATIO_W: Final = 2.0  # per unit of convexity lost, times √(area of the smaller part) (m)
TOUCH_M: Final = 1.0  # an outline this close to a part is held by it
TRIES: Final = 40  # candidates checked for connectivity and wraps, best first
TIE: Final = 0.01  # the closer reading counts a share this far under WRAP_SHARE: a tie is a wrap
TIE_CUT: Final = 2.0  # a pair only the closer reading finds: its cut may at most double
TIE_SHARE: Final = 0.2  # ... and its wrap costs this share of ``wrap_price``

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class Geo:
    """Node hull vertices, areas and centroids (metric CRS), and each part's hull; ``tie``:
    how far under ``WRAP_SHARE`` a share still counts (0: read by node centroids)."""

    def __init__(self, repair: Repair) -> None:
        self.tie = 0.0
        places = repair.places
        assert places is not None
        self.nodes = NodeHulls(repair)
        cent = shapely.centroid(places.hull)
        self.x, self.y = shapely.get_x(cent), shapely.get_y(cent)
        self.area = np.asarray(places.area, dtype=float)
        self.hulls = np.asarray(places.hull, dtype=object)
        self.nbrs = repair.nbrs

    def closer(self) -> Geo:
        """The same nodes read closer: area by the share of each node's hull inside a hull,
        and a share from ``TIE`` under ``WRAP_SHARE`` counted (a tie is a wrap)."""
        out = copy.copy(self)
        out.tie = TIE
        return out

    def hull(self, members: list[int]) -> shapely.Geometry:
        pts = np.concatenate([self.nodes.pts[u] for u in members])
        return point_hulls(pts, np.zeros(len(pts), dtype=np.int64), 1)[0]

    def holds(self, a: IntArray, b: IntArray) -> bool:
        """Whether the nodes ``a`` hold at least ``WRAP_SHARE`` of the outline of the nodes
        ``b`` (each drawn as the union of its nodes' hulls; within ``TOUCH_M``). Only a's
        nodes next to b can hold it: the others are left out of the union."""
        near = {v for u in b.tolist() for v, _ in self.nbrs[u]}
        a_near = [u for u in a.tolist() if u in near]
        if not a_near:
            return False
        region_a = shapely.union_all(self.hulls[a_near])
        outline_b = shapely.boundary(shapely.union_all(self.hulls[b]))
        held = shapely.length(shapely.intersection(outline_b, shapely.buffer(region_a, TOUCH_M)))
        return float(held) >= (WRAP_SHARE - self.tie) * max(float(shapely.length(outline_b)), 1e-9)

    def wraps(self, hull: shapely.Geometry, members: IntArray) -> bool:
        """Whether ``hull`` (of one part) holds at least ``WRAP_SHARE`` of the area of the
        part made of ``members`` (by node centroids; read closer, by their hulls' shares)."""
        area = self.area[members]
        need = (WRAP_SHARE - self.tie) * max(float(area.sum()), 1e-9)
        if not self.tie:
            return (
                float(area[shapely.contains_xy(hull, self.x[members], self.y[members])].sum())
                >= need
            )
        nodes = self.hulls[members]
        shapely.prepare(hull)
        whole = shapely.contains_properly(hull, nodes)
        cross = ~whole & shapely.intersects(hull, nodes)
        share = shapely.area(shapely.intersection(nodes[cross], hull)) / np.maximum(
            shapely.area(nodes[cross]), 1e-9
        )
        return float(area[whole].sum() + (area[cross] * share).sum()) >= need


def free_wraps(repair: Repair, block: IntArray | None = None, rounds: int = ROUNDS) -> int:
    """Re-divide wrapping pairs of parts at unit grain while that frees them; how many were
    re-divided. Every part keeps its band state and stays connected."""
    if repair.places is None or repair.band.lo < MIN_HOUSEHOLDS or len(repair.pw) < 2:
        return 0
    geo = Geo(repair)
    closer = geo.closer()
    n = len(repair.labels)
    blocks = np.full(n, -1, dtype=np.int64) if block is None else np.asarray(block)
    made = 0
    failed: set[tuple[int, int, frozenset[int], frozenset[int]]] = set()
    for _ in range(rounds):
        moved = False
        found, ties = _wrapping(repair, (geo, closer))
        for a, b, read in [(a, b, geo) for a, b in found] + [(a, b, closer) for a, b in ties]:
            key = (a, b, frozenset(repair.members[a]), frozenset(repair.members[b]))
            if key in failed or not _still_wraps(repair, read, a, b):
                continue
            if _redivide(repair, read, a, b, blocks):
                made += 1
                moved = True
            else:
                failed.add(key)
        if not moved:
            break
    return made


def neighbours(repair: Repair, parts: tuple[int, ...]) -> list[int]:
    out = {repair.labels[v] for p in parts for u in repair.members[p] for v, _ in repair.nbrs[u]}
    return sorted(out.difference(parts))


def members(repair: Repair, p: int) -> IntArray:
    return np.asarray(sorted(repair.members[p]), dtype=np.int64)


def wrapping_pairs(repair: Repair, geo: Geo) -> list[tuple[int, int]]:
    """Pairs (a, b) of neighbouring parts where a wraps around b, sorted."""
    return _wrapping(repair, (geo,))[0]


def _wrapping(repair: Repair, reads: tuple[Geo, ...]) -> list[list[tuple[int, int]]]:
    """The wrapping pairs of each reading, sorted; a pair an earlier reading finds is not
    tested by a later one. A part whose hull exceeds its area by less than half a neighbour's
    area cannot hold half of it (nodes count by their centroids: a quarter, to be safe); the
    hull tests are made only where it does (most parts are nearly convex)."""
    k = len(repair.pw)
    live = [p for p in range(k) if repair.size[p] > 0]
    hulls = {p: reads[0].hull(sorted(repair.members[p])) for p in live}
    area = {p: float(reads[0].area[members(repair, p)].sum()) for p in live}
    out: list[list[tuple[int, int]]] = [[] for _ in reads]
    for a in live:
        room = float(shapely.area(hulls[a])) - area[a]
        for b in neighbours(repair, (a,)):
            if room < 0.5 * WRAP_SHARE * area[b]:
                continue
            ma, mb = members(repair, a), members(repair, b)
            for found, read in zip(out, reads, strict=True):
                if read.wraps(hulls[a], mb) and read.holds(ma, mb):
                    found.append((a, b))
                    break
    return out


def _still_wraps(repair: Repair, geo: Geo, a: int, b: int) -> bool:
    if repair.size[a] == 0 or repair.size[b] == 0:
        return False
    hull = geo.hull(sorted(repair.members[a]))
    members_a, members_b = members(repair, a), members(repair, b)
    return geo.wraps(hull, members_b) and geo.holds(members_a, members_b)


def wrap_count(
    geo: Geo, sides: dict[int, IntArray], hulls: dict[int, shapely.Geometry], pairs: list[int]
) -> int:
    """Wraps between each of ``pairs`` (the two re-divided parts) and every part in ``sides``."""
    count = 0
    for p in pairs:
        for q in sides:
            if q != p and geo.wraps(hulls[p], sides[q]) and geo.holds(sides[p], sides[q]):
                count += 1
            if q not in pairs and geo.wraps(hulls[q], sides[p]) and geo.holds(sides[q], sides[p]):
                count += 1
    return count


def _redivide(repair: Repair, geo: Geo, a: int, b: int, block: IntArray) -> bool:
    """Draw the union of parts a and b afresh by the best straight cut at unit grain that
    frees them; False when none does. Read closer (``geo.tie``), the cut may at most double."""
    union = np.asarray(sorted(repair.members[a] | repair.members[b]), dtype=np.int64)
    edges, edge_cost = inner_edges(repair, union)
    w = np.asarray([repair.w[u] for u in union.tolist()], dtype=np.int64)
    cuts = _cuts(repair, geo, union, w, a, b, block[union])
    if not cuts:
        return False
    was = np.isin(union, members(repair, a))
    rows: BoolArray = np.unique(np.vstack([was[None, :], np.asarray(cuts)]), axis=0)
    # the prices grow with the smaller part: a village core wrapped by a rural grid of 20 km²
    # is not worth kilometres of cut across fields (Liechtenstein: 90% -> 76% on barriers)
    scale = float(np.sqrt(min(geo.area[union[was]].sum(), geo.area[union[~was]].sum())))
    # every term but the cut is >= 0: a row whose cut alone costs the present division's
    # priced objective cannot be made, and its hulls (the dear part) are not drawn
    now, _ = _priced(geo, union, edges, edge_cost, was[None, :], scale)
    cut = (rows[:, edges.src] != rows[:, edges.dst]).astype(float) @ edge_cost
    keep = cut < now[0]
    if geo.tie:
        keep &= cut <= TIE_CUT * float((was[edges.src] != was[edges.dst]) @ edge_cost) + 1e-9
    rows = rows[keep | (rows == was).all(axis=1)]
    at = int(np.flatnonzero((rows == was).all(axis=1))[0])
    priced, hulls = _priced(geo, union, edges, edge_cost, rows, scale)
    others = {q: members(repair, q) for q in neighbours(repair, (a, b))}
    other_hulls = part_hulls(geo, others)
    before = wrap_count(
        geo,
        others | {a: union[was], b: union[~was]},
        other_hulls | {a: hulls[0][at], b: hulls[1][at]},
        [a, b],
    )
    for r in np.argsort(priced, kind="stable")[:TRIES].tolist():
        if not accepts(float(priced[r] - priced[at])):
            return False
        if r == at or not (edges.connected(rows[r]) and edges.connected(~rows[r])):
            continue
        sides = others | {a: union[rows[r]], b: union[~rows[r]]}
        hull_r = other_hulls | {a: hulls[0][r], b: hulls[1][r]}
        if wrap_count(geo, sides, hull_r, [a, b]) >= before:
            continue
        for i in np.flatnonzero(rows[r] != was).tolist():
            repair.move(int(union[i]), a if rows[r][i] else b)
        return True
    return False


def wrap_price(scale: float) -> float:
    """The price (m) of one wrap where the smaller of the parts re-divided measures ``scale``
    (√ of its area in m²): ``ENCLAVE_COST`` times that for an enclave, else ``WRAP_COST``."""
    return (ENCLAVE_COST if scale < ENCLAVE_M else WRAP_COST) * scale


def inner_edges(repair: Repair, nodes: IntArray) -> tuple[Edges, FloatArray]:
    """The edges between ``nodes`` (sorted graph ids), each once, numbered by their place in
    ``nodes``, and what cutting each costs."""
    local = {int(u): i for i, u in enumerate(nodes.tolist())}
    src, dst, cost = [], [], []
    for i, u in enumerate(nodes.tolist()):
        for v, c in repair.nbrs[u]:
            j = local.get(v, -1)
            if j > i:
                src.append(i)
                dst.append(j)
                cost.append(c)
    edges = Edges(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), len(nodes))
    return edges, np.asarray(cost, dtype=float)


def part_hulls(geo: Geo, sides: dict[int, IntArray]) -> dict[int, shapely.Geometry]:
    return {q: geo.hull(nodes.tolist()) for q, nodes in sides.items()}


def _cuts(
    repair: Repair, geo: Geo, union: IntArray, w: IntArray, a: int, b: int, block: IntArray
) -> list[BoolArray]:
    """Straight cuts through the union (True: the node goes to a) keeping both band states:
    at unit grain, and with every road block of the union kept whole."""
    xy = np.column_stack([geo.x[union], geo.y[union]])
    area = geo.area[union]
    _, group = np.unique(
        np.where(block >= 0, block, -1 - np.arange(len(union))), return_inverse=True
    )
    group_area = np.maximum(np.bincount(group, weights=area), 1e-9)
    rows: list[BoolArray] = []
    for angle in np.arange(CUT_DIRECTIONS) * np.pi / CUT_DIRECTIONS:
        along = xy @ np.asarray([np.cos(angle), np.sin(angle)])
        whole = (np.bincount(group, weights=along * area) / group_area)[group]
        for key in (along, whole):
            rows += _sweep(repair, key, w, a, b)
    return rows


def _sweep(repair: Repair, key: FloatArray, w: IntArray, a: int, b: int) -> list[BoolArray]:
    """Cuts between consecutive distinct values of ``key``, ``PLACES`` at most per side."""
    order = np.argsort(key, kind="stable")
    prefix = np.cumsum(w[order])[:-1]
    step = np.flatnonzero(np.diff(key[order]) > 0)  # a cut lies between two distinct keys
    total, wa = int(w.sum()), repair.pw[a]
    rows: list[BoolArray] = []
    for first in (True, False):  # the nodes before the line go to a, or to b
        left = prefix if first else total - prefix
        ok = step[_band_kept_all(repair, a, b, wa - left[step])].tolist()
        if not ok:
            continue
        pick = np.unique(np.linspace(0, len(ok) - 1, min(PLACES, len(ok))).round())
        for k in (ok[int(i)] for i in pick):
            row = np.zeros(len(key), dtype=bool)
            row[order[: k + 1]] = True
            rows.append(row if first else ~row)
    return rows


def _band_kept_all(repair: Repair, a: int, b: int, shift: IntArray) -> BoolArray:
    """``_shape_moves._band_kept`` for many shifts of households from a to b at once."""
    lo, hi = repair.band.lo, repair.band.hi

    def pen(x: IntArray) -> IntArray:
        return np.maximum(lo - x, 0) + np.maximum(x - hi, 0)

    wa, wb = repair.pw[a], repair.pw[b]
    one = np.asarray([wa, wb])
    now = pen(one)
    return (pen(wa - shift) <= now[0]) & (pen(wb + shift) <= now[1])


def _priced(
    geo: Geo,
    union: IntArray,
    edges: Edges,
    edge_cost: FloatArray,
    rows: BoolArray,
    scale: float,
) -> tuple[FloatArray, tuple[list[shapely.Geometry], list[shapely.Geometry]]]:
    """The priced objective of each row (cut within the union, ``HULL_WEIGHT`` times both
    concavities, ``RATIO_W`` per unit of convexity each side lacks, and ``wrap_price`` per
    wrap between the two sides, by area as ``Geo.wraps``) and the hulls of both sides per
    row."""
    total = (rows[:, edges.src] != rows[:, edges.dst]).astype(float) @ edge_cost
    pts = [geo.nodes.pts[u] for u in union.tolist()]
    coords = np.concatenate(pts)
    owner = np.repeat(np.arange(len(union)), [len(p) for p in pts])
    area = geo.area[union]
    out = []
    for side in (rows, ~rows):
        row, col = np.nonzero(side[:, owner])
        hulls = point_hulls(coords[col], row, len(rows))
        hull_area = np.asarray(shapely.area(hulls))
        part_area = side.astype(float) @ area
        total = total + HULL_WEIGHT * concavity(part_area, hull_area)
        total = total + RATIO_W * scale * (1.0 - part_area / np.maximum(hull_area, 1e-9))
        out.append(list(hulls))
    pair_wraps = np.asarray(
        [
            geo.wraps(out[0][r], union[~rows[r]]) + geo.wraps(out[1][r], union[rows[r]])
            for r in range(len(rows))
        ]
    )
    price = wrap_price(scale) * (TIE_SHARE if geo.tie else 1.0)
    return total + price * pair_wraps, (out[0], out[1])


class Edges:
    """The edges inside a union of nodes (numbered 0..n-1), each once."""

    def __init__(self, src: IntArray, dst: IntArray, n: int) -> None:
        self.src, self.dst, self.n = src, dst, n

    def connected(self, mask: BoolArray) -> bool:
        """Whether the nodes of ``mask`` form one connected piece."""
        items = np.flatnonzero(mask)
        if len(items) == 0:
            return False
        keep = mask[self.src] & mask[self.dst]
        m = csr_matrix(
            (np.ones(int(keep.sum())), (self.src[keep], self.dst[keep])), shape=(self.n, self.n)
        )
        _, comp = connected_components(m, directed=False)
        return len(np.unique(comp[items])) == 1
