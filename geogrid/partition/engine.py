"""``partition_plan``: parents, buildings and barrier lines in; grids per level and a report out."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geogrid.building_uses import USES, use_key
from geogrid.densify import densified_to_crs
from geogrid.errors import InputError, InvariantBroken
from geogrid.partition.inputs import Prepared, prepare
from geogrid.partition.intake import REACH_M, household_account
from geogrid.partition.network import SNAP_M
from geogrid.partition.parent import LevelResult, ParentInput, ParentPlan, plan_parent
from geogrid.partition.pieces import divided_report
from geogrid.partition.pool import parent_pool, run_in_pool
from geogrid.partition.quality import level_report, plan_road_proximity

Progress = Callable[[int, int], None]
GRID_COLUMNS = ("code", "parent_code", "level", "households", "buildings")
ENGINE_LEVELS = ("large", "medium", "basic", "micro")
SLIVER_M2 = 1.0


@dataclass
class Plan:
    """Grids per level (in the caller's CRS) and the quality report."""

    grids: dict[str, gpd.GeoDataFrame]
    report: dict[str, Any]
    units: gpd.GeoDataFrame | None = None  # the cells grids are made of (with_units=True)


def partition_plan(
    parents: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    waterways: gpd.GeoDataFrame | None = None,
    railways: gpd.GeoDataFrame | None = None,
    levels: Sequence[str] = ("basic", "micro"),
    seed: int = 0,
    only: Sequence[str] | None = None,
    scheduler: str | None = None,
    workers: int = 1,
    connect_timeout: float = 10.0,
    dedicated_uses: Sequence[str] = (),
    reach_m: float = REACH_M,
    snap_m: float = SNAP_M,
    with_units: bool = False,
    streets: gpd.GeoDataFrame | None = None,
    villages: gpd.GeoDataFrame | None = None,
    compounds: gpd.GeoDataFrame | None = None,
    progress: Progress | None = None,
) -> Plan:
    """Divide each parent into basic grids and each basic grid into micro grids.

    Parameters
    ----------
    parents
        Communities / villages (or streets), with ``code`` and optionally ``area_type``.
    buildings
        Footprints with ``households`` (and optionally ``compound_id``).
    roads, waterways, railways
        Barrier lines: grid boundaries follow them where a balanced division allows.
    levels
        Grid levels to return; basic and micro are always computed, ``large`` / ``medium``
        group basic grids above them.
    seed
        Seed of the initial METIS split: the same input and seed give the same plan.
    only
        Parent codes to divide (the others are left out).
    scheduler
        ``None`` for this process, ``"local"`` for a local dask cluster, or the address of a
        ``dask.distributed`` scheduler.
    workers
        Without a scheduler: parents planned in this many processes of this machine (1: in
        this process). The plan is the same whatever the count.
    connect_timeout
        Seconds to wait for a scheduler at an address before giving up.
    dedicated_uses
        Building uses (``school``, ``hospital``, ...) whose institutions get basic grids of
        their own, listed under ``basic.dedicated_grids`` in the report; needs a ``use`` field.
    reach_m
        A building whose interior point lies in no parent goes to the parent its footprint
        overlaps most, else to the nearest parent within this many metres; the rest are listed
        under ``households.unassigned`` in the report, each with its reason.
    snap_m
        Dangling barrier line ends are extended up to this many metres to the line or parent
        outline they point at, and near-misses closed (0: off); the fixes are counted under
        ``network`` in the report (see :mod:`geogrid.partition.network`).
    with_units
        Also return ``Plan.units``: every cell (in the parents' CRS) with ``parent_code``,
        ``basic_code``, ``micro_code``, ``households`` and ``buildings``; grids are exact
        unions of their cells.
    streets
        The streets the parents divide (optional): the grids' gap is then measured against
        them too, so land no parent covers counts (``gap_between_parents_m2``).
    villages
        Polygons of natural villages (自然村), optional: in village, rural and mountain parents
        the buildings inside one form one settlement (kept in one grid where it fits the
        band); buildings in none are clustered by the distance between their footprints.
    compounds
        Polygons of residential compounds (小区), optional: a building without a
        ``compound_id`` belongs to the compound holding it; a compound is kept in one basic
        grid where it fits the band (the report's ``compounds`` counts those split).
    progress
        Called with (parents done, parents in all).
    """
    unknown = set(levels) - set(ENGINE_LEVELS)
    if unknown:
        raise InputError(f"unknown grid level(s) {sorted(unknown)}; expected {ENGINE_LEVELS}")
    _refuse_unknown_only(parents, only)
    start = time.perf_counter()
    with ExitStack() as stack:
        # the workers start (and import the engine) while this process prepares the inputs
        pool = stack.enter_context(parent_pool(workers)) if workers > 1 and not scheduler else None
        prep = prepare(
            parents,
            buildings,
            [roads, waterways, railways],
            only=set(only) if only else None,
            reach_m=reach_m,
            snap_m=snap_m,
            villages=villages,
            compounds=compounds,
        )
        items, metric = prep.items, prep.metric
        prepared = time.perf_counter()
        plans = run_items(
            items,
            seed=seed,
            scheduler=scheduler,
            pool=pool,
            connect_timeout=connect_timeout,
            dedicated_uses=_dedicated(dedicated_uses, buildings),
            keep_units=with_units,
            progress=progress,
        )
    ran = time.perf_counter()
    grids, levels_report = _collect(items, plans, metric, parents.crs, levels)
    report = {"households": _account(prep, plans), "network": prep.network, **levels_report}
    report["households"]["suspect"] = prep.suspects
    report["households"]["divided_buildings"] = divided_report(prep.divided)
    if "basic" in report:  # shapes: internal basic boundary within 5 m of a road (quality)
        report["basic"].update(plan_road_proximity(plans, items, (roads, waterways), metric))
    between, outside = (
        _gap_between(streets, items, metric) if streets is not None and not only else (0.0, [])
    )
    report["street_land_outside_parents"] = outside
    for level in ("basic", "micro"):
        if level in report:
            # grids of two parents overlap where the parents do, and leave uncovered what the
            # parents leave of their streets: measured against them all, not per parent
            report[level]["overlap_between_parents_m2"] = round(prep.parent_overlap_m2, 3)
            report[level]["overlap_area_m2"] = round(
                report[level]["overlap_area_m2"] + prep.parent_overlap_m2, 3
            )
            report[level]["gap_between_parents_m2"] = round(between, 3)
            report[level]["gap_area_m2"] = round(report[level]["gap_area_m2"] + between, 3)
    seconds = {"prepare": prepared - start}
    for plan in plans:
        for stage, value in plan.seconds.items():
            seconds[stage] = seconds.get(stage, 0.0) + value
    if scheduler is not None or workers > 1:
        # the stages above sum every worker's time; this is the wall time they took together
        seconds["distributed_wall" if scheduler is not None else "workers_wall"] = ran - prepared
    seconds["collect"] = time.perf_counter() - ran
    seconds["total"] = time.perf_counter() - start
    report["seconds"] = {k: round(v, 3) for k, v in seconds.items()}
    units = unit_frame(plans, metric, parents.crs) if with_units else None
    return Plan(grids, report, units)


def unit_frame(plans: list[ParentPlan], metric: CRS, crs: Any) -> gpd.GeoDataFrame:
    """The cells of every parent with the codes of their basic and micro grids, in ``crs``."""
    rows: dict[str, list[Any]] = {k: [] for k in ("parent_code", "basic_code", "micro_code")}
    geoms, hh, nb = [], [], []
    for plan in plans:
        cells = plan.cells
        if cells is None:
            continue
        basic, micro = plan.levels["basic"], plan.levels["micro"]
        rows["parent_code"].extend([plan.code] * cells.n)
        rows["basic_code"].extend(basic.codes[i] for i in plan.unit_labels["basic"].tolist())
        rows["micro_code"].extend(micro.codes[i] for i in plan.unit_labels["micro"].tolist())
        geoms.append(cells.geoms)
        hh.append(cells.households)
        nb.append(cells.buildings)
    frame = gpd.GeoDataFrame(
        {
            **{k: pd.Series(v, dtype=object) for k, v in rows.items()},
            "households": np.concatenate(hh) if hh else np.zeros(0, dtype=np.int64),
            "buildings": np.concatenate(nb) if nb else np.zeros(0, dtype=np.int64),
        },
        geometry=gpd.GeoSeries(np.concatenate(geoms) if geoms else [], crs=metric),
    )
    return frame.to_crs(crs)


def run_items(
    items: list[ParentInput],
    *,
    seed: int,
    scheduler: str | None = None,
    pool: ProcessPoolExecutor | None = None,
    connect_timeout: float = 10.0,
    dedicated_uses: Sequence[str] = (),
    keep_units: bool = False,
    progress: Progress | None = None,
) -> list[ParentPlan]:
    """Plan every parent, here, in a pool of this machine's processes (``pool.parent_pool``)
    or on a dask cluster (same result every way)."""
    if scheduler is not None:
        from geogrid.partition.distributed import run_distributed

        return run_distributed(
            items,
            seed=seed,
            scheduler=scheduler,
            connect_timeout=connect_timeout,
            dedicated_uses=dedicated_uses,
            keep_units=keep_units,
            progress=progress,
        )
    if pool is not None and len(items) > 1:
        return run_in_pool(
            pool, items, seed=seed, dedicated_uses=dedicated_uses, keep_units=keep_units,
            progress=progress,
        )  # fmt: skip
    out = []
    for i, item in enumerate(items):
        out.append(
            plan_parent(item, seed=seed, dedicated_uses=dedicated_uses, keep_units=keep_units)
        )
        if progress is not None:
            progress(i + 1, len(items))
    return out


def _gap_between(
    streets: gpd.GeoDataFrame, items: list[ParentInput], metric: CRS
) -> tuple[float, list[dict[str, float]]]:
    """Area (m²) of the streets that no parent covers, and its pieces of 1 m² or more, largest
    first, each with its area and a point inside it (lon/lat, EPSG:4326)."""
    if streets.empty or not items:
        return 0.0, []
    outline = shapely.union_all(densified_to_crs(streets, metric).geometry.to_numpy())
    covered = shapely.union_all(np.asarray([it.geometry for it in items], dtype=object))
    left = shapely.difference(outline, covered)
    parts = shapely.get_parts(left)
    areas = shapely.area(parts)
    order = np.argsort(-areas, kind="stable")
    keep = order[areas[order] >= 1.0]
    where = gpd.GeoSeries(shapely.point_on_surface(parts[keep]), crs=metric).to_crs(4326)
    pieces = [
        {"area_m2": round(float(areas[i]), 1), "lon": round(p.x, 6), "lat": round(p.y, 6)}
        for i, p in zip(keep.tolist(), where, strict=True)
    ]
    return float(shapely.area(left)), pieces


def _account(prep: Prepared, plans: list[ParentPlan]) -> dict[str, Any]:
    in_grids = {
        level: int(sum(int(p.levels[level].households.sum()) for p in plans))
        for level in ("basic", "micro")
    }
    return checked_account(prep, in_grids)


def checked_account(prep: Prepared, in_grids: dict[str, int]) -> dict[str, Any]:
    """The household account of a plan whose levels hold ``in_grids`` households (a first
    plan or a redraw); raises InvariantBroken when a household went missing."""
    account = household_account(
        households_in=int(prep.households.sum()),
        buildings_in=len(prep.households),
        in_grids=in_grids,
        unassigned=prep.unassigned,
        placement=prep.placement,
        households=prep.households,
    )
    if not account["balanced"]:
        raise InvariantBroken(
            f"households lost: {account['households_in']} in, {in_grids} in grids, "
            f"{account['unassigned_households']} listed as unassigned"
        )
    return account


def _dedicated(uses: Sequence[str], buildings: gpd.GeoDataFrame) -> tuple[str, ...]:
    """The dedicated uses, normalised like the buildings' ``use`` (sorted; canonical where
    known, so 学校 asks for schools; else lower case)."""
    if isinstance(uses, str):
        raise InputError("dedicated_uses must be a sequence of uses, not one string", field="use")
    wanted = tuple(sorted({use_key(u) for u in uses if u.strip()}))
    if wanted and "use" not in buildings.columns:
        raise InputError(
            f"dedicated grids for {', '.join(wanted)} need a 'use' field on the buildings",
            field="use",
        )
    held = {use_key(v) for v in buildings.get("use", ())}
    unknown = [u for u in wanted if u not in USES and u not in held]
    if unknown:  # a typing slip (schol) would give no dedicated grid and no word
        raise InputError(
            f"no building has the use {', '.join(map(repr, unknown))} asked for dedicated grids "
            f"(uses known: {', '.join(USES[2:])}; or a value the buildings carry)",
            field="use",
        )
    return wanted


def _collect(
    items: list[ParentInput],
    plans: list[ParentPlan],
    metric: CRS,
    crs: Any,
    levels: Sequence[str],
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, Any]]:
    wanted = [lv for lv in ENGINE_LEVELS if lv in levels]
    grids: dict[str, gpd.GeoDataFrame] = {}
    report: dict[str, Any] = {}
    upper = None
    if "large" in wanted or "medium" in wanted:
        from geogrid.partition.upper import upper_levels

        upper = upper_levels(items, plans)
    for level in wanted:
        if upper is not None and level in upper.results:
            results = upper.results[level]
            report[level] = level_report(results)
            # a group of whole communities is multi-part wherever a member has islands: only a
            # group whose mainlands fall apart is a failure
            report[level]["disconnected"] = upper.disconnected[level]
            report[level]["multipart_parent_grids"] = upper.multipart_parent_grids[level]
        else:
            results = [p.levels[level] for p in plans]
            report[level] = level_report(results)
        grids[level] = grid_frame(results, level, metric, crs)
        report[level]["repaired_on_reprojection"] = int(grids[level].attrs.get("repaired", 0))
        report[level]["sliver_area_dropped_m2"] = grids[level].attrs.get("sliver_m2", 0.0)
    return grids, report


