"""The quality report of a plan: per level, the figures the issue asks for, with fixed keys."""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray

from geogrid.partition._geometry import convexity, wraps_around
from geogrid.partition.barriers import CLASSES
from geogrid.partition.exemptions import REASONS
from geogrid.partition.parent import LevelResult, ParentInput, ParentPlan

LEVEL_KEYS: Final = (
    "count",
    "households_min",
    "households_median",
    "households_max",
    "households_cv",
    "within_band_share",
    "polsby_popper_mean",
    "polsby_popper_min",
    "barrier_boundary_share",
    "gap_area_m2",
    "overlap_area_m2",
    "disconnected",
    "infeasible_parents",
)
WITHIN_BAND_BASIS: Final = (
    "every grid, each against the band of its parent's area type. Grids outside it are either "
    "misses (judged grids out of band) or exempt, counted by reason in exemptions: a building "
    "with more households than the band (single_over_band_building, a grid alone), a parent "
    "too small for one grid, a parent whose households fit no division within the band, a "
    "detached piece of a parent, a dedicated institution grid. within_band_share_judged leaves "
    "the exempt grids out; within_band_share_feasible_parents also every grid of a parent "
    "listed in infeasible_parents."
)


def level_report(results: list[LevelResult]) -> dict[str, Any]:
    """The report of one level from every parent's results (metric geometries)."""
    hh = _cat([r.households for r in results], np.int64)
    geoms = _cat([r.geoms for r in results], object)
    exempt = _cat([r.exempt for r in results], bool)
    lo = _cat([np.full(len(r.households), r.band[0]) for r in results], np.int64)
    hi = _cat([np.full(len(r.households), r.band[1]) for r in results], np.int64)
    within = (hh >= lo) & (hh <= hi)
    judged = within[~exempt]
    listed = {note["code"] for r in results for note in r.infeasible}
    parent_ok = np.asarray([p not in listed for r in results for p in r.parent_codes], dtype=bool)
    feasible = within[parent_ok & ~exempt]
    pp = 4 * np.pi * shapely.area(geoms) / np.maximum(shapely.length(geoms), 1e-9) ** 2
    cut_total = sum(r.cut_total for r in results)
    cut_barrier = sum(r.cut_barrier for r in results)
    mean = float(hh.mean()) if len(hh) else 0.0
    return {
        "count": len(hh),
        "households_min": int(hh.min()) if len(hh) else 0,
        "households_median": float(np.median(hh)) if len(hh) else 0.0,
        "households_max": int(hh.max()) if len(hh) else 0,
        "households_cv": round(float(hh.std() / mean), 4) if mean else 0.0,
        "within_band_share": _share(within),
        "within_band_basis": WITHIN_BAND_BASIS,
        "within_band_share_judged": _share(judged),
        "within_band_judged": len(judged),
        "misses": int((~judged).sum()),
        "missed_grids": [c for c, m in zip(_codes(results), ~within & ~exempt, strict=True) if m],
        "within_band_share_feasible_parents": _share(feasible),
        "within_band_share_all": _share(within),  # the headline, under its older name
        "exempt_grids": int(exempt.sum()),
        "exemptions": _exemptions(results),
        "over_band_building_shared": sum(r.over_band_shared for r in results),
        "settlements": _summed(results, "settlements"),
        "compounds": _summed(results, "compounds"),
        "empty_grids": [
            c for r in results for c, h in zip(r.codes, r.households, strict=True) if h == 0
        ],
        **_convexity(results, geoms),
        **_wraps(results, geoms),
        "polsby_popper_mean": round(float(pp.mean()), 4) if len(pp) else 0.0,
        "polsby_popper_min": round(float(pp.min()), 4) if len(pp) else 0.0,
        "barrier_boundary_share": round(cut_barrier / cut_total, 4) if cut_total else None,
        "barrier_boundary_share_by_class": _by_class(results, cut_total),
        "gap_area_m2": round(sum(r.gap for r in results), 3),
        "overlap_area_m2": round(sum(r.overlap for r in results), 3),
        **_pieces(results, geoms),
        "infeasible_parents": [note for r in results for note in r.infeasible],
        "dedicated_grids": [d for r in results for d in getattr(r, "dedicated", [])],
        # grids that took in an enclave beyond the band (a hole would be worse): judged, listed
        "enclaves_joined_out_of_band": [c for r in results for c in r.enclaves_joined],
    }


