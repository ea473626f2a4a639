"""Check a plan against the held-back criteria, measured here on the output polygons (not taken
from the engine's report, which is only compared against).

Run: .venv/bin/python benchmarks/partition/messy/check.py PLAN.gpkg REPORT.json INPUT.gpkg
     [--households-in N]

Criteria (issue 12 / the brief): households in = in grids + listed unassigned; every grid one
polygon unless its parent is in pieces; grids tile their parent (no gap, no overlap) and micro
grids nest in basic ones; basic convexity mean >= the parents' mean; no basic grid under 0.5
convexity where its parent is above; >= 90% of internal basic boundary within 5 m of a road.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

NEAR_M = 5.0


def _layer(path: Path, level: str) -> gpd.GeoDataFrame:
    names = [n for n, _ in pyogrio.list_layers(path)]
    name = next(n for n in names if n == f"{level}_grids" or n.endswith(f"_{level}"))
    return gpd.read_file(path, layer=name)


def _polygonal(g: Any) -> Any:
    """The polygon parts of a made-valid geometry (a spike becomes a stray line)."""
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def convexity(geoms: Any) -> np.ndarray:
    g = np.asarray(geoms, dtype=object)
    return shapely.area(g) / np.maximum(shapely.area(shapely.convex_hull(g)), 1e-9)


def check(
    plan: Path,
    report: dict[str, Any],
    parents: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | None,
    households_in: int | None = None,
) -> dict[str, Any]:
    """Findings (a dict of figures and a list of ``faults``) for one plan."""
    basic = _layer(plan, "basic")
    micro = _layer(plan, "micro")
    metric = parents.estimate_utm_crs()
    basic, micro, par = basic.to_crs(metric), micro.to_crs(metric), parents.to_crs(metric)
    par = par.assign(geometry=[_polygonal(g) for g in shapely.make_valid(par.geometry.to_numpy())])
    faults: list[str] = []
    out: dict[str, Any] = {"basic_grids": len(basic), "micro_grids": len(micro)}
    acc = report.get("households", {})
    listed = sum(int(u.get("households", 0)) for u in acc.get("unassigned", []))
    in_grids = int(basic["households"].sum())
    out |= {"hh_in_report": acc.get("households_in"), "hh_in_grids": in_grids, "hh_listed": listed}
    truth = households_in if households_in is not None else acc.get("households_in")
    if truth is None or in_grids + listed != truth:
        faults.append(f"households: {truth} in, {in_grids} in grids + {listed} listed")
    if households_in is not None and acc.get("households_in") != households_in:
        faults.append(f"report says {acc.get('households_in')} households in, input has {truth}")
    if int(micro["households"].sum()) != in_grids:
        faults.append(f"micro grids hold {int(micro['households'].sum())} != basic {in_grids}")
    if (basic["households"] < 0).any() or (micro["households"] < 0).any():
        faults.append("a grid with negative households")
    # one polygon per grid unless the parent is in pieces
    parts = shapely.get_num_geometries(basic.geometry.to_numpy())
    multi_parent = {
        str(c)
        for c, g in zip(par["code"], par.geometry, strict=True)
        if len(shapely.get_parts(g)) > 1
    }
    bad = [
        c
        for c, n, p in zip(basic["code"], parts, basic["parent_code"], strict=True)
        if n > 1 and str(p) not in multi_parent
    ]
    if bad:
        faults.append(f"multipart basic grids: {bad[:5]}")
    mparts = shapely.get_num_geometries(micro.geometry.to_numpy())
    mbad = int(((mparts > 1) & ~micro["parent_code"].astype(str).str[:12].isin(multi_parent)).sum())
    if mbad:
        faults.append(f"{mbad} multipart micro grids")
    # tiling and nesting
    gap = over = 0.0
    conv_parent: dict[str, float] = {}
    for code, pg in zip(par["code"].astype(str), par.geometry, strict=True):
        mine = basic[basic["parent_code"].astype(str) == code].geometry.to_numpy()
        conv_parent[code] = float(convexity([pg])[0])
        if len(mine) == 0:
            continue
        union = shapely.union_all(mine)
        gap += float(shapely.area(shapely.difference(pg, union)))
        over += float(shapely.area(mine).sum() - shapely.area(union))
        over += float(shapely.area(shapely.difference(union, pg)))
    out |= {"gap_m2": round(gap, 2), "overlap_or_spill_m2": round(over, 2)}
    if gap > 1 or over > 1:
        faults.append(f"grids do not tile parents: gap {gap:.1f} m², overlap/spill {over:.1f} m²")
    spill = 0.0
    for code, g in zip(basic["code"].astype(str), basic.geometry, strict=True):
        mine = micro[micro["code"].astype(str).str.startswith(code)].geometry.to_numpy()
        if len(mine):
            spill += float(shapely.area(shapely.symmetric_difference(g, shapely.union_all(mine))))
    out["micro_vs_basic_m2"] = round(spill, 2)
    if spill > 1:
        faults.append(f"micro grids do not tile basic grids: {spill:.1f} m² differ")
    # convexity
    conv = convexity(basic.geometry.to_numpy())
    of = np.asarray([conv_parent.get(str(p), np.nan) for p in basic["parent_code"]])
    divided = [c for c in conv_parent if (basic["parent_code"].astype(str) == c).sum() > 0]
    pmean = float(np.mean([conv_parent[c] for c in divided])) if divided else float("nan")
    out |= {
        "convexity_mean": round(float(conv.mean()), 3) if len(conv) else None,
        "parent_convexity_mean": round(pmean, 3),
        "under_half_parent_above": int(((conv < 0.5) & (of >= 0.5)).sum()),
    }
    if len(conv) and conv.mean() < pmean - 1e-6:
        faults.append(f"convexity mean {conv.mean():.3f} < parents' {pmean:.3f}")
    if out["under_half_parent_above"]:
        faults.append(f"{out['under_half_parent_above']} basic grids under 0.5 convexity")
    # road proximity of the internal boundary
    if roads is not None and len(roads):
        lines = shapely.union_all(roads.to_crs(metric).geometry.to_numpy())
        zone = shapely.buffer(lines, NEAR_M)
        total = near = 0.0
        for code, pg in zip(par["code"].astype(str), par.geometry, strict=True):
            mine = basic[basic["parent_code"].astype(str) == code].geometry.to_numpy()
            if len(mine) < 2:
                continue
            inner = shapely.difference(
                shapely.union_all(shapely.boundary(mine)), shapely.buffer(pg.boundary, 0.05)
            )
            total += float(inner.length)
            near += float(shapely.intersection(inner, zone).length)
        out["road_proximity"] = round(near / total, 3) if total else None
        if total and near / total < 0.9:
            faults.append(f"only {near / total:.1%} of internal boundary within 5 m of a road")
    out["report_road_proximity"] = report.get("basic", {}).get("road_proximity_share")
    out["wraps_around"] = report.get("basic", {}).get("wraps_around")
    out["faults"] = faults
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("plan", type=Path)
    ap.add_argument("report", type=Path)
    ap.add_argument("input", type=Path)
    ap.add_argument("--households-in", type=int)
    a = ap.parse_args()
    names = [n for n, _ in pyogrio.list_layers(a.input)]
    parents = gpd.read_file(a.input, layer="communities" if "communities" in names else "streets")
    roads = gpd.read_file(a.input, layer="roads") if "roads" in names else None
    rep = json.loads(a.report.read_text())
    print(json.dumps(check(a.plan, rep, parents, roads, a.households_in), ensure_ascii=False))


if __name__ == "__main__":
    main()
