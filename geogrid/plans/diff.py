"""Diff of two grid plans: grids added, removed, recoded and reshaped, and the households,
buildings and incidents that change grid. Pure: GeoDataFrames and arrays in EPSG:4326.

A grid that keeps its code but not its polygon is *changed*; a polygon that survives under
another code is *recoded*. Buildings and incidents are located by a point (lon/lat); one
*moves* when its grid under the second plan is not its grid under the first (recodes followed).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geogrid.crs import metric_crs
from geogrid.plans.points import SortedPoints

PRECISION = 1e-9  # degrees (about 0.1 mm): closer vertices are the same vertex
LEVELS = ("basic", "micro")
FILTER_BELOW = 0.2  # share of grids changed below which points are first tested against them
Points = NDArray[np.float64] | SortedPoints
Located = dict[str, dict[str, NDArray[np.object_]]]  # points name -> level -> grid code


def diff_plans(
    a: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    *,
    buildings: tuple[Points, NDArray[np.int64]] | None = None,
    incidents: Points | None = None,
    levels: tuple[str, ...] = LEVELS,
    located: tuple[Located, Located] | None = None,
) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    """Summary per level, and the changed areas (one feature per change) as a GeoDataFrame.

    ``a``, ``b``: grids with ``level``, ``code``, ``households`` and geometry. ``buildings``:
    (n x 2 lon/lat points, households per point). ``incidents``: n x 2 lon/lat points. Points
    may come as :class:`SortedPoints` already (sorted once, kept by the caller between diffs).
    ``located``: one dict per plan that keeps where every building and incident lies in it
    (filled when every point had to be located; the caller keeps it while plan and points stay
    as they are, so a second diff of the same plan locates nothing).
    """
    summary: dict[str, Any] = {}
    areas = []
    recodes: dict[str, dict[str, str]] = {}
    metric = metric_crs(a) if not a.empty else None
    for level in levels:
        ga = a[a["level"] == level].reset_index(drop=True)
        gb = b[b["level"] == level].reset_index(drop=True)
        result, changed = _level(ga, gb, metric)
        recodes[level] = dict(result.pop("_recode"))
        summary[level] = result
        areas.append(changed.assign(level=level))
    # only a point inside a changed, added or removed polygon can change grid
    moving = [
        g for f in areas for g, c in zip(f["geometry"], f["change"], strict=True) if c != "recoded"
    ]
    for name, given in (
        ("buildings", None if buildings is None else buildings[0]),
        ("incidents", incidents),
    ):
        if given is None:
            continue
        pts = given if isinstance(given, SortedPoints) else SortedPoints(given)
        # when most grids changed, testing every point against the changes costs more than it saves
        idx = _inside(pts, moving) if len(moving) < FILTER_BELOW * len(a) else None
        memo = located or ({}, {})
        before, after = (
            memo[side][name]
            if idx is None and name in memo[side]
            else _located(frame, pts, idx, levels)
            for side, frame in ((0, a), (1, b))
        )
        if idx is None:
            memo[0][name], memo[1][name] = before, after
        for level in levels:
            moved = _moved(before[level], after[level], recodes[level])
            moved = moved if idx is None else idx[moved]
            summary[level][f"{name}_moved"] = len(moved)
            if name == "buildings" and buildings is not None:
                summary[level]["households_moved"] = int(buildings[1][moved].sum())
    frame = pd.concat(areas, ignore_index=True) if areas else pd.DataFrame()
    columns = ["level", "change", "code", "old_code", "households_before", "households_after"]
    out = gpd.GeoDataFrame(
        frame.reindex(columns=[*columns, "geometry"]), geometry="geometry", crs=a.crs or "EPSG:4326"
    )
    return summary, out


def _same(x: NDArray[np.object_], y: NDArray[np.object_]) -> NDArray[np.bool_]:
    """Pairwise: the same polygon (vertex order and float noise below PRECISION aside)."""
    if len(x) == 0:
        return np.zeros(0, dtype=bool)
    return np.asarray(
        shapely.equals_exact(shapely.normalize(x), shapely.normalize(y), tolerance=PRECISION),
        dtype=bool,
    )


def _level(
    ga: gpd.GeoDataFrame, gb: gpd.GeoDataFrame, metric: Any
) -> tuple[dict[str, Any], pd.DataFrame]:
    ia = dict(zip(ga["code"].astype(str), range(len(ga)), strict=True))
    ib = dict(zip(gb["code"].astype(str), range(len(gb)), strict=True))
    geo_a, geo_b = ga.geometry.to_numpy(), gb.geometry.to_numpy()
    both = sorted(set(ia) & set(ib))
    pa = np.asarray([ia[c] for c in both], dtype=np.int64)
    pb = np.asarray([ib[c] for c in both], dtype=np.int64)
    same = _same(geo_a[pa], geo_b[pb])
    reshaped = [c for c, s in zip(both, same.tolist(), strict=True) if not s]
    gone, new = sorted(set(ia) - set(ib)), sorted(set(ib) - set(ia))
    recode = _recoded(gone, new, geo_a, geo_b, ia, ib)
    removed = sorted(set(gone) - {o for o, _ in recode})
    added = sorted(set(new) - {n for _, n in recode})
    hh_a, hh_b = ga["households"].to_numpy(), gb["households"].to_numpy()
    ra = np.asarray([ia[c] for c in reshaped], dtype=np.int64)
    rb = np.asarray([ib[c] for c in reshaped], dtype=np.int64)
    xor = shapely.symmetric_difference(geo_a[ra], geo_b[rb]) if len(ra) else np.empty(0)
    rows: list[dict[str, Any]] = []
    for k, c in enumerate(reshaped):
        rows.append(_row("changed", c, None, hh_a[ra[k]], hh_b[rb[k]], xor[k]))
    for c in added:
        rows.append(_row("added", c, None, None, hh_b[ib[c]], geo_b[ib[c]]))
    for c in removed:
        rows.append(_row("removed", c, None, hh_a[ia[c]], None, geo_a[ia[c]]))
    for old, c in recode:
        rows.append(_row("recoded", c, old, hh_a[ia[old]], hh_b[ib[c]], geo_b[ib[c]]))
    result = {
        "grids_before": len(ga),
        "grids_after": len(gb),
        "unchanged": len(both) - len(reshaped),
        "added": added,
        "removed": removed,
        "changed": reshaped,
        "recoded": [list(r) for r in recode],
        "changed_area_m2": _area(ga, list(xor), metric),
        "_recode": recode,
    }
    return result, pd.DataFrame(rows, columns=[*_ROW, "geometry"])


def _recoded(
    gone: list[str],
    new: list[str],
    geo_a: NDArray[np.object_],
    geo_b: NDArray[np.object_],
    ia: dict[str, int],
    ib: dict[str, int],
) -> list[tuple[str, str]]:
    """(old, new) code pairs of polygons that only changed code: candidates share rounded
    bounds, then must be the same polygon."""
    if not gone or not new:
        return []
    digits = 7
    by_box: dict[tuple[float, ...], list[str]] = {}
    for c, box in zip(
        new, np.round(shapely.bounds(geo_b[[ib[c] for c in new]]), digits), strict=True
    ):
        by_box.setdefault(tuple(box.tolist()), []).append(c)
    pairs = []
    taken: set[str] = set()
    boxes = np.round(shapely.bounds(geo_a[[ia[c] for c in gone]]), digits)
    for c, box in zip(gone, boxes, strict=True):
        for cand in by_box.get(tuple(box.tolist()), []):
            if cand not in taken and _same(geo_a[[ia[c]]], geo_b[[ib[cand]]])[0]:
                pairs.append((c, cand))
                taken.add(cand)
                break
    return pairs


_ROW = ("change", "code", "old_code", "households_before", "households_after")


def _row(
    change: str, code: str, old: str | None, before: Any, after: Any, geom: Any
) -> dict[str, Any]:
    def num(v: Any) -> int | None:
        return None if v is None else int(v)

    return {
        "change": change,
        "code": code,
        "old_code": old,
        "households_before": num(before),
        "households_after": num(after),
        "geometry": geom,
    }


def _area(frame: gpd.GeoDataFrame, geoms: list[Any], metric: Any) -> float:
    if not geoms or frame.empty:
        return 0.0
    series = gpd.GeoSeries(geoms, crs=frame.crs or "EPSG:4326")
    return round(float(series.to_crs(metric).area.sum()), 1)


def hits(
    polygons: NDArray[np.object_], xy: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(point index, polygon index) of every lon/lat point inside a polygon."""
    return SortedPoints(xy).hits(polygons)


