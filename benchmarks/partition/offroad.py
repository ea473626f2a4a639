"""Where the basic grids' internal boundary leaves the roads, block by block, against the least
any division within the band must cut through each block (issue 12: "≥ 90% of internal basic
boundary within 5 m of a road").

Run: ``.venv/bin/python benchmarks/partition/offroad.py INPUT.gpkg PLAN.gpkg`` (an input with
``communities``, ``buildings`` and ``roads`` layers, and the plan ``geogrid partition`` wrote).

Blocks are the faces of the roads and the community outlines. A block holding more households
than the band's 500 must be cut by at least ceil(h / 500) - 1 lines, each about as long as the
block is narrow (the short side of its minimum rotated rectangle): their sum is an estimate of
the cut no plan can avoid there (not a strict bound: a cut across a corner can be shorter).
"""

from __future__ import annotations

import argparse
import math

import geopandas as gpd
import numpy as np
import shapely
from shapely.ops import polygonize, unary_union

from geogrid.crs import metric_crs

NEAR_M = 5.0
BAND_HI = 500


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("input")
    ap.add_argument("plan")
    args = ap.parse_args()
    communities = gpd.read_file(args.input, layer="communities")
    metric = metric_crs(communities)
    grids = gpd.read_file(args.plan, layer="basic_grids").to_crs(metric)
    parents = communities.to_crs(metric)
    roads = gpd.read_file(args.input, layer="roads").to_crs(metric)
    buildings = gpd.read_file(args.input, layer="buildings").to_crs(metric)
    outlines = unary_union(list(parents.boundary))
    inner = unary_union(list(grids.boundary)).difference(outlines.buffer(0.5))
    off = inner.difference(roads.union_all().buffer(NEAR_M))
    print(f"internal boundary {inner.length:,.0f} m, over {NEAR_M:g} m from a road "
          f"{off.length:,.0f} m: within {1 - off.length / inner.length:.1%}")  # fmt: skip
    area = parents.union_all()
    faces = polygonize(unary_union([*roads.geometry, outlines]))
    blocks = gpd.GeoDataFrame(
        geometry=[f for f in faces if area.contains(f.representative_point())], crs=metric
    )
    points = buildings.assign(geometry=buildings.representative_point())
    joined = gpd.sjoin(points, blocks, predicate="within")
    blocks["households"] = joined.groupby("index_right")["households"].sum()
    blocks["households"] = blocks["households"].reindex(blocks.index).fillna(0).astype(int)
    rows = []
    for block, households in zip(blocks.geometry, blocks["households"], strict=True):
        drawn = off.intersection(block.buffer(-0.01)).length
        if drawn < 1:
            continue
        corners = np.asarray(shapely.minimum_rotated_rectangle(block).exterior.coords)
        narrow = float(np.hypot(*np.diff(corners, axis=0).T)[:2].min())
        cuts = max(math.ceil(households / BAND_HI) - 1, 0)
        rows.append((int(households), drawn, cuts, narrow, cuts * narrow))
    rows.sort(reverse=True)
    big = [r for r in rows if r[0] > BAND_HI]
    print(f"off the roads inside blocks of more than {BAND_HI} households: "
          f"{sum(r[1] for r in big):,.0f} m in {len(big)} blocks, against about "
          f"{sum(r[4] for r in big):,.0f} m any division must cut there; inside smaller "
          f"blocks: {sum(r[1] for r in rows if r[0] <= BAND_HI):,.0f} m")  # fmt: skip
    print("households | drawn off the roads (m) | cuts needed | block width (m) | estimate (m)")
    for households, drawn, cuts, narrow, least in rows:
        print(f"{households:>10,} | {drawn:>8,.0f} | {cuts:>3} | {narrow:>6,.0f} | {least:>6,.0f}")


if __name__ == "__main__":
    main()
