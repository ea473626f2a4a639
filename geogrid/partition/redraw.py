"""Redraw without upheaval: start from the current plan and change only what must change.

Only chosen grids (basic or community codes) or, by default, only the grids whose households
changed and left their band (or that a new building straddles) are divided again, each with the
fewest neighbours needed. Every other grid keeps its geometry and its code; new grids get
sequence numbers after the highest their parent ever had, so an old code never names new ground.
The report tells the share of grids and of households that kept geometry and code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS

from geogrid.errors import InputError
from geogrid.partition._geometry import coverage_error
from geogrid.partition._redraw_parent import Grids, OldGrids, locate_points, redraw_parent
from geogrid.partition.bands import band_for
from geogrid.partition.engine import ENGINE_LEVELS, Plan, checked_account, grid_frame
from geogrid.partition.exemptions import drawn_exemptions
from geogrid.partition.inputs import prepare
from geogrid.partition.parent import LevelResult, ParentInput
from geogrid.partition.quality import level_report

BARRIER_SNAP_M = 0.5  # a grid edge within this of a barrier line lies on it


def redraw_plan(
    current: dict[str, gpd.GeoDataFrame],
    parents: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    waterways: gpd.GeoDataFrame | None = None,
    railways: gpd.GeoDataFrame | None = None,
    levels: Sequence[str] = ("basic", "micro"),
    seed: int = 0,
    only: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    villages: gpd.GeoDataFrame | None = None,
    compounds: gpd.GeoDataFrame | None = None,
) -> Plan:
    """A new plan from ``current`` (grids keyed by level) and today's parents and buildings.

    Parameters
    ----------
    current
        The current plan: ``basic`` and ``micro`` grids (``code``, ``parent_code``,
        ``households``), optionally ``large`` / ``medium``, which are carried over.
    only
        Basic grid codes or parent codes to divide again; ``None`` redraws the grids that now
        violate their band (and those a new building straddles).
    villages
        Polygons of natural villages (自然村), as for a first plan: the grids divided again keep
        each village whole where it fits.
    compounds
        Polygons of residential compounds (小区), as for a first plan.
    """
    start = time.perf_counter()
    for level in ("basic", "micro"):
        if level not in current or "code" not in current[level].columns:
            raise InputError(f"the current plan has no {level} grids with a 'code' field")
    prep = prepare(
        parents, buildings, [roads, waterways, railways], villages=villages, compounds=compounds
    )
    items, metric = prep.items, prep.metric
    old_b = current["basic"].to_crs(metric)
    old_m = current["micro"].to_crs(metric)
    whole, chosen = _chosen(only, [it.code for it in items], set(old_b["code"].astype(str)))
    lines = _all_lines(items)
    prepared = time.perf_counter()
    per_level: dict[str, list[LevelResult]] = {"basic": [], "micro": []}
    grids: dict[str, list[Grids]] = {"basic": [], "micro": []}
    for i, item in enumerate(items):
        basic, micro, micro_basic = _old_of(item.code, old_b, old_m)
        gb, gm = redraw_parent(
            item, basic, micro, micro_basic, whole=item.code in whole, chosen=chosen, seed=seed
        )
        gb_geoms = np.asarray(gb.geoms, dtype=object)
        zone = _barrier_zone(item, lines)
        per_level["basic"].append(_result(item, gb, "basic", zone, inner=None))
        per_level["micro"].append(_result(item, gm, "micro", zone, inner=gb_geoms))
        grids["basic"].append(gb)
        grids["micro"].append(gm)
        if progress is not None:
            progress(i + 1, len(items))
    ran = time.perf_counter()
    frames: dict[str, gpd.GeoDataFrame] = {}
    in_grids = {
        level: int(sum(int(np.sum(r.households)) for r in per_level[level]))
        for level in ("basic", "micro")
    }
    # households first, as in a first plan: in = in grids + listed, checked
    report: dict[str, Any] = {"households": checked_account(prep, in_grids)}
    report["network"] = prep.network
    for level in [lv for lv in ENGINE_LEVELS if lv in levels]:
        if level in ("basic", "micro"):
            fresh = grid_frame(per_level[level], level, metric, parents.crs)
            frames[level] = _keep_geometry(
                fresh,
                current[level],
                {c for g in grids[level] for c, k in zip(g.codes, g.kept, strict=True) if k},
            )
            report[level] = level_report(per_level[level])
            report[level]["repaired_on_reprojection"] = int(fresh.attrs.get("repaired", 0))
        elif level in current:
            frames[level] = _carried(current[level], frames.get("basic"), metric)
            frames[level] = frames[level].to_crs(parents.crs)
    for level in ("large", "medium"):
        if level in levels and level not in current:
            raise InputError(f"the current plan has no {level} grids to carry over")
    report["redraw"] = _redraw_report(grids, old_b, old_m, whole, chosen)
    report["seconds"] = {
        "prepare": round(prepared - start, 3),
        "redraw": round(ran - prepared, 3),
        "total": round(time.perf_counter() - start, 3),
    }
    return Plan(frames, report)


def _keep_geometry(
    frame: gpd.GeoDataFrame, old: gpd.GeoDataFrame, kept: set[str]
) -> gpd.GeoDataFrame:
    """Kept grids carry their geometry exactly as it was (no reprojection round trip)."""
    if old.crs is None or not CRS.from_user_input(old.crs).equals(frame.crs):
        return frame
    before = dict(zip(old["code"].astype(str), old.geometry.to_numpy(), strict=True))
    geoms = frame.geometry.to_numpy().copy()
    carried = np.zeros(len(geoms), dtype=bool)
    for i, code in enumerate(frame["code"].astype(str)):
        if code in kept and code in before:
            geoms[i] = before[code]
            carried[i] = True
    _match_carried(geoms, carried)
    return frame.set_geometry(gpd.GeoSeries(geoms, crs=frame.crs, index=frame.index))


def _match_carried(geoms: NDArray[np.object_], carried: NDArray[np.bool_]) -> None:
    """Make shared edges of new and carried grids match vertex for vertex (a valid coverage):
    a new grid's vertex that misses a carried one by a rounding error (a reprojection round
    trip) moves onto it, and where new grids meet on a carried grid's edge, that edge gets
    their vertex (its shape moves by that rounding error at most)."""
    if not carried.any() or carried.all():
        return
    tol = 1e-12 * max(1.0, float(np.abs(shapely.get_coordinates(geoms[carried])).max()))
    for src, ref in ((~carried, carried), (carried, ~carried)):
        tree = shapely.STRtree(geoms[ref])
        idx = np.flatnonzero(ref)
        for i in np.flatnonzero(src).tolist():
            near = idx[tree.query(geoms[i], predicate="dwithin", distance=tol)]
            if len(near):
                pts = shapely.multipoints(shapely.get_coordinates(geoms[near]))
                geoms[i] = shapely.snap(geoms[i], pts, tol)


def _chosen(
    only: Sequence[str] | None, parents: list[str], basic: set[str]
) -> tuple[set[str], set[str]]:
    if not only:
        return set(), set()
    wanted = {str(c).strip() for c in only if str(c).strip()}
    unknown = sorted(wanted - set(parents) - basic)
    if unknown:
        raise InputError(
            f"--only: {', '.join(unknown[:5])} is neither a parent code nor a basic grid code "
            "of the current plan",
            field="only",
        )
    return wanted & set(parents), wanted & basic


def _old_of(
    code: str, old_b: gpd.GeoDataFrame, old_m: gpd.GeoDataFrame
) -> tuple[OldGrids, OldGrids, np.ndarray]:
    b = old_b[old_b["parent_code"].astype(str) == code].sort_values("code", kind="stable")
    bcodes = b["code"].astype(str).tolist()
    m = old_m[old_m["parent_code"].astype(str).isin(bcodes)].sort_values("code", kind="stable")
    index = {c: i for i, c in enumerate(bcodes)}
    micro_basic = np.asarray([index[c] for c in m["parent_code"].astype(str)], dtype=np.int64)
    return _old(b), _old(m), micro_basic


def _old(frame: gpd.GeoDataFrame) -> OldGrids:
    hh = pd.to_numeric(frame.get("households"), errors="coerce")
    return OldGrids(
        codes=frame["code"].astype(str).tolist(),
        geoms=np.asarray(frame.geometry.to_numpy(), dtype=object),
        households=np.asarray(hh.fillna(-1).to_numpy(), dtype=np.int64),
    )


def _all_lines(items: list[ParentInput]) -> shapely.STRtree | None:
    lines = [it.lines for it in items if len(it.lines)]
    if not lines:
        return None
    return shapely.STRtree(np.concatenate(lines))


def _result(item, grids, level, zone, *, inner):  # type: ignore[no-untyped-def]
    """A LevelResult of the redrawn grids, its boundary shares measured on the polygons."""
    geoms = np.asarray(grids.geoms, dtype=object)
    band = band_for(item.area_type, level)
    cut_barrier, cut_total = _barrier_lengths(item, geoms, zone, inner)
    res = LevelResult(
        codes=list(grids.codes),
        parent_codes=list(grids.parents),
        households=np.asarray(grids.households, dtype=np.int64),
        buildings=np.asarray(grids.buildings, dtype=np.int64),
        geoms=geoms,
        exempt=np.asarray(grids.exempt, dtype=bool),
        band=(band.lo, band.hi),
        cut_barrier=cut_barrier,
        cut_total=cut_total,
        infeasible=list(grids.notes),
    )
    res.gap, res.overlap = coverage_error(item.geometry, geoms)
    res.exempt_reason = _reasons(item, grids, res)
    return res


def _reasons(item: ParentInput, grids: Grids, res: LevelResult) -> list[str]:
    """Why each exempt grid is exempt, read from the grids as drawn (``drawn_exemptions``, as
    the editor reads them: a first plan's reasons are not stored); "unclassified" where that
    reading finds none (a grid the engine could not pack)."""
    if not res.exempt.any():
        return []
    holder = locate_points(np.asarray(item.points, dtype=object), res.geoms)
    largest = np.zeros(len(res.geoms), dtype=np.int64)
    np.maximum.at(largest, holder, np.asarray(item.households, dtype=np.int64))
    drawn = drawn_exemptions(
        res.households, largest, lo=res.band[0], hi=res.band[1], parent=list(grids.parents)
    )
    return [
        (why or "unclassified") if exempt else ""
        for why, exempt in zip(drawn, res.exempt.tolist(), strict=True)
    ]


def _barrier_zone(item: ParentInput, tree: shapely.STRtree | None) -> shapely.Geometry | None:
    """The land within BARRIER_SNAP_M of a barrier line near the parent."""
    if tree is None:
        return None
    near = tree.geometries[tree.query(item.geometry)]
    if not len(near):
        return None
    return shapely.union_all(shapely.buffer(near, BARRIER_SNAP_M, quad_segs=1))


def _barrier_lengths(item, geoms, zone, inner):  # type: ignore[no-untyped-def]
    """Length of interior grid boundaries, and of the part lying on barrier lines."""
    if len(geoms) < 2:
        return 0.0, 0.0
    edges = shapely.union_all(shapely.boundary(geoms))
    outer = shapely.boundary(item.geometry)
    if inner is not None:
        outer = shapely.union_all([outer, *shapely.boundary(inner)])
    interior = shapely.difference(edges, shapely.buffer(outer, 0.01, quad_segs=1))
    total = float(shapely.length(interior))
    if zone is None or total == 0:
        return 0.0, total
    return float(shapely.length(shapely.intersection(interior, zone))), total


def _carried(
    upper: gpd.GeoDataFrame, basic: gpd.GeoDataFrame | None, metric: CRS
) -> gpd.GeoDataFrame:
    """Large / medium grids as they were, their households summed from today's basic grids."""
    out = upper.to_crs(metric).copy()
    if basic is None:
        return out
    b = basic.to_crs(metric)
    points = shapely.point_on_surface(b.geometry.to_numpy())
    gi = shapely.STRtree(out.geometry.to_numpy()).query(points, predicate="within")
    hh = np.zeros(len(out), dtype=np.int64)
    nb = np.zeros(len(out), dtype=np.int64)
    np.add.at(hh, gi[1], b["households"].to_numpy()[gi[0]])
    np.add.at(nb, gi[1], b["buildings"].to_numpy()[gi[0]])
    out["households"], out["buildings"] = hh, nb
    return out


def _redraw_report(grids, old_b, old_m, whole, chosen):  # type: ignore[no-untyped-def]
    out: dict[str, Any] = {
        "mode": "chosen" if (whole or chosen) else "violations",
        "chosen_parents": sorted(whole),
        "chosen_basic_grids": sorted(chosen),
    }
    for level, old in (("basic", old_b), ("micro", old_m)):
        kept = np.concatenate([np.asarray(g.kept, dtype=bool) for g in grids[level]])
        hh = np.concatenate([np.asarray(g.households, dtype=np.int64) for g in grids[level]])
        total = int(hh.sum())
        out[level] = {
            "grids_before": len(old),
            "grids_after": len(kept),
            "kept_grids": int(kept.sum()),
            "kept_grid_share": round(float(kept.sum()) / max(len(old), 1), 5),
            "new_grids": int((~kept).sum()),
            "kept_household_share": round(float(hh[kept].sum()) / total, 5) if total else 1.0,
            "households_in_new_grids": int(hh[~kept].sum()),
        }
    return out