def _convexity(results: list[LevelResult], geoms: NDArray[np.object_]) -> dict[str, Any]:
    """Convexity (area / convex-hull area) of the grids against their parents'."""
    conv = convexity(geoms)
    parent = {code: v for r in results for code, v in r.parent_convexity.items()}
    of_grid = np.asarray(
        [parent.get(p, np.nan) for r in results for p in r.parent_codes], dtype=float
    )
    known = ~np.isnan(of_grid)
    return {
        "convexity_mean": round(float(conv.mean()), 4) if len(conv) else None,
        "convexity_min": round(float(conv.min()), 4) if len(conv) else None,
        "parent_convexity_mean": round(float(np.mean(list(parent.values()))), 4)
        if parent
        else None,
        # the held-back check: no grid under 0.5 where its parent is above it
        "convex_under_half_parent_above": int(
            ((conv[known] < 0.5) & (of_grid[known] >= 0.5)).sum()
        ),
    }


def _pieces(results: list[LevelResult], geoms: NDArray[np.object_]) -> dict[str, int]:
    """Grids in several pieces: ``disconnected`` where the parent is one piece (a failure),
    ``multipart_parent_grids`` where the parent itself is in pieces (a crumb of it joined)."""
    parts = shapely.get_num_geometries(geoms)
    of_parent = np.asarray(
        [r.parent_parts.get(p, 1) for r in results for p in r.parent_codes], dtype=np.int64
    )
    return {
        "disconnected": int(((parts != 1) & (of_parent <= 1)).sum()),
        "multipart_parent_grids": int(((parts != 1) & (of_parent > 1)).sum()),
    }


def _codes(results: list[LevelResult]) -> list[str]:
    return [c for r in results for c in r.codes]


def _wraps(results: list[LevelResult], geoms: NDArray[np.object_]) -> dict[str, Any]:
    """Grids wrapping around a neighbour of the same parent (``_geometry.wraps_around``)."""
    codes = _codes(results)
    parents = np.asarray([p for r in results for p in r.parent_codes], dtype=object)
    pairs = wraps_around(geoms, parents)
    return {
        "wraps_around": len({a for a, _ in pairs}),
        "wraps_around_pairs": [[codes[a], codes[b]] for a, b in pairs],
    }


def _summed(results: list[LevelResult], what: str) -> dict[str, int]:
    """Natural villages of rural parents (``settlements``) or residential compounds
    (``compounds``): how many, how many fit a grid, how many were split."""
    out = {what: 0, "fit_band": 0, "split": 0, "split_fitting": 0}
    for r in results:
        for key, value in getattr(r, what).items():
            out[key] += value
    return out


def _by_class(results: list[LevelResult], cut_total: float) -> dict[str, float | None]:
    """Share of the grids' inner boundary on barriers of each class (barriers.CLASSES)."""
    out: dict[str, float | None] = {}
    for c, name in enumerate(CLASSES):
        length = sum(r.cut_by_class[c] for r in results if r.cut_by_class)
        out[name] = round(length / cut_total, 4) if cut_total else None
    return out


def _exemptions(results: list[LevelResult]) -> dict[str, int]:
    """Exempt grids counted by reason (every reason listed, 0 where none)."""
    counts = dict.fromkeys(REASONS, 0)
    for r in results:
        reasons = r.exempt_reason or ["unclassified" if e else "" for e in r.exempt.tolist()]
        for why in reasons:
            if why:
                counts[why] = counts.get(why, 0) + 1
    return counts


def _share(flags: NDArray[np.bool_]) -> float:
    return round(float(flags.mean()), 5) if len(flags) else 1.0


