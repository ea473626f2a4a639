"""Plan one parent: its units, basic grids, micro grids and their polygons (metric CRS).

Parents are independent, so this is the piece of work a single process loops over and a dask
cluster maps over; both give the same plan.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from geogrid.partition._geometry import (
    convexity,
    coverage_error,
    inner_boundary_length,
    union_groups,
)
from geogrid.partition._graph import unit_graph
from geogrid.partition._holes import fill_holes
from geogrid.partition._institutions import Institution, institution_nodes
from geogrid.partition._institutions import dedicated_grids as _dedicated_grids
from geogrid.partition._levels import Grids, drawn_grids
from geogrid.partition.balance import Graph
from geogrid.partition.bands import Band, band_for
from geogrid.partition.barriers import CLASSES
from geogrid.partition.codes import reading_order, sequence_code
from geogrid.partition.divide import Division, divide
from geogrid.partition.exemptions import exemption_reasons, own_grid_claim, shared_over_band
from geogrid.partition.settlements import settlement_figures
from geogrid.partition.units import Units, build_units

IntArray = NDArray[np.int64]
# One parent's arrays live in these index spaces; names say "<what>_of_<space>" (indexed by
# the space, holding indices of what) and the aliases below say the same to a reader:
#   face  - a cell of the tessellation (``units.geoms``; ``units.group`` maps face -> node)
#   node  - a building group: the faces one building spans (plus empty slivers glued to it),
#           the graph the division works on; never split between grids
#   group - nodes of one compound contracted while dividing basic grids (``_compound_groups``)
#   grid  - a basic or micro grid of this parent (``LevelResult`` order)
NodeOfFace = IntArray  # per face: its node
GridOfNode = IntArray  # per node: its basic or micro grid
GridOfFace = IntArray  # per face: its basic or micro grid
GroupOfNode = IntArray  # per node: its compound group


@dataclass
class ParentInput:
    """What one parent needs, in a metric CRS."""

    code: str
    area_type: str | None
    geometry: shapely.Geometry
    points: NDArray[np.object_]
    households: IntArray
    compound: IntArray
    lines: NDArray[np.object_]
    footprints: NDArray[np.object_] | None = None
    uses: NDArray[np.object_] | None = None  # building use (residential, school, ...)
    line_class: IntArray | None = None  # barrier class of each line (barriers.CLASSES)
    settlement: IntArray | None = None  # natural village of each building (rural parents)
    rows: IntArray | None = None  # input row of each building (they come in canonical order)


@dataclass
class LevelResult:
    """Grids of one level in one parent, with what the quality report needs."""

    codes: list[str]
    parent_codes: list[str]
    households: IntArray
    buildings: IntArray
    geoms: NDArray[np.object_]
    exempt: NDArray[np.bool_]
    band: tuple[int, int]
    cut_barrier: float = 0.0
    cut_total: float = 0.0
    cut_by_class: list[float] = field(default_factory=list)  # cut length on each barrier class
    gap: float = 0.0
    overlap: float = 0.0
    infeasible: list[dict[str, Any]] = field(default_factory=list)
    dedicated: list[dict[str, Any]] = field(default_factory=list)
    enclaves_joined: list[str] = field(default_factory=list)  # took an enclave beyond the band
    parent_convexity: dict[str, float] = field(default_factory=dict)  # per parent code
    parent_parts: dict[str, int] = field(default_factory=dict)  # polygons of each parent
    exempt_reason: list[str] = field(default_factory=list)  # per grid, "" if judged
    settlements: dict[str, int] = field(default_factory=dict)  # natural villages kept / split
    compounds: dict[str, int] = field(default_factory=dict)  # residential compounds kept / split
    over_band_shared: int = 0  # grids where an over-band building took in an enclave


@dataclass
class ParentPlan:
    """The grids of one parent, per level, and seconds per stage."""

    code: str
    levels: dict[str, LevelResult]
    seconds: dict[str, float]
    unit_labels: dict[str, GridOfFace]  # per face: index of its basic / micro grid
    cells: Units | None = None  # the faces themselves, when asked for (keep_units)


def plan_parent(
    item: ParentInput,
    *,
    seed: int = 0,
    dedicated_uses: Sequence[str] = (),
    keep_units: bool = False,
) -> ParentPlan:
    """Units, basic and micro grids of one parent.

    ``dedicated_uses``: buildings of these uses (school, hospital, ...) get basic grids of their
    own, one per institution (its touching buildings of one use and their compound).
    ``keep_units``: return the faces too (``ParentPlan.cells``).
    """
    clock = _Clock()
    units = build_units(
        item.geometry,
        item.points,
        item.households,
        _grouping(item),
        item.lines,
        item.footprints,
        line_class=item.line_class,
    )
    clock.lap("units")
    faces = unit_graph(units)
    graph = faces.contract(units.group)  # one node per building (its faces never part)
    comp = np.full(graph.n, -1, dtype=np.int64)
    np.maximum.at(comp, units.group, units.compound)
    edge = np.bincount(units.group, weights=units.outer, minlength=graph.n) > 1e-6
    institutions = institution_nodes(
        item.uses, units.group[units.building_unit], graph, comp, dedicated_uses
    )
    basic_band = band_for(item.area_type, "basic")
    basic_of_node, basic_exempt, reasons = _basic(graph, comp, basic_band, institutions, seed)
    locked = np.zeros(len(basic_exempt), dtype=bool)
    locked[[b for b, _, _ in _dedicated_grids(basic_of_node, institutions)]] = True
    basic_of_node, basic_exempt, basic_over = fill_holes(
        graph, basic_of_node, basic_exempt, edge, basic_band, locked=locked, leave_heavy=True
    )

    def reasons_of(labels: GridOfNode, exempt: NDArray[np.bool_]) -> list[str]:
        dedicated = {b for b, _, _ in _dedicated_grids(labels, institutions)}
        return exemption_reasons(graph, labels, exempt, basic_band, dedicated=dedicated)

    clock.lap("basic")
    micro_band = band_for(item.area_type, "micro")
    units, bg, micro_all = drawn_grids(
        item,
        units,
        graph,
        edge,
        Grids(basic_of_node, basic_exempt, basic_over, reasons_of(basic_of_node, basic_exempt)),
        bands=(basic_band, micro_band),
        seed=seed,
        basic_why=reasons_of,
        locked=lambda labels: {b for b, _, _ in _dedicated_grids(labels, institutions)},
        lap=clock.lap,
    )
    mg, basic_why, micro_why = micro_all.grids, bg.why, micro_all.grids.why
    basic_of_node, micro_of_node = bg.of_node, mg.of_node
    basic_of_face, micro_of_face = basic_of_node[units.group], micro_of_node[units.group]
    basic, micro = _assemble(
        item, units, basic_of_face, bg.exempt, micro_of_face, mg.exempt.tolist()
    )
    # the cells' graph measured the cut before the lines through blocks were straightened;
    # the barrier stretches stay where they were, the rest is measured as drawn
    basic.cut_total = inner_boundary_length(item.geometry, basic.geoms)
    basic.enclaves_joined = _codes(basic.codes, bg.over)
    micro.enclaves_joined = _codes(micro.codes, mg.over)
    basic.exempt_reason, micro.exempt_reason = basic_why, micro_why
    basic.parent_convexity = {item.code: float(convexity(np.asarray([item.geometry]))[0])}
    micro.parent_convexity = dict(zip(basic.codes, convexity(basic.geoms).tolist(), strict=True))
    basic.parent_parts = {item.code: int(shapely.get_num_geometries(item.geometry))}
    micro.parent_parts = dict(
        zip(basic.codes, shapely.get_num_geometries(basic.geoms).tolist(), strict=True)
    )
    basic_shared = shared_over_band(graph, basic_of_node, basic_band, len(basic_why))
    micro_shared = shared_over_band(graph, micro_of_node, micro_band, len(micro_why))
    basic.over_band_shared, micro.over_band_shared = (
        int(basic_shared.sum()),
        int(micro_shared.sum()),
    )
    if reasons:
        reasons = own_grid_claim(reasons, basic.over_band_shared)
        basic.infeasible.append(_note(item.code, int(units.households.sum()), reasons, basic))
    basic_of_micro = np.zeros(len(micro_why), dtype=np.int64)
    basic_of_micro[micro_of_node] = basic_of_node
    grid = basic_of_face[units.building_unit]
    if item.settlement is not None:
        basic.settlements = settlement_figures(
            item.settlement, item.households, grid, basic_band.hi
        )
    kept = settlement_figures(item.compound, item.households, grid, basic_band.hi)
    basic.compounds = {"compounds": kept.pop("settlements"), **kept}
    for b, use, count in _dedicated_grids(basic_of_node, institutions):
        basic.dedicated.append({"code": basic.codes[b], "use": use, "buildings": count})
    for note in micro_all.notes:
        code = basic.codes[note["basic_index"]]
        hh = int(basic.households[note["basic_index"]])
        shared = int(micro_shared[basic_of_micro == note["basic_index"]].sum())
        why = own_grid_claim(note["reasons"], shared)
        micro.infeasible.append(_note(code, hh, why, micro, parent=code))
    clock.lap("merge")
    for level in (basic, micro):
        level.gap, level.overlap = coverage_error(item.geometry, level.geoms)
    clock.lap("quality")
    return ParentPlan(
        item.code,
        {"basic": basic, "micro": micro},
        clock.seconds,
        {"basic": basic_of_face, "micro": micro_of_face},
        units if keep_units else None,
    )


def _grouping(item: ParentInput) -> IntArray:
    """Compound of each building, or its settlement where it has none (rural parents): both
    are kept in one grid where they fit the band."""
    if item.settlement is None or len(item.compound) == 0:
        return item.compound
    offset = int(item.compound.max()) + 1
    return np.where(item.compound >= 0, item.compound, offset + item.settlement)


def _basic(
    graph: Graph, comp: IntArray, band: Band, institutions: list[Institution], seed: int
) -> tuple[GridOfNode, NDArray[np.bool_], list[str]]:
    """Basic grid of each node, exempt flag of each grid, and why the band cannot be met."""
    fixed = [inst.nodes for inst in institutions]
    groups = _compound_groups(graph, comp, band.hi)
    coarse = groups.max() + 1 < graph.n
    div = divide(
        graph.contract(groups),
        band,
        seed=seed,
        what="building",
        fixed=_fixed(fixed, groups),
        prove=not coarse,
    )
    if _out_of_band(div, band) and coarse:
        # compounds and villages are kept whole only where they fit: retry with every unit
        # free, and keep that when it leaves fewer misses, or as many and fewer grids out of
        # band (only the free graph's proofs make a grid exempt)
        free = divide(graph, band, seed=seed, what="building", fixed=fixed)
        if _rank(free, band) < _rank(div, band):
            div, groups = free, np.arange(graph.n, dtype=np.int64)
    return div.labels[groups], div.exempt, div.reasons


def _fixed(fixed: list[IntArray], groups: IntArray) -> list[IntArray]:
    return [np.unique(groups[nodes]) for nodes in fixed]


def _codes(codes: list[str], flags: NDArray[np.bool_]) -> list[str]:
    return [c for c, f in zip(codes, flags.tolist(), strict=True) if f]


def _out_of_band(div: Division, band: Band) -> int:
    """Parts out of band, missed or exempt, but for over-band buildings (grids alone)."""
    weights = np.bincount(div.labels, weights=div.weights, minlength=len(div.exempt))
    heavy = np.zeros(len(div.exempt), dtype=bool)
    heavy[div.labels[div.weights > band.hi]] = True
    return int((((weights < band.lo) | (weights > band.hi)) & ~heavy).sum())


def _rank(div: Division, band: Band) -> tuple[int, int]:
    """Misses (judged parts out of band), then every part out of band: lower is better."""
    weights = np.bincount(div.labels, weights=div.weights, minlength=len(div.exempt))
    out = (weights < band.lo) | (weights > band.hi)
    return int((out & ~div.exempt).sum()), _out_of_band(div, band)


def _compound_groups(graph: Graph, compound: IntArray, limit: int) -> GroupOfNode:
    """Units of one compound that touch each other form a group when it fits one grid."""
    n = graph.n
    src = np.repeat(np.arange(n), np.diff(graph.indptr))
    same = (compound[src] >= 0) & (compound[src] == compound[graph.indices])
    m = csr_matrix((np.ones(int(same.sum())), (src[same], graph.indices[same])), shape=(n, n))
    _, group = connected_components(m, directed=False)
    size = np.bincount(group, weights=graph.weight)
    too_big = size[group] > limit
    group = group.astype(np.int64)
    group[too_big] = group.max() + 1 + np.flatnonzero(too_big)
    _, dense = np.unique(group, return_inverse=True)
    return dense.reshape(-1).astype(np.int64)


def _assemble(
    item: ParentInput,
    units: Units,
    basic_of_face: GridOfFace,
    basic_exempt: NDArray[np.bool_],
    micro_of_face: GridOfFace,
    micro_exempt: list[bool],
) -> tuple[LevelResult, LevelResult]:
    nmicro = int(micro_of_face.max()) + 1
    micro_geoms = union_groups(units.geoms, micro_of_face, nmicro)
    micro_basic = np.zeros(nmicro, dtype=np.int64)
    micro_basic[micro_of_face] = basic_of_face
    nbasic = int(basic_of_face.max()) + 1
    basic_geoms = union_groups(micro_geoms, micro_basic, nbasic)
    # sequence numbers: basic grids in reading order within the parent, micro within each basic
    bcent = shapely.centroid(basic_geoms)
    brank = reading_order(
        shapely.get_x(bcent), shapely.get_y(bcent), area=float(shapely.area(item.geometry))
    )
    bcodes = [sequence_code(item.code, int(r) + 1) for r in brank]
    mcent = shapely.centroid(micro_geoms)
    mx, my = shapely.get_x(mcent), shapely.get_y(mcent)
    mcodes = [""] * nmicro
    for b in range(nbasic):
        idx = np.flatnonzero(micro_basic == b)
        rank = reading_order(mx[idx], my[idx], area=float(shapely.area(basic_geoms[b])))
        for i, r in zip(idx.tolist(), rank.tolist(), strict=True):
            mcodes[i] = sequence_code(bcodes[b], r + 1)
    src = np.repeat(np.arange(units.n), np.diff(units.indptr))
    half = src < units.indices  # each edge once
    basic = _level(
        LevelGrids(bcodes, [item.code] * nbasic, basic_of_face, basic_geoms, basic_exempt),
        units,
        band_for(item.area_type, "basic"),
        edges=half,
    )
    micro = _level(
        LevelGrids(
            mcodes,
            [bcodes[b] for b in micro_basic],
            micro_of_face,
            micro_geoms,
            np.asarray(micro_exempt, dtype=bool),
        ),
        units,
        band_for(item.area_type, "micro"),
        edges=half & (basic_of_face[src] == basic_of_face[units.indices]),
    )
    return basic, micro


@dataclass(frozen=True)
class LevelGrids:
    """The grids of one level of one parent as assembled: codes, parents, faces, polygons."""

    codes: list[str]
    parents: list[str]
    grid_of_face: GridOfFace
    geoms: NDArray[np.object_]
    exempt: NDArray[np.bool_]


def _level(grids: LevelGrids, units: Units, band: Band, *, edges: NDArray[np.bool_]) -> LevelResult:
    """The result of one level; ``edges`` marks the unit edges (each once) it may cut."""
    n, labels = len(grids.codes), grids.grid_of_face
    src = np.repeat(np.arange(units.n), np.diff(units.indptr))
    cut = edges & (labels[src] != labels[units.indices])
    return LevelResult(
        codes=list(grids.codes),
        parent_codes=list(grids.parents),
        households=np.bincount(labels, weights=units.households, minlength=n).astype(np.int64),
        buildings=np.bincount(labels, weights=units.buildings, minlength=n).astype(np.int64),
        geoms=grids.geoms,
        exempt=grids.exempt,
        band=(band.lo, band.hi),
        cut_barrier=float(units.on_barrier[cut].sum()),
        cut_by_class=_by_class(units, cut),
        cut_total=float(units.shared[cut].sum()),
    )


def _by_class(units: Units, cut: NDArray[np.bool_]) -> list[float]:
    if units.shared_by_class is None:
        return [0.0] * len(CLASSES)
    return [float(v) for v in units.shared_by_class[cut].sum(axis=0)]


def _note(
    code: str, households: int, reasons: list[str], level: LevelResult, parent: str | None = None
) -> dict[str, Any]:
    grids = [
        c for c, p in zip(level.codes, level.parent_codes, strict=True) if p == (parent or code)
    ]
    return {
        "code": code,
        "households": households,
        "reason": "; ".join(reasons),
        "grids": len(grids),
    }


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._t
        self._t = now
