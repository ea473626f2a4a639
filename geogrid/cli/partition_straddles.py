"""Buildings of ``geogrid partition FILE`` that lie in two communities, listed as import lists
them (``io._topology.check_straddles``: more than 1 m² and 5% of the footprint in each) with
the community whose grids count them.

Grids keep buildings whole: the engine gives such a building, whole and once, to the community
holding its interior point (``partition.intake``), so its households are never split nor
counted twice. The community is read back from the plan: the basic grid holding that point.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely

from geogrid.crs import STORAGE_CRS, metric_crs
from geogrid.io._checks import feature_label, usable
from geogrid.io._topology import check_straddles
from geogrid.partition.pieces import divide_apart_parts
from geogrid.validation import Context, LayerFindings, ValidationReport

Layers = dict[str, gpd.GeoDataFrame | None]
SHOWN = 20  # the report lists this many; the count is of them all


def straddling(layers: Layers, basic: gpd.GeoDataFrame | None, file: str) -> dict[str, Any]:
    """``{"buildings": n, "households": h, "listed": [{"building", "households", "parent",
    "detail"}, ...]}`` for the buildings in two or more communities (none: n = 0)."""
    buildings, communities = layers.get("buildings"), layers.get("communities")
    out: dict[str, Any] = {"buildings": 0, "households": 0, "listed": []}
    if buildings is None or buildings.empty or communities is None or communities.empty:
        return out
    frame = buildings[usable(buildings, "buildings").to_numpy()]
    if frame.empty:
        return out
    # as the engine takes them: a building drawn in parts apart is one building per part
    frame, _ = divide_apart_parts(frame.to_crs(metric_crs(frame)))
    parents = communities[communities.geometry.notna() & ~communities.geometry.is_empty]
    parents = parents.set_geometry(parents.geometry.make_valid())  # a bow-tie: as the engine
    report = ValidationReport()
    check_straddles(
        frame.to_crs(STORAGE_CRS),
        LayerFindings(report, "buildings", file),
        context=Context(communities=parents.to_crs(STORAGE_CRS)),
    )
    found = [f for f in report.findings if f.check == "straddles_communities"]
    if not found:
        return out
    row_of: dict[str, int] = {}
    for row, label in enumerate(feature_label(frame, "buildings").tolist()):
        row_of.setdefault(label, row)  # a repeated id: its first building, as labelled
    rows = [row_of[str(f.feature)] for f in found]
    parents = _parents(frame.iloc[rows], basic)
    households = frame["households"].iloc[rows].fillna(0).astype(int).tolist()
    out["buildings"], out["households"] = len(found), int(sum(households))
    out["listed"] = [
        {"building": f.feature, "households": hh, "parent": parent, "detail": f.message}
        for f, hh, parent in zip(found, households, parents, strict=True)
    ][:SHOWN]
    return out


def _parents(buildings: gpd.GeoDataFrame, basic: gpd.GeoDataFrame | None) -> list[str | None]:
    """The parent code of the basic grid holding each building's interior point (None: in no
    grid, its parent left out by --only)."""
    if basic is None or basic.empty:
        return [None] * len(buildings)
    points = buildings.geometry.to_crs(basic.crs).representative_point().to_numpy()
    hit, grid = shapely.STRtree(basic.geometry.to_numpy()).query(points, predicate="intersects")
    codes = basic["parent_code"].astype(str).to_numpy()
    out: list[str | None] = [None] * len(buildings)
    for i, g in zip(hit.tolist(), grid.tolist(), strict=True):
        out[i] = out[i] or str(codes[g])
    return out