def _inside(points: SortedPoints, polygons: list[Any]) -> NDArray[np.int64]:
    """Positions of the points inside any of ``polygons``, ascending."""
    geoms = np.asarray([g for g in polygons if g is not None and not g.is_empty], dtype=object)
    pi, _ = points.hits(geoms)
    return np.unique(pi)


def _grid_of(
    frame: gpd.GeoDataFrame, points: SortedPoints, idx: NDArray[np.int64] | None
) -> NDArray[np.int64]:
    """Row of ``frame`` holding each point (of ``idx`` only, when given); -1 outside all."""
    if idx is not None:
        points = SortedPoints(points.xy[idx])
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) and not frame.empty:
        pi, gi = points.hits(frame.geometry.to_numpy())
        out[pi] = gi
    return out


def _located(
    grids: gpd.GeoDataFrame,
    points: SortedPoints,
    idx: NDArray[np.int64] | None,
    levels: tuple[str, ...],
) -> dict[str, NDArray[np.object_]]:
    """Grid code of each point per level (None outside): located among micro grids once,
    basic grids by parent."""
    out: dict[str, NDArray[np.object_]] = {}
    micro = grids[grids["level"] == "micro"]
    if not micro.empty:
        row = _grid_of(micro, points, idx)
        codes, parents = _with_none(micro["code"]), _with_none(micro["parent_code"])
        out["micro"], out["basic"] = codes[row], parents[row]  # row -1 takes the None
    for level in levels:
        if level not in out:
            frame = grids[grids["level"] == level]
            out[level] = _with_none(frame["code"])[_grid_of(frame, points, idx)]
    return out


def _with_none(codes: pd.Series) -> NDArray[np.object_]:
    """The codes as strings, and None last (what index -1 picks)."""
    out = np.empty(len(codes) + 1, dtype=object)
    out[:-1] = codes.astype(str).to_numpy(dtype=object)
    return out


def _moved(
    before: NDArray[np.object_], after: NDArray[np.object_], recode: dict[str, str]
) -> NDArray[np.int64]:
    """Positions where the grid after is not the grid before (recodes followed)."""
    if recode:
        codes, uniques = pd.factorize(pd.Series(before, dtype=object))
        renamed = np.empty(len(uniques) + 1, dtype=object)  # factorize gives None the code -1
        renamed[:-1] = [recode.get(u, u) for u in uniques]
        before = renamed[codes]
    return np.flatnonzero(before != after).astype(np.int64)
