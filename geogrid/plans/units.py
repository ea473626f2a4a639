"""The units of a plan: the engine's building cells of each parent, each with its micro grid.

A draft is edited as an assignment of these units to grids. They are rebuilt with the engine's
own input and cell builders (:func:`geogrid.partition.inputs.parent_items`,
:func:`geogrid.partition.units.build_units`), which are deterministic, so the union of the units
of each micro grid is that grid. Pure: GeoDataFrames in, a GeoDataFrame out.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geogrid.crs import STORAGE_CRS
from geogrid.errors import InputError
from geogrid.partition.drawn import straightened_cells
from geogrid.partition.inputs import parent_items
from geogrid.partition.units import build_units

Progress = Callable[[int, int], None]
UNIT_COLUMNS = (
    "unit_id",
    "community",
    "building_group",
    "households",
    "buildings",
    "building_ids",
    "micro_code",
)


def plan_units(
    parents: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    micro: gpd.GeoDataFrame,
    *,
    basic: gpd.GeoDataFrame,
    barriers: list[gpd.GeoDataFrame | None],
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Units of every parent that has basic grids, in EPSG:4326, with ``UNIT_COLUMNS``.

    ``buildings`` need ``building_id`` and ``households``; ``micro`` and ``basic`` are the plan's
    grids (``code``, ``parent_code``). A unit goes to the micro grid that holds a point inside it.
    ``building_group`` numbers the units that make one building (they never part).
    """
    if "building_id" not in buildings.columns:
        raise InputError("buildings have no 'building_id' field", field="building_id")
    only = set(basic["parent_code"].astype(str))
    items, metric = parent_items(
        parents, buildings, [b for b in barriers if b is not None], only=only
    )
    ids = _ids_by_point(buildings, metric)
    mgrids = micro.to_crs(metric)
    mgeoms = mgrids.geometry.to_numpy()
    mcodes = mgrids["code"].astype(str).to_numpy()
    tree = shapely.STRtree(mgeoms)
    _, basic_of_micro = np.unique(mgrids["parent_code"].astype(str).to_numpy(), return_inverse=True)
    frames = []
    group_base = 0
    for done, item in enumerate(items, start=1):
        units = build_units(
            item.geometry, item.points, item.households, item.compound, item.lines, item.footprints
        )
        reps = shapely.point_on_surface(units.geoms)
        pi, gi = tree.query(reps, predicate="within")
        owner = np.full(units.n, -1, dtype=np.int64)
        owner[pi[::-1]] = gi[::-1]
        lost = np.flatnonzero(owner < 0)
        if len(lost):
            _, near = tree.query_nearest(reps[lost], all_matches=False)
            owner[lost] = near
        # the engine's straight lines through blocks, so each grid is the union of its units
        _, basic_of_cell = np.unique(basic_of_micro[owner], return_inverse=True)
        geoms = straightened_cells(item, units.geoms, basic_of_cell.astype(np.int64), owner)
        bids: list[list[str]] = [[] for _ in range(units.n)]
        for b, u in enumerate(units.building_unit.tolist()):
            bids[u].append(ids[_key(item.points[b])].pop())
        frames.append(
            pd.DataFrame(
                {
                    "community": item.code,
                    "building_group": units.group + group_base,
                    "households": units.households,
                    "buildings": units.buildings,
                    "building_ids": bids,
                    "micro_code": mcodes[owner],
                    "geometry": geoms,
                }
            )
        )
        group_base += int(units.group.max()) + 1 if units.n else 0
        if progress is not None:
            progress(done, len(items))
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=[*UNIT_COLUMNS, "geometry"])
    )
    out.insert(0, "unit_id", np.arange(1, len(out) + 1, dtype=np.int64))
    return gpd.GeoDataFrame(out, geometry="geometry", crs=metric).to_crs(STORAGE_CRS)


def _key(point: shapely.Geometry) -> tuple[float, float]:
    x, y = shapely.get_coordinates(point)[0]
    return (round(float(x), 3), round(float(y), 3))


def _ids_by_point(
    buildings: gpd.GeoDataFrame, metric: object
) -> dict[tuple[float, float], list[str]]:
    """Building ids keyed by the engine's point inside each footprint (metric, millimetres)."""
    points = shapely.point_on_surface(
        shapely.make_valid(buildings.to_crs(metric).geometry.to_numpy())
    )
    out: dict[tuple[float, float], list[str]] = {}
    for point, bid in zip(points, buildings["building_id"].astype(str), strict=True):
        out.setdefault(_key(point), []).append(bid)
    return out
