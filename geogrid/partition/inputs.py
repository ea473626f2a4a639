"""Check the engine's input frames and cut them into one work item per parent (metric CRS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from geogrid.building_uses import use_key
from geogrid.crs import metric_crs
from geogrid.densify import densified_to_crs
from geogrid.errors import CRSError, InputError
from geogrid.overlap_width import REPAIR_OVERLAP_WIDTH_M, inscribed_width, too_wide_to_repair
from geogrid.partition._canonical import building_order, polygon_order
from geogrid.partition.intake import REACH_M, Placement, place_buildings, unassigned_rows
from geogrid.partition.network import SNAP_M, barrier_network
from geogrid.partition.parent import ParentInput
from geogrid.partition.pieces import divide_apart_parts
from geogrid.partition.settlements import GAP_M, RURAL, settlements
from geogrid.partition.suspects import (
    enclosing_footprints,
    footprint_pairs,
    road_land_footprints,
    suspect_buildings,
)

POLYGONAL = ("Polygon", "MultiPolygon")
OVERLAP_M2 = 1.0  # parents overlapping by more than this are refused


@dataclass
class Prepared:
    """The engine's input cut per parent (metric CRS), and where every building went."""

    items: list[ParentInput]
    metric: CRS
    placement: Placement  # per building, in the canonical order (``rows``)
    households: NDArray[np.int64]  # per building, in the canonical order (``rows``)
    unassigned: list[dict[str, Any]]  # buildings in no grid, with their reasons
    network: dict[str, Any] = field(default_factory=dict)  # fixes made to the line network
    parent_overlap_m2: float = 0.0  # parents overlap by this much (each pair within the limit)
    suspects: dict[str, Any] = field(default_factory=dict)  # buildings whose data look wrong
    divided: list[dict[str, Any]] = field(default_factory=list)  # drawn in parts apart (pieces)
    # the input row of each building in the canonical order the engine takes them in
    rows: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def parent_items(
    parents: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    barriers: list[gpd.GeoDataFrame],
    *,
    only: set[str] | None = None,
    villages: gpd.GeoDataFrame | None = None,
    compounds: gpd.GeoDataFrame | None = None,
) -> tuple[list[ParentInput], CRS]:
    """One :class:`ParentInput` per parent, sorted by code, in the metric CRS of the parents
    (``villages``, ``compounds``: the user's natural villages and compounds, see
    :func:`prepare`)."""
    prepared = prepare(
        parents, buildings, barriers, only=only, villages=villages, compounds=compounds
    )
    return prepared.items, prepared.metric


