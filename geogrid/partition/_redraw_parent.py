"""Redraw one parent: keep every grid that still holds, re-divide only the regions that do not.

A region is a set of neighbouring grids of the current plan that must change: grids chosen by the
caller, grids whose households changed and left their band, a light grid together with its
heaviest-bordered neighbour, and grids that a new building straddles. Regions are divided afresh
(same engine as a first plan); everything else keeps its geometry and its code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geogrid.partition._geometry import union_groups
from geogrid.partition._graph import unit_graph
from geogrid.partition.bands import Band, band_for
from geogrid.partition.codes import reading_order, sequence_code
from geogrid.partition.divide import divide
from geogrid.partition.parent import LevelResult, ParentInput, plan_parent
from geogrid.partition.units import build_units

IntArray = NDArray[np.int64]
ObjArray = NDArray[np.object_]
STRADDLE_M2 = 0.5  # a building with more than this on each side of a grid boundary is cut


@dataclass
class OldGrids:
    """The current grids of one level (metric CRS) of one parent or basic grid."""

    codes: list[str]
    geoms: ObjArray
    households: IntArray


@dataclass(frozen=True)
class GridRow:
    """One grid after the redraw (metric CRS); ``kept``: geometry and code as they were."""

    code: str
    parent: str
    geom: shapely.Geometry
    households: int
    buildings: int
    exempt: bool
    kept: bool


@dataclass
class Grids:
    """Grids of one level after the redraw, and which of them were kept as they were."""

    codes: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    geoms: list[Any] = field(default_factory=list)
    households: list[int] = field(default_factory=list)
    buildings: list[int] = field(default_factory=list)
    exempt: list[bool] = field(default_factory=list)
    kept: list[bool] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: GridRow) -> None:
        self.codes.append(row.code)
        self.parents.append(row.parent)
        self.geoms.append(row.geom)
        self.households.append(int(row.households))
        self.buildings.append(int(row.buildings))
        self.exempt.append(bool(row.exempt))
        self.kept.append(row.kept)


@dataclass(frozen=True)
class Located:
    """The current grids of one parent with today's buildings located in them.

    Index spaces: *building* (rows of the parent's input), *micro* and *basic* (grids of the
    current plan, in ``micro`` / ``basic`` order).
    """

    basic: OldGrids
    micro: OldGrids
    micro_basic: IntArray  # per micro grid: its basic grid
    micro_of_building: IntArray  # per building: the micro grid holding it
    micro_households: IntArray  # per micro grid: households today
    micro_buildings: IntArray  # per micro grid: buildings today
    basic_households: IntArray  # per basic grid: households today
    straddled: list[tuple[int, int]]  # micro grid pairs a building lies across
    bands: tuple[Band, Band]  # basic, micro


def redraw_parent(
    item: ParentInput,
    basic: OldGrids,
    micro: OldGrids,
    micro_basic: IntArray,
    *,
    whole: bool,
    chosen: set[str],
    seed: int,
) -> tuple[Grids, Grids]:
    """Basic and micro grids of ``item`` after the redraw (``micro_basic``: basic index per micro)."""
    out_b, out_m = Grids(), Grids()
    if whole or not basic.codes or not _tiles(item.geometry, basic.geoms):
        _fresh(item, basic, out_b, out_m, seed=seed)
        return out_b, out_m
    m_of = locate_points(item.points, micro.geoms)
    nb_m = np.bincount(m_of, minlength=len(micro.codes))
    hh_m = np.bincount(m_of, weights=item.households, minlength=len(micro.codes)).astype(np.int64)
    hh_b = np.bincount(micro_basic, weights=hh_m, minlength=len(basic.codes)).astype(np.int64)
    bband, mband = band_for(item.area_type, "basic"), band_for(item.area_type, "micro")
    now = Located(
        basic, micro, micro_basic, m_of, hh_m, nb_m, hh_b,
        _straddled(item.footprints, m_of, micro.geoms), (bband, mband),
    )  # fmt: skip
    b_of = micro_basic[m_of]
    seeds = _violating(hh_b, basic.households, bband)
    seeds |= np.isin(np.asarray(basic.codes), list(chosen))
    links = [(int(micro_basic[a]), int(micro_basic[b])) for a, b in now.straddled]
    links = [(a, b) for a, b in links if a != b]
    for a, b in links:
        seeds[[a, b]] = True
    regions = _regions(basic.geoms, seeds, hh_b, bband, links)
    redrawn = np.zeros(len(basic.codes), dtype=bool)
    new_basic: list[tuple[LevelResult, LevelResult, IntArray]] = []
    for region in regions:
        redrawn[region] = True
        sel = np.flatnonzero(np.isin(b_of, region))
        geom = _union(basic.geoms[region])
        sub = plan_parent(_sub_item(item, geom, sel), seed=seed)
        new_basic.append((sub.levels["basic"], sub.levels["micro"], sel))
    if redrawn.all():
        out_b, out_m = Grids(), Grids()
        _fresh(item, basic, out_b, out_m, seed=seed)
        return out_b, out_m
    for b in np.flatnonzero(~redrawn).tolist():
        kept, micro_rows = _keep_basic(item, b, now, seed=seed)
        out_b.add(kept)
        for row in micro_rows:
            out_m.add(row)
    _add_new_basic(item, basic, new_basic, out_b, out_m)
    return out_b, out_m


def _keep_basic(
    item: ParentInput, b: int, now: Located, *, seed: int
) -> tuple[GridRow, list[GridRow]]:
    """Basic grid ``b`` kept, and its micro grids: kept, or redrawn where they must change."""
    basic, micro, hh_m, nb_m = now.basic, now.micro, now.micro_households, now.micro_buildings
    bband, mband = now.bands
    code, hh_b = basic.codes[b], int(now.basic_households[b])
    mine = np.flatnonzero(now.micro_basic == b)
    kept = GridRow(
        code, item.code, basic.geoms[b], hh_b, int(nb_m[mine].sum()),
        not bband.holds(hh_b) and hh_b == basic.households[b], True,
    )  # fmt: skip
    local = {int(m): i for i, m in enumerate(mine)}
    links = [(local[a], local[c]) for a, c in now.straddled if a in local and c in local and a != c]
    seeds = _violating(hh_m[mine], micro.households[mine], mband)
    for a, c in links:
        seeds[[a, c]] = True
    regions = _regions(micro.geoms[mine], seeds, hh_m[mine], mband, links)
    redrawn = np.zeros(len(mine), dtype=bool)
    for region in regions:
        redrawn[region] = True
    rows = []
    for i in np.flatnonzero(~redrawn).tolist():
        m = int(mine[i])
        exempt = not mband.holds(hh_m[m]) and hh_m[m] == micro.households[m]
        rows.append(GridRow(micro.codes[m], code, micro.geoms[m], hh_m[m], nb_m[m], exempt, True))
    if not regions:
        return kept, rows
    seq = _max_seq(micro.codes[m] for m in mine)
    fresh: list[tuple[Any, int, int, bool]] = []
    for region in regions:
        sel = np.flatnonzero(np.isin(now.micro_of_building, mine[region]))
        geom = _union(micro.geoms[mine[region]])
        fresh.extend(_divide_region(_sub_item(item, geom, sel), mband, seed=seed))
    cent = shapely.centroid(np.asarray([f[0] for f in fresh], dtype=object))
    rank = reading_order(shapely.get_x(cent), shapely.get_y(cent), area=float(basic.geoms[b].area))
    for (geom, hh, nb, exempt), r in zip(fresh, rank.tolist(), strict=True):
        rows.append(GridRow(sequence_code(code, seq + 1 + r), code, geom, hh, nb, exempt, False))
    return kept, rows


def _add_new_basic(
    item: ParentInput,
    basic: OldGrids,
    new_basic: list[tuple[LevelResult, LevelResult, IntArray]],
    out_b: Grids,
    out_m: Grids,
) -> None:
    """New basic grids get sequence numbers after the highest the parent ever had."""
    if not new_basic:
        return
    geoms = np.concatenate([lv.geoms for lv, _, _ in new_basic])
    cent = shapely.centroid(geoms)
    rank = reading_order(
        shapely.get_x(cent), shapely.get_y(cent), area=float(shapely.area(item.geometry))
    )
    seq = _max_seq(basic.codes)
    i = 0
    for lv_b, lv_m, _ in new_basic:
        rename = {}
        for j, old in enumerate(lv_b.codes):
            new = sequence_code(item.code, seq + 1 + int(rank[i]))
            rename[old] = new
            out_b.add(GridRow(new, item.code, lv_b.geoms[j], lv_b.households[j],
                              lv_b.buildings[j], lv_b.exempt[j], False))  # fmt: skip
            i += 1
        out_b.notes.extend(lv_b.infeasible)
        for j, old in enumerate(lv_m.codes):
            parent = rename[lv_m.parent_codes[j]]
            out_m.add(GridRow(parent + old[len(lv_m.parent_codes[j]) :], parent, lv_m.geoms[j],
                              lv_m.households[j], lv_m.buildings[j], lv_m.exempt[j], False))  # fmt: skip
        out_m.notes.extend(
            note | {"code": rename.get(note["code"], note["code"])} for note in lv_m.infeasible
        )


def _fresh(item: ParentInput, basic: OldGrids, out_b: Grids, out_m: Grids, *, seed: int) -> None:
    """The whole parent divided anew; codes continue after the highest the parent had."""
    plan = plan_parent(item, seed=seed)
    sel = np.arange(len(item.points))
    _add_new_basic(item, basic, [(plan.levels["basic"], plan.levels["micro"], sel)], out_b, out_m)


def _sub_item(item: ParentInput, geom: shapely.Geometry, sel: IntArray) -> ParentInput:
    hit = shapely.intersects(item.lines, geom) if len(item.lines) else np.zeros(0, dtype=bool)
    return ParentInput(
        code=item.code,
        area_type=item.area_type,
        geometry=geom,
        points=item.points[sel],
        households=item.households[sel],
        compound=item.compound[sel],
        lines=item.lines[hit],
        footprints=None if item.footprints is None else item.footprints[sel],
        line_class=None if item.line_class is None else item.line_class[hit],
        settlement=None if item.settlement is None else item.settlement[sel],
    )


def _divide_region(
    item: ParentInput, band: Band, *, seed: int
) -> list[tuple[shapely.Geometry, int, int, bool]]:
    """Micro grids of one region: (geometry, households, buildings, exempt) each."""
    if len(item.points) == 0:
        return [(item.geometry, 0, 0, True)]
    units = build_units(
        item.geometry,
        item.points,
        item.households,
        item.compound,
        item.lines,
        item.footprints,
        line_class=item.line_class,
    )
    graph = unit_graph(units, blocks=False).contract(units.group)
    div = divide(graph, band, seed=seed, what="building")
    labels = div.labels[units.group]
    n = int(labels.max()) + 1
    geoms = union_groups(units.geoms, labels, n)
    hh = np.bincount(labels, weights=units.households, minlength=n).astype(np.int64)
    nb = np.bincount(labels, weights=units.buildings, minlength=n).astype(np.int64)
    return [(geoms[g], int(hh[g]), int(nb[g]), bool(div.exempt[g])) for g in range(n)]


def _violating(now: IntArray, before: IntArray, band: Band) -> NDArray[np.bool_]:
    """Grids whose households changed and now lie outside the band."""
    return (now != before) & ((now < band.lo) | (now > band.hi))


def _regions(
    geoms: ObjArray,
    seeds: NDArray[np.bool_],
    households: IntArray,
    band: Band,
    links: list[tuple[int, int]],
) -> list[IntArray]:
    """Seed grids, each light one with its longest-bordered neighbour, joined where they touch."""
    if not seeds.any():
        return []
    n = len(geoms)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a != b
    a, b = a[keep], b[keep]
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[a]), shapely.boundary(geoms[b]))
    )
    a, b, shared = a[shared > 0], b[shared > 0], shared[shared > 0]
    member = seeds.copy()
    for g in np.flatnonzero(seeds & (households < band.lo)).tolist():
        mine = a == g
        if mine.any():
            order = np.lexsort((b[mine], -shared[mine]))
            member[b[mine][order[0]]] = True
    la = np.asarray([p[0] for p in links] + a.tolist(), dtype=np.int64)
    lb = np.asarray([p[1] for p in links] + b.tolist(), dtype=np.int64)
    both = member[la] & member[lb]
    m = csr_matrix((np.ones(int(both.sum())), (la[both], lb[both])), shape=(n, n))
    _, comp = connected_components(m, directed=False)
    return [np.flatnonzero(member & (comp == c)) for c in np.unique(comp[member]).tolist()]


def _straddled(
    footprints: ObjArray | None, m_of: IntArray, grids: ObjArray
) -> list[tuple[int, int]]:
    """Pairs of grids that one building reaches into, each with more than STRADDLE_M2."""
    if footprints is None or len(footprints) == 0:
        return []
    out = np.flatnonzero(~shapely.covered_by(footprints, grids[m_of]))
    if len(out) == 0:
        return []
    bi, gi = shapely.STRtree(grids).query(footprints[out], predicate="intersects")
    share = shapely.area(shapely.intersection(footprints[out][bi], grids[gi]))
    bi, gi = bi[share > STRADDLE_M2], gi[share > STRADDLE_M2]
    pairs: set[tuple[int, int]] = set()
    for k in np.unique(bi).tolist():
        touched = sorted(set(gi[bi == k].tolist()) | {int(m_of[out[k]])})
        pairs.update((touched[0], t) for t in touched[1:])
    return sorted(pairs)


def locate_points(points: ObjArray, grids: ObjArray) -> IntArray:
    """The grid holding each point (the lowest index on a shared edge; the nearest if none)."""
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0:
        return out
    tree = shapely.STRtree(grids)
    pi, gi = tree.query(points, predicate="intersects")
    order = np.lexsort((gi, pi))
    pi, gi = pi[order], gi[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.zeros(0, dtype=bool)
    out[pi[first]] = gi[first]
    missing = np.flatnonzero(out < 0)
    if len(missing):
        _, near = tree.query_nearest(points[missing], all_matches=False)
        out[missing] = near
    return out


def _tiles(parent: shapely.Geometry, grids: ObjArray) -> bool:
    """Whether the current grids still tile the parent (its boundary did not move)."""
    diff = shapely.symmetric_difference(parent, shapely.union_all(grids))
    return bool(shapely.area(diff) < max(1.0, 1e-7 * float(shapely.area(parent))))


def _union(geoms: ObjArray) -> shapely.Geometry:
    """Union of neighbouring grids; a full overlay where reprojection left edges a hair apart."""
    out = shapely.coverage_union_all(geoms)
    return out if shapely.is_valid(out) else shapely.union_all(shapely.make_valid(geoms))


def _max_seq(codes: Any) -> int:
    seqs = [int(c[-3:]) for c in codes if c[-3:].isdigit()]
    return max(seqs, default=0)
