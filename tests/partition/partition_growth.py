"""Grow a city: new buildings with households on free land of some communities (synthetic).

Used by the redraw test and the partition benchmark to model "5% more buildings".
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geogrid.crs import metric_crs


def add_buildings(
    layers: dict[str, gpd.GeoDataFrame],
    *,
    share: float = 0.05,
    communities: float = 0.3,
    seed: int = 0,
) -> gpd.GeoDataFrame:
    """Buildings plus ``share`` more, 14 m squares on free land of a ``communities`` share of them.

    New buildings keep 3 m from other buildings and 6 m from roads and waterways; each holds
    about as many households as an average building of the city.
    """
    rng = np.random.default_rng(seed)
    buildings = layers["buildings"]
    metric = metric_crs(buildings)
    bld = buildings.to_crs(metric)
    comm = layers["communities"].to_crs(metric)
    picked = comm.iloc[
        np.sort(rng.choice(len(comm), max(1, round(len(comm) * communities)), False))
    ]
    lines = [layers[k].to_crs(metric).geometry.to_numpy() for k in ("roads", "waterways")]
    free = shapely.union_all(picked.geometry.buffer(-8.0).to_numpy())
    want = round(len(bld) * share)
    mean_hh = float(pd.to_numeric(bld["households"]).mean())
    shapely.prepare(free)
    minx, miny, maxx, maxy = free.bounds
    xy = rng.uniform((minx, miny), (maxx, maxy), size=(want * 40, 2))
    boxes = shapely.box(xy[:, 0] - 7, xy[:, 1] - 7, xy[:, 0] + 7, xy[:, 1] + 7)
    boxes = boxes[shapely.contains(free, boxes)]
    for geoms, gap in [(bld.geometry.to_numpy(), 3.0)] + [(g, 6.0) for g in lines if len(g)]:
        hit = shapely.STRtree(geoms).query(boxes, predicate="dwithin", distance=gap)[0]
        boxes = np.delete(boxes, np.unique(hit))
    # keep a candidate only if no earlier kept one lies within 3 m of it
    left, right = shapely.STRtree(boxes).query(shapely.buffer(boxes, 3.0), "intersects")
    clash = left > right
    left, right = left[clash], right[clash]
    order = np.argsort(left, kind="stable")
    left, right = left[order], right[order]
    bounds = np.searchsorted(left, np.arange(len(boxes) + 1))
    keep = np.ones(len(boxes), dtype=bool)
    for i in range(len(boxes)):
        if keep[right[bounds[i] : bounds[i + 1]]].any():
            keep[i] = False
    squares = boxes[keep][:want].tolist()
    hh = np.maximum(1, np.round(rng.gamma(2.0, mean_hh / 2.0, len(squares)))).astype(np.int64)
    new = gpd.GeoDataFrame(
        {
            "building_id": [f"new-{seed}-{i}" for i in range(len(squares))],
            "households": hh,
        },
        geometry=gpd.GeoSeries(squares, crs=metric),
    ).to_crs(buildings.crs)
    return gpd.GeoDataFrame(pd.concat([buildings, new], ignore_index=True), crs=buildings.crs)
