"""Shared checks of the partition invariants (used by the property and real-data tests), and
the hypothesis profiles: ``ci`` (derandomized, so a CI run is reproducible) when the environment
variable ``CI`` is set, else the default profile (random examples, failures kept in
``.hypothesis/`` and replayed)."""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import settings

from geogrid.crs import metric_crs
from geogrid.densify import densified_to_crs
from geogrid.partition.engine import Plan

settings.register_profile("ci", derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")


def assert_invariants(plan: Plan, parents: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> None:
    """Exact tiling, nesting, connectivity, whole buildings, and valid polygons in the caller's
    CRS forming a valid coverage of each parent, measured on the output."""
    for level in ("basic", "micro"):
        grids = plan.grids[level]
        assert grids.crs == parents.crs
        assert shapely.is_valid(grids.geometry.to_numpy()).all(), level
        assert plan.report[level]["repaired_on_reprojection"] == 0, level
        for code in np.unique(grids.parent_code.to_numpy()):
            mine = grids.geometry.to_numpy()[grids.parent_code.to_numpy() == code]
            assert shapely.coverage_is_valid(mine), (level, code)
    metric = metric_crs(parents)
    # edges cut before projecting, as the engine cuts them: a long lon/lat edge is a curve in
    # UTM, and the grids along it follow the curve where a bare projection draws its chord
    par = densified_to_crs(parents, metric).set_index("code")
    basic = densified_to_crs(plan.grids["basic"], metric)
    micro = densified_to_crs(plan.grids["micro"], metric)
    for code, geom in par.geometry.items():
        mine = basic[basic.parent_code == code].geometry.to_numpy()
        union = shapely.union_all(mine)
        assert shapely.area(shapely.symmetric_difference(geom, union)) < 1.0, code
        assert abs(shapely.area(mine).sum() - geom.area) < 1.0, code
    for code, geom in zip(basic.code, basic.geometry, strict=True):
        mine = micro[micro.parent_code == code].geometry.to_numpy()
        assert len(mine) >= 1
        assert shapely.area(shapely.symmetric_difference(geom, shapely.union_all(mine))) < 1.0
        assert abs(shapely.area(mine).sum() - geom.area) < 1.0
    single = np.asarray([p.geom_type == "Polygon" for p in par.geometry])
    if single.all():
        assert (basic.geom_type == "Polygon").all()
        assert (micro.geom_type == "Polygon").all()
    assert all(
        c.startswith(p) and len(c) == len(p) + 3
        for c, p in zip(micro.code, micro.parent_code, strict=True)
    )
    assert basic.households.sum() == micro.households.sum()
    _assert_buildings_whole(micro, buildings.to_crs(metric), par)


def _assert_buildings_whole(
    micro: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, parents: gpd.GeoDataFrame
) -> None:
    foot = shapely.make_valid(buildings.geometry.to_numpy())
    pgeoms = parents.geometry.to_numpy()
    pi, gi = shapely.STRtree(pgeoms).query(shapely.point_on_surface(foot), predicate="intersects")
    owner = np.full(len(foot), -1)
    owner[pi[::-1]] = gi[::-1]
    owned = np.where(owner >= 0, pgeoms[owner.clip(0)], shapely.Polygon())
    inside = shapely.intersection(foot, owned)  # a parent boundary may cut a building
    area = shapely.area(inside)
    grids = micro.geometry.to_numpy()
    bi, gi = shapely.STRtree(grids).query(inside, predicate="intersects")
    shares = shapely.area(shapely.intersection(inside[bi], grids[gi]))
    best = np.zeros(len(foot))
    np.maximum.at(best, bi, shares)
    cut = (area > 0.5) & (best < area - 0.5)
    assert not cut.any(), f"{int(cut.sum())} buildings cut by micro grid boundaries"