def prepare(
    parents: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    barriers: list[gpd.GeoDataFrame],
    *,
    only: set[str] | None = None,
    reach_m: float = REACH_M,
    overlap_m2: float = OVERLAP_M2,
    snap_m: float = SNAP_M,
    settlement_gap_m: float = GAP_M,
    villages: gpd.GeoDataFrame | None = None,
    compounds: gpd.GeoDataFrame | None = None,
) -> Prepared:
    """Check the frames, place every building in a parent (see :mod:`.intake`) and cut the
    input into one :class:`ParentInput` per parent, sorted by code, in the parents' metric CRS.

    ``villages``: polygons of natural villages (自然村), when the user has them: in rural
    parents a building inside one belongs to that settlement, the others are clustered.
    ``compounds``: polygons of residential compounds (小区), when the user has them: a building
    without a ``compound_id`` of its own belongs to the one holding it (kept in one grid where
    it fits the band).

    Raises InputError on a frame without CRS, a duplicate parent code, non-polygons, or
    parents that overlap by more than ``overlap_m2`` (grids would copy the overlap).
    """
    _check_frame(parents, "parents", ("code",))
    _check_frame(buildings, "buildings", ())
    metric = metric_crs(parents)
    par = densified_to_crs(parents, metric)  # shared edges stay shared (geogrid.densify)
    codes = par["code"].astype(str).to_numpy()
    if len(set(codes)) != len(codes):
        dup = pd.Series(codes)[pd.Series(codes).duplicated()].iloc[0]
        raise InputError(f"parent code {dup!r} occurs more than once", feature=dup, field="code")
    order = np.argsort(codes, kind="stable")
    # 2D: a Z from a survey or CAD export would ride into the grids (see network._lines)
    geoms = shapely.make_valid(shapely.force_2d(par.geometry.to_numpy()[order]))
    geoms = np.asarray([_polygonal(g) for g in geoms], dtype=object)
    codes = codes[order]
    _refuse_empty(geoms, codes)
    between = _refuse_overlaps(geoms, codes, overlap_m2)
    area_types = (
        par["area_type"].to_numpy()[order] if "area_type" in par.columns else [None] * len(codes)
    )
    bld, divided = divide_apart_parts(buildings.to_crs(metric))  # rows: one per building
    footprints = np.asarray(
        shapely.make_valid(shapely.force_2d(bld.geometry.to_numpy())), dtype=object
    )
    ids = _ids(bld)
    # from here on buildings are in a canonical order, not the rows' (see _canonical): the
    # plan must not depend on it; ``rows`` names each building's input row
    rows = building_order(footprints, ids)
    footprints, ids = footprints[rows], ids[rows]
    points = np.asarray(shapely.point_on_surface(footprints), dtype=object)
    households = _households(bld)[rows]
    compound = _compounds(bld)[rows]
    uses = _uses(bld)
    uses = None if uses is None else uses[rows]
    placement = place_buildings(points, footprints, geoms, _owner(points, geoms), reach_m=reach_m)
    given_footprints = footprints
    owner, points, footprints = placement.owner, placement.points, placement.footprints
    village = polygon_holding(points, villages, metric)
    compound = with_polygon_compounds(
        compound, polygon_holding(points, compounds, metric, "compounds")
    )
    network = barrier_network(barriers, shapely.boundary(geoms), metric, snap_m=snap_m)
    lines = network.lines
    # a zone or compound outline, the land of a road among the buildings is not kept whole
    # (suspects): its point stands for it, or it would bind every building it touches
    pairs = footprint_pairs(given_footprints, placement.duplicate_of)  # for both: dear
    enclosing = enclosing_footprints(given_footprints, placement.duplicate_of, pairs=pairs)
    road_land = road_land_footprints(footprints, households, lines)
    footprints = footprints.copy()
    footprints[enclosing | road_land] = points[enclosing | road_land]
    # without households such a footprint is no unit at all: as a point it would still be a
    # cell generator (a cell of 0 households beside the road, a notch in the cuts)
    ghost = (enclosing | road_land) & (households == 0)
    ltree = shapely.STRtree(lines)
    selected = np.asarray([only is None or c in only for c in codes], dtype=bool)
    items = []
    for i, code in enumerate(codes):
        if not selected[i]:
            continue
        sel = np.flatnonzero((owner == i) & ~ghost)
        near = np.sort(ltree.query(geoms[i])) if len(lines) else np.zeros(0, dtype=np.int64)
        items.append(
            ParentInput(
                code=str(code),
                area_type=None if pd.isna(area_types[i]) else str(area_types[i]),
                geometry=geoms[i],
                points=points[sel],
                footprints=footprints[sel],
                households=households[sel],
                compound=compound[sel],
                lines=lines[near],
                line_class=network.classes[near],
                settlement=_settlements(
                    area_types[i], footprints[sel], settlement_gap_m, village[sel]
                ),
                uses=None if uses is None else uses[sel],
                rows=rows[sel],
            )
        )
    unassigned = unassigned_rows(
        placement, households=households, ids=ids, codes=codes, selected=selected, reach_m=reach_m
    )
    levels = (
        pd.to_numeric(bld["levels"], errors="coerce").to_numpy(dtype=float)[rows]
        if "levels" in bld.columns
        else None
    )
    suspects = suspect_buildings(
        given_footprints,
        households=households,
        levels=levels,
        ids=ids,
        duplicate_of=placement.duplicate_of,
        enclosing=enclosing,
        road_land=road_land,
        pairs=pairs,
    )
    return Prepared(
        items,
        metric,
        placement,
        households,
        unassigned,
        network=network.fixes,
        parent_overlap_m2=between,
        suspects=suspects,
        divided=divided,
        rows=rows,
    )