def grid_frame(results: list[LevelResult], level: str, metric: CRS, crs: Any) -> gpd.GeoDataFrame:
    """One level's grids of every parent as a frame sorted by code, in ``crs``."""
    codes = [c for r in results for c in r.codes]
    frame = gpd.GeoDataFrame(
        {
            "code": pd.Series(codes, dtype=object),
            "parent_code": pd.Series([c for r in results for c in r.parent_codes], dtype=object),
            "level": level,
            "households": np.concatenate([r.households for r in results]) if results else [],
            "buildings": np.concatenate([r.buildings for r in results]) if results else [],
        },
        geometry=gpd.GeoSeries(
            np.concatenate([r.geoms for r in results]) if results else [], crs=metric
        ),
    )
    frame = frame.sort_values("code", kind="stable").reset_index(drop=True)
    return _reprojected(frame, crs)


def _reprojected(frame: gpd.GeoDataFrame, crs: Any) -> gpd.GeoDataFrame:
    """``frame`` in ``crs``, each polygon still valid.

    A grid with a sliver hanging on a neck narrower than a millimetre (valid in the metric CRS)
    can cross itself once the curved reprojection moves its points a hair. Such grids are
    repaired, and slivers below SLIVER_M2 cut off there are dropped (counted in ``attrs``).
    """
    out = frame.to_crs(crs)
    geoms = out.geometry.to_numpy().copy()
    bad = np.flatnonzero(~shapely.is_valid(geoms))
    dropped = 0.0
    for i in bad.tolist():
        parts = shapely.get_parts(shapely.make_valid(geoms[i], method="structure"))
        parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        area = gpd.GeoSeries(parts, crs=crs).to_crs(frame.crs).area.to_numpy()
        keep = area >= min(SLIVER_M2, float(area.max()))
        dropped += float(area[~keep].sum())
        geoms[i] = parts[keep][0] if keep.sum() == 1 else shapely.multipolygons(parts[keep])
    if len(bad):
        out = out.set_geometry(gpd.GeoSeries(geoms, crs=out.crs, index=out.index))
    out.attrs["repaired"] = len(bad)
    out.attrs["sliver_m2"] = round(dropped, 3)
    return out


def _refuse_unknown_only(parents: gpd.GeoDataFrame, only: Sequence[str] | None) -> None:
    """A code in ``only`` that no parent has: a mistyped code would plan nothing and list
    every household as undivided."""
    if not only or "code" not in parents.columns:
        return
    codes = parents["code"].astype(str)
    unknown = sorted(set(only) - set(codes))
    if unknown:
        raise InputError(
            f"only: no parent has the code(s) {', '.join(unknown)}; the parents' codes run "
            f"from {codes.min()} to {codes.max()} ({len(codes)} parents)",
            field="code",
        )
