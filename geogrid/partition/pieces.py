"""Buildings drawn as separate pieces: one building per piece.

A footprint is kept whole in one grid (``units``): a building delivered as one feature whose
parts stand apart (two wings either side of a lane, a block drawn on both banks of a river)
would bind land hundreds of metres apart into one grid, drawn in two pieces and out of band.
Parts farther apart than ``APART_M`` are taken as separate buildings (``B0000-1``,
``B0000-2``), each with its share of the households; parts closer than that (a building drawn
in touching pieces, a slip of the pen) stay one building. Every division is named in the
report (:func:`divided_report`) so a planner can tell a data slip from two real buildings.
"""

from __future__ import annotations

from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geogrid.households import largest_remainder

APART_M: Final = 1.0  # parts of one footprint farther apart than this are separate buildings
LISTED: Final = 20  # divided buildings named in the report (the count covers all)


def divide_apart_parts(
    bld: gpd.GeoDataFrame, apart_m: float = APART_M
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]]]:
    """``bld`` (metric CRS) with each footprint whose parts stand more than ``apart_m`` apart
    replaced by one row per group of parts, and what was divided (one dict per building).

    Households are shared by footprint area (the parts share the row's levels, so area x
    levels is in proportion to area) in integers that add up to the building's own; other
    fields are copied. Row order is kept (the parts take their building's place)."""
    geoms = bld.geometry.to_numpy()
    multi = np.flatnonzero(shapely.get_num_geometries(geoms) > 1)
    groups: dict[int, list[shapely.Geometry]] = {}
    for i in multi.tolist():
        found = _apart_groups(geoms[i], apart_m)
        if len(found) > 1:
            groups[i] = found
    if not groups:
        return bld, []
    ids = _ids(bld)
    hh = pd.to_numeric(bld["households"], errors="coerce") if "households" in bld else None
    take, geometry, new_ids, households, divided = [], [], [], [], []
    for i in range(len(bld)):
        parts = groups.get(i)
        if parts is None:
            take.append(i)
            geometry.append(geoms[i])
            new_ids.append(ids[i])
            households.append(None if hh is None else bld["households"].iloc[i])  # as given
            continue
        names = [f"{ids[i]}-{k + 1}" for k in range(len(parts))]
        take += [i] * len(parts)
        geometry += parts
        new_ids += names
        households += _shares(None if hh is None else hh.iloc[i], parts)
        gap = min(shapely.distance(a, b) for k, a in enumerate(parts) for b in parts[k + 1 :])
        divided.append({"building": ids[i], "parts": names, "apart_m": round(float(gap), 1)})
    out = bld.iloc[take].copy()
    out = out.set_geometry(gpd.GeoSeries(geometry, crs=bld.crs, index=out.index))
    out["building_id"] = new_ids
    if hh is not None:
        out["households"] = households
    return out.reset_index(drop=True), divided


def divided_report(divided: list[dict[str, Any]]) -> dict[str, Any]:
    """The report's entry: buildings divided, into how many, the first ``LISTED`` named."""
    return {
        "buildings": len(divided),
        "into": sum(len(d["parts"]) for d in divided),
        "apart_m": APART_M,
        "listed": divided[:LISTED],
    }


def _apart_groups(geom: shapely.Geometry, apart_m: float) -> list[shapely.Geometry]:
    """The polygonal parts of ``geom`` grouped by closeness (parts within ``apart_m`` of one
    another, directly or through others, form one group), each group one geometry, in the
    order of their first part."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if len(parts) < 2:
        return [geom]
    root = list(range(len(parts)))

    def find(k: int) -> int:
        while root[k] != k:
            root[k] = root[root[k]]
            k = root[k]
        return k

    tree = shapely.STRtree(parts)
    a, b = tree.query(parts, predicate="dwithin", distance=apart_m)
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        root[find(x)] = find(y)
    members: dict[int, list[shapely.Geometry]] = {}
    for k, part in enumerate(parts):
        members.setdefault(find(k), []).append(part)
    return [shapely.union_all(m) if len(m) > 1 else m[0] for m in members.values()]


def _shares(total: Any, parts: list[shapely.Geometry]) -> list[Any]:
    """The building's households shared over its parts by area; a missing or negative figure
    is copied to each part (the engine then reads or refuses it as it would the building)."""
    if total is None or pd.isna(total) or total < 0:
        return [total] * len(parts)
    area = np.asarray(shapely.area(parts), dtype=float)
    return largest_remainder(area, round(float(total))).tolist()


def _ids(bld: gpd.GeoDataFrame) -> list[Any]:
    """Each row's building id (its row number where the layer has none)."""
    if "building_id" in bld.columns:
        return bld["building_id"].tolist()
    return [str(i) for i in range(len(bld))]