def _settlements(
    area_type: str | None,
    footprints: NDArray[np.object_],
    gap_m: float,
    village: NDArray[np.int64],
) -> NDArray[np.int64] | None:
    """Natural villages of a village, rural or mountain parent (None elsewhere): the user's
    village a building lies in, else a cluster of the buildings in none (``settlements``)."""
    if area_type not in RURAL or (gap_m <= 0 and not (village >= 0).any()):
        return None
    out = village.copy()
    rest = np.flatnonzero(village < 0)
    if len(rest) and gap_m > 0:
        out[rest] = settlements(footprints[rest], gap_m=gap_m) + int(village.max()) + 1
    return out


def polygon_holding(
    points: NDArray[np.object_],
    villages: gpd.GeoDataFrame | None,
    metric: CRS,
    what: str = "natural villages",
) -> NDArray[np.int64]:
    """Index of the polygon (a natural village, or ``what``) holding each building's point
    (-1 in none or no layer), the polygons in their canonical order (``_canonical``)."""
    out = np.full(len(points), -1, dtype=np.int64)
    if villages is None or villages.empty or len(points) == 0:
        return out
    _check_frame(villages, what, ())
    geoms = np.asarray(
        shapely.make_valid(shapely.force_2d(densified_to_crs(villages, metric).geometry.to_numpy()))
    )
    # numbered in a canonical order, not the rows' (the first of two overlapping holds)
    return _owner(points, geoms[polygon_order(geoms)])


def _refuse_overlaps(geoms: NDArray[np.object_], codes: NDArray[np.str_], limit: float) -> float:
    """Parents must form a coverage: refuse any two that overlap by more than ``limit`` m².

    Returns the area (m²) the parents overlap by in all (each pair within the limit)."""
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    if len(a) == 0:
        return 0.0
    area = shapely.area(shapely.intersection(geoms[a], geoms[b]))
    bad = np.flatnonzero(area > limit)
    if len(bad) == 0:
        return float(area.sum())
    worst = bad[np.argmax(area[bad])]
    more = (
        f" (and {len(bad) - 1} more pair(s), {area[bad].sum():.1f} m² in all)"
        if len(bad) > 1
        else ""
    )
    wide = REPAIR_OVERLAP_WIDTH_M  # what --repair gives away, as import has it
    width = inscribed_width(shapely.intersection(geoms[a[worst]], geoms[b[worst]]))
    if width <= wide:
        what = (
            "repair the parents first (--repair of 'geogrid partition FILE' or of 'geogrid "
            f"import' gives an overlap up to {wide:g} m wide to one neighbour; "
            "import's --overlap-m2 only lets it in)"
        )
    else:  # --repair refuses it as well: two boundaries claim that land
        what = too_wide_to_repair(wide)
    raise InputError(
        f"parents {codes[a[worst]]} and {codes[b[worst]]} overlap by {area[worst]:.1f} m², "
        f"{width:.1f} m wide{more}; grids would copy it: {what}",
        feature=str(codes[a[worst]]),
    )


def _check_frame(frame: gpd.GeoDataFrame, name: str, fields: tuple[str, ...]) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(f"{name} must be a GeoDataFrame, not {type(frame).__name__}")
    if frame.crs is None:
        raise CRSError(f"{name} have no CRS; set one (EPSG:4326 for lon/lat)")
    for name_ in fields:
        if name_ not in frame.columns:
            raise InputError(f"{name} have no {name_!r} field", field=name_)
    kinds = set(frame.geom_type.dropna())
    if kinds - set(POLYGONAL):
        raise InputError(f"{name} must be polygons, found {', '.join(sorted(kinds))}")


