"""Large and medium grids: whole communities grouped within a street, balanced by households."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geogrid.crs import metric_crs
from geogrid.partition.engine import partition_plan
from geogrid.synth import synth_city

LEVELS = ("large", "medium", "basic", "micro")


@pytest.fixture(scope="module")
def islanded() -> tuple[dict[str, gpd.GeoDataFrame], str]:
    """Synthetic Xigang where one community also owns an island off its coast."""
    city = synth_city("210203", seed=3, households=20_000)
    comm = city["communities"].copy()
    metric = metric_crs(comm)
    geoms = comm.to_crs(metric).geometry.to_numpy()
    east = int(np.argmax(shapely.bounds(geoms)[:, 2]))
    _, miny, maxx, _ = shapely.bounds(geoms[east])
    island = shapely.box(maxx + 400, miny, maxx + 700, miny + 300)
    geoms[east] = shapely.MultiPolygon([geoms[east], island])
    comm["geometry"] = gpd.GeoSeries(geoms, crs=metric).to_crs(comm.crs).to_numpy()
    city["communities"] = comm
    return city, str(comm["code"].iloc[east])


def test_islands_make_multipart_grids_not_disconnected_ones(
    islanded: tuple[dict[str, gpd.GeoDataFrame], str],
) -> None:
    city, code = islanded
    plan = partition_plan(
        city["communities"], city["buildings"], roads=city["roads"], levels=LEVELS
    )
    comm = city["communities"].set_index("code").geometry
    for level in ("large", "medium"):
        report = plan.report[level]
        assert report["disconnected"] == 0
        assert report["multipart_parent_grids"] >= 1
        grids = plan.grids[level]
        holder = grids[grids.geometry.covers(comm[code].representative_point())]
        assert holder.geom_type.iloc[0] == "MultiPolygon"


def test_groups_are_whole_communities_of_one_street_balanced_by_households(
    islanded: tuple[dict[str, gpd.GeoDataFrame], str],
) -> None:
    city, _ = islanded
    plan = partition_plan(city["communities"], city["buildings"], levels=LEVELS)
    basic, medium, large = (plan.grids[lv] for lv in ("basic", "medium", "large"))
    assert medium["households"].sum() == large["households"].sum() == basic["households"].sum()
    assert all(m.startswith(p) for m, p in zip(medium.code, medium.parent_code, strict=True))
    assert all(c[:9] == p[:9] for c, p in zip(large.code, large.parent_code, strict=True))
    # every community lies in exactly one medium grid
    points = city["communities"].geometry.representative_point()
    hits = shapely.STRtree(medium.geometry.to_numpy()).query(points.to_numpy(), "within")
    assert np.bincount(hits[0], minlength=len(points)).tolist() == [1] * len(points)
    assert plan.report["large"]["within_band_share"] == 1.0