def _cat(arrays: list[Any], dtype: Any) -> NDArray[Any]:
    if not arrays:
        return np.zeros(0, dtype=dtype)
    return np.concatenate([np.asarray(a, dtype=dtype) for a in arrays])


ROAD_NEAR_M: Final = 5.0  # a stretch of grid boundary this close to a road line follows it


def road_proximity(
    grids: list[NDArray[np.object_]],
    parents: list[shapely.Geometry],
    roads: NDArray[np.object_],
    waterways: NDArray[np.object_],
) -> dict[str, Any]:
    """Share of the internal boundary of the grids within ``ROAD_NEAR_M`` of a road line
    (all classes) and, counted apart, of a waterway line.

    ``grids`` holds, per parent, its grids (a coverage of that parent, ``parents``, metric
    CRS); the internal boundary is the grids' boundaries minus the parent's outline, and the
    length near the lines is ``(Σ len(∂g ∩ B) - len(∂P ∩ B)) / 2`` for the lines' buffer B,
    since every internal stretch borders two grids. ``roads`` / ``waterways``: the input's
    lines in the same CRS (before any cleaning). None where there is no internal boundary.
    """
    total = near_road = near_water = 0.0
    road_tree, water_tree = shapely.STRtree(roads), shapely.STRtree(waterways)
    for geoms, parent in zip(grids, parents, strict=True):
        if len(geoms) < 2:
            continue
        outline = shapely.boundary(parent)
        rings = shapely.boundary(geoms)
        total += (float(shapely.length(rings).sum()) - float(shapely.length(outline))) / 2
        near_road += _near(rings, outline, roads, road_tree)
        near_water += _near(rings, outline, waterways, water_tree)
    return {
        "internal_boundary_m": round(total, 1),
        "road_proximity_share": _ratio(near_road, total),
        "river_proximity_share": _ratio(near_water, total),
    }


def plan_road_proximity(
    plans: list[ParentPlan],
    items: list[ParentInput],
    frames: tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None],
    crs: Any,
) -> dict[str, Any]:
    """``road_proximity`` of the basic grids of every parent's plan, from the input's
    (roads, waterways) frames taken to the parents' metric ``crs``."""
    roads, water = (_lines(frame, crs) for frame in frames)
    outline = {item.code: item.geometry for item in items}
    grids = [plan.levels["basic"].geoms for plan in plans]
    return road_proximity(grids, [outline[plan.code] for plan in plans], roads, water)


def _lines(frame: gpd.GeoDataFrame | None, crs: Any) -> NDArray[np.object_]:
    """The line parts of a frame's geometries in ``crs`` (none for no frame)."""
    if frame is None or len(frame) == 0:
        return np.empty(0, dtype=object)
    parts = shapely.get_parts(frame.to_crs(crs).geometry.to_numpy())
    kind = shapely.get_type_id(parts)
    return np.asarray(parts[kind == 1], dtype=object)


def _ratio(part: float, total: float) -> float | None:
    return round(min(max(part / total, 0.0), 1.0), 4) if total > 0 else None


def _near(
    rings: NDArray[np.object_],
    outline: shapely.Geometry,
    lines: NDArray[np.object_],
    tree: shapely.STRtree,
) -> float:
    """Internal length of ``rings`` (the grids' boundaries of one parent, whose outline is
    ``outline``) within ``ROAD_NEAR_M`` of ``lines``."""
    if len(lines) == 0:
        return 0.0
    # only the lines near a grid boundary are buffered (their union is the cost)
    near = np.unique(tree.query(rings, predicate="dwithin", distance=ROAD_NEAR_M)[1])
    if len(near) == 0:
        return 0.0
    zone = shapely.buffer(shapely.multilinestrings(lines[near]), ROAD_NEAR_M, quad_segs=4)
    rings_near = float(shapely.length(shapely.intersection(rings, zone)).sum())
    return (rings_near - float(shapely.length(shapely.intersection(outline, zone)))) / 2
