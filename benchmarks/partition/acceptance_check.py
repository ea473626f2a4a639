"""Issue #12's five acceptance figures measured on a plan, independently of its report.

Run: ``.venv/bin/python benchmarks/partition/acceptance_check.py INPUT.gpkg PLAN.gpkg
REPORT.json`` (the input given to ``geogrid partition``, with ``communities`` and ``roads``
layers; the plan and report it wrote). From the plan's layers alone: households in the basic
grids plus the report's unassigned against the report's households in; grids in more than one
polygon; the mean convexity (area / convex-hull area) of the basic grids against the
communities' mean; basic grids under 0.5 whose community is above 0.5; the share of internal
basic boundary (shared by two basic grids of one community) within 5 m of any line of the
input's roads layer (also: of at-grade roads only, of roads or railways, of roads that are not
paths). Prints them as JSON beside the report's own figures, which must agree, then a line per
community.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geogrid.crs import metric_crs

NEAR_M = 5.0
PATHS = ("footway", "steps", "path", "cycleway", "pedestrian", "corridor", "platform", "trail")


def _convexity(geoms: np.ndarray) -> np.ndarray:
    return np.asarray(shapely.area(geoms) / shapely.area(shapely.convex_hull(geoms)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input")
    ap.add_argument("plan")
    ap.add_argument("report")
    a = ap.parse_args()
    communities = gpd.read_file(a.input, layer="communities")
    metric = metric_crs(communities)
    communities = communities.to_crs(metric)
    layers = set(pyogrio.list_layers(a.input)[:, 0])
    roads = gpd.read_file(a.input, layer="roads").to_crs(metric)
    rails = (
        gpd.read_file(a.input, layer="railways").to_crs(metric) if "railways" in layers else None
    )
    basic = gpd.read_file(a.plan, layer="basic_grids").to_crs(metric)
    micro = gpd.read_file(a.plan, layer="micro_grids").to_crs(metric)
    report = json.loads(Path(a.report).read_text(encoding="utf-8"))
    out: dict[str, object] = {}
    households_in = report["households"]["households_in"]
    unassigned = report["households"]["unassigned_households"]
    out["households_in"] = households_in
    out["in_basic_grids"] = int(basic["households"].sum())
    out["in_micro_grids"] = int(micro["households"].sum())
    out["unassigned"] = unassigned
    out["lost"] = households_in - int(basic["households"].sum()) - unassigned
    for name, grids in (("basic", basic), ("micro", micro)):
        parts = shapely.get_num_geometries(grids.geometry.to_numpy())
        out[f"{name}_not_one_polygon"] = int(((parts != 1) | (grids.geom_type != "Polygon")).sum())
    basic["convexity"] = _convexity(basic.geometry.to_numpy())
    communities["convexity"] = _convexity(communities.geometry.to_numpy())
    of_parent = dict(zip(communities["code"], communities["convexity"], strict=True))
    basic["parent_convexity"] = basic["parent_code"].map(of_parent)
    out["basic_convexity_mean"] = round(float(basic["convexity"].mean()), 4)
    out["parent_convexity_mean"] = round(float(communities["convexity"].mean()), 4)
    out["under_half_parent_above"] = int(
        ((basic["convexity"] < 0.5) & (basic["parent_convexity"] > 0.5)).sum()
    )
    inner: dict[str, shapely.Geometry] = {}
    for code, grids in basic.groupby("parent_code"):
        if len(grids) > 1:
            outline = communities.loc[communities["code"] == code].geometry.iloc[0].boundary
            lines = shapely.union_all(grids.boundary.to_numpy())
            inner[code] = lines.difference(outline.buffer(0.05))
    total = sum(g.length for g in inner.values())

    def share(lines: list) -> float:
        near = shapely.union_all(lines).buffer(NEAR_M)
        return round(sum(g.intersection(near).length for g in inner.values()) / total, 4)

    flags = roads.reindex(columns=["bridge", "tunnel", "layer"]).fillna("").astype(str)
    at_grade = (flags["bridge"] == "") & (flags["tunnel"] == "") & flags["layer"].isin(["", "0"])
    kind = roads["road_class"] if "road_class" in roads else roads.get("highway")
    out["internal_boundary_m"] = round(total, 1)
    out["within_5m_of_a_road"] = share(list(roads.geometry))
    out["within_5m_of_an_at_grade_road"] = share(list(roads.geometry[at_grade]))
    out["within_5m_of_a_road_not_a_path"] = share(list(roads.geometry[~kind.isin(PATHS)]))
    if rails is not None:
        out["within_5m_of_a_road_or_railway"] = share([*roads.geometry, *rails.geometry])
    figures = report["basic"]
    out["report"] = {
        k: figures.get(k)
        for k in (
            "convexity_mean",
            "parent_convexity_mean",
            "convex_under_half_parent_above",
            "disconnected",
            "multipart_parent_grids",
            "road_proximity_share",
            "internal_boundary_m",
        )
    }
    print(json.dumps(out, indent=1))
    near = shapely.union_all(roads.geometry.to_numpy()).buffer(NEAR_M)
    rows = []
    for code, grids in basic.groupby("parent_code"):
        length = inner[code].length if code in inner else 0.0
        off = inner[code].difference(near).length if code in inner else 0.0
        rows.append(
            {
                "community": code,
                "grids": len(grids),
                "households": int(grids["households"].sum()),
                "convexity": round(of_parent[code], 3),
                "grids_mean": round(float(grids["convexity"].mean()), 3),
                "grids_min": round(float(grids["convexity"].min()), 3),
                "internal_m": round(length),
                "off_road_m": round(off),
            }
        )
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