def _refuse_empty(geoms: NDArray[np.object_], codes: NDArray[np.str_]) -> None:
    """A parent without area (a null shape, an empty or a zero-area ring) has nothing to
    divide: refuse it by code rather than fail deep in the division."""
    empty = np.flatnonzero(shapely.is_empty(geoms) | (shapely.area(geoms) <= 0))
    if len(empty) == 0:
        return
    more = f" (and {len(empty) - 1} more)" if len(empty) > 1 else ""
    raise InputError(
        f"the parent has no area (a null, empty or zero-area geometry){more}; "
        "draw it or leave the row out",
        feature=str(codes[empty[0]]),
        field="geometry",
    )


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    if shapely.get_type_id(geom) in (3, 6):
        return geom
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in POLYGONAL]
    return shapely.union_all(polys) if polys else shapely.Polygon()


def _ids(bld: gpd.GeoDataFrame) -> NDArray[np.object_]:
    """Each building's id, or its row number in a frame without ``building_id``."""
    if "building_id" in bld.columns:
        return bld["building_id"].to_numpy(dtype=object)
    return np.arange(len(bld)).astype(object)


def _households(bld: gpd.GeoDataFrame) -> NDArray[np.int64]:
    if "households" not in bld.columns:
        raise InputError(
            "buildings have no 'households' field; estimate them on import", field="households"
        )
    hh = pd.to_numeric(bld["households"], errors="coerce").fillna(0).to_numpy()
    bad = np.flatnonzero(hh < 0)
    if len(bad):
        feature = bld["building_id"].iloc[bad[0]] if "building_id" in bld.columns else int(bad[0])
        raise InputError(
            f"negative households ({hh[bad[0]]:g})", feature=feature, field="households"
        )
    return np.round(hh).astype(np.int64)


def _compounds(bld: gpd.GeoDataFrame) -> NDArray[np.int64]:
    if "compound_id" not in bld.columns:
        return np.full(len(bld), -1, dtype=np.int64)
    ids = bld["compound_id"].astype("string").fillna("").to_numpy(dtype=str)
    uniq, inv = np.unique(ids, return_inverse=True)
    out = inv.astype(np.int64)
    if len(uniq) and uniq[0] == "":
        out -= 1  # "" sorts first: no compound
    return out


def with_polygon_compounds(
    given: NDArray[np.int64], polygon: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Compound of each building: its own ``compound_id`` where it has one, else the compound
    polygon (小区) holding it (``polygon``: index, -1 in none), numbered after the given ids."""
    free = (given < 0) & (polygon >= 0)
    if not free.any():
        return given
    out = given.copy()
    out[free] = polygon[free] + int(given.max(initial=-1)) + 1
    return out


def _uses(bld: gpd.GeoDataFrame) -> NDArray[np.object_] | None:
    """Each building's use (``""`` where none), or None when buildings carry no ``use``: the
    canonical use where one is known (学校 and A33 are ``school``), else the value as written,
    in lower case."""
    if "use" not in bld.columns:
        return None
    return np.asarray([use_key(v) for v in bld["use"]], dtype=object)


def _owner(points: NDArray[np.object_], parents: NDArray[np.object_]) -> NDArray[np.int64]:
    """The polygon holding each building's interior point (the first in order: parents are
    sorted by code), -1 if none."""
    owner = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0:
        return owner
    pi, gi = shapely.STRtree(parents).query(points, predicate="intersects")
    order = np.lexsort((gi, pi))
    pi, gi = pi[order], gi[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.zeros(0, dtype=bool)
    owner[pi[first]] = gi[first]
    return owner
