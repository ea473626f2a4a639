"""Faults found on a real street's kinds of data (third round of messy inputs,
``benchmarks/partition/messy/street3.py``), each kind with the right value written out.

Land parcels used as the buildings layer: neighbours overlap by a few decimetres, so faces
near a corner of four parcels can be cut off from their own parcel; a zoning polygon or a
compound's outline among the footprints encloses many buildings.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geogrid.partition._linework import detach_crumbs
from geogrid.partition.engine import partition_plan
from geogrid.partition.suspects import enclosing_footprints, road_land_footprints

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0
CODE = "370212001001"


def _community(width: float = 600.0, height: float = 600.0) -> gpd.GeoDataFrame:
    box = shapely.box(X0, Y0, X0 + width, Y0 + height)
    return gpd.GeoDataFrame(
        {"code": [CODE], "area_type": ["urban_community"]}, geometry=[box], crs=UTM
    )


def _csr(n: int, edges: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    both = sorted([(a, b, w) for a, b, w in edges] + [(b, a, w) for a, b, w in edges])
    indptr = np.zeros(n + 1, dtype=np.int64)
    for a, _, _ in both:
        indptr[a + 1] += 1
    return (
        np.cumsum(indptr),
        np.asarray([b for _, b, _ in both], dtype=np.int64),
        np.asarray([w for _, _, w in both], dtype=float),
    )


def test_a_crumb_cut_off_from_its_group_joins_the_neighbour_it_shares_most_with() -> None:
    # faces 0-1 are parcel P's (group 0, the building on 0), 2 is Q's (group 1), 3 is R's
    # (group 2); face 4 (0.03 m², in P's footprint by the overlap) touches only Q (0.3 m of
    # edge) and R (0.5 m): it joins R. A crumb of 2 m² (face 5, group 0, touching only Q) is
    # no crumb and stays.
    indptr, indices, shared = _csr(
        6, [(0, 1, 10.0), (1, 2, 8.0), (2, 3, 8.0), (4, 2, 0.3), (4, 3, 0.5), (5, 2, 1.5)]
    )
    group = np.asarray([0, 0, 1, 2, 0, 0], dtype=np.int64)
    built = np.asarray([True, False, True, True, False, False])
    area = np.asarray([400.0, 300.0, 500.0, 500.0, 0.03, 2.0])
    out = detach_crumbs(group, built, area, indptr, indices, shared)
    assert out.tolist() == [0, 0, 1, 2, 2, 0]


def _parcels(seed: int) -> gpd.GeoDataFrame:
    """Parcels tiling 8 blocks of 140 x 140 m (between 10 m roads' kerbs), 5 x 6 per block,
    each corner moved by up to 0.3 m, and each parcel's own vertices by up to 0.3 m more:
    neighbours gap and overlap by a few decimetres, as cadastral data has."""
    rng = np.random.default_rng(seed)
    geoms, hh = [], []
    for bx in range(4):
        for by in range(2):
            x0, y0 = X0 + 5 + 150 * bx, Y0 + 5 + 150 * by
            xs, ys = x0 + np.linspace(0, 140, 6), y0 + np.linspace(0, 140, 7)
            jx, jy = rng.uniform(-0.3, 0.3, (6, 7)), rng.uniform(-0.3, 0.3, (6, 7))
            jx[[0, -1], :] = 0
            jy[:, [0, -1]] = 0
            for i in range(5):
                for j in range(6):
                    ring = [(a, b) for a, b in ((i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1))]
                    pts = [(xs[a] + jx[a, b], ys[b] + jy[a, b]) for a, b in ring]
                    pts = [(x + rng.uniform(-0.3, 0.3), y + rng.uniform(-0.3, 0.3)) for x, y in pts]
                    geoms.append(shapely.Polygon(pts))
                    hh.append(int(rng.integers(4, 20)))
    return gpd.GeoDataFrame(
        {"building_id": [f"P{i:03d}" for i in range(len(geoms))], "households": hh},
        geometry=geoms,
        crs=UTM,
    )


def _roads(width: float, height: float) -> gpd.GeoDataFrame:
    lines = [shapely.LineString([(X0 + x, Y0), (X0 + x, Y0 + height)]) for x in range(0, 601, 150)]
    lines += [shapely.LineString([(X0, Y0 + y), (X0 + width, Y0 + y)]) for y in (0, 150, 300)]
    return gpd.GeoDataFrame({"road_class": ["local"] * len(lines)}, geometry=lines, crs=UTM)


def test_parcels_overlapping_by_decimetres_give_grids_in_one_piece() -> None:
    # before: micro grids in two pieces, one a crumb of 0.0001-0.03 m² at a corner of four
    # parcels (4 of 318 on the street3 parcels case); now every grid is one polygon and the
    # parcels' touching is no "overlapping footprints" suspect
    parcels = _parcels(5)
    plan = partition_plan(_community(600.0, 300.0), parcels, roads=_roads(600.0, 300.0), seed=0)
    for level in ("basic", "micro"):
        parts = shapely.get_num_geometries(plan.grids[level].to_crs(UTM).geometry.to_numpy())
        assert parts.tolist() == [1] * len(parts), level
    acc = plan.report["households"]
    assert acc["in_grids"]["micro"] == int(parcels["households"].sum())
    assert acc["suspect"]["overlapping_footprints"]["pairs"] == 0
    assert acc["suspect"]["enclosing_footprints"]["buildings"] == 0


def _houses() -> list[tuple[str, int, shapely.Polygon]]:
    """10 x 10 houses of 10 households, 12 m square, 60 m apart: 1,000 households."""
    return [
        (
            f"H{r}-{c}",
            10,
            shapely.box(X0 + 20 + 60 * c, Y0 + 20 + 60 * r, X0 + 32 + 60 * c, Y0 + 32 + 60 * r),
        )
        for r in range(10)
        for c in range(10)
    ]


def test_a_zoning_polygon_over_the_houses_does_not_make_one_grid() -> None:
    # before: the zone (0 households, the whole community) was kept whole as a building, every
    # house's cell joined it, and the community was one basic grid of 1,000 households, with
    # 100 "overlapping footprints" pairs asking whether a building was there twice
    rows = [*_houses(), ("ZONE", 0, shapely.box(X0 + 1, Y0 + 1, X0 + 599, Y0 + 599))]
    ids, hh, geoms = zip(*rows, strict=True)
    bld = gpd.GeoDataFrame({"building_id": ids, "households": hh}, geometry=list(geoms), crs=UTM)
    plan = partition_plan(_community(), bld, seed=0)
    basic = plan.grids["basic"]
    assert int(basic["households"].sum()) == 1000
    assert len(basic) >= 2 and int(basic["households"].max()) <= 500
    suspect = plan.report["households"]["suspect"]
    assert suspect["enclosing_footprints"] == {"buildings": 1, "households": 0, "first": ["ZONE"]}
    assert suspect["overlapping_footprints"]["pairs"] == 0


def test_a_footprint_enclosing_five_others_is_an_enclosure_a_podium_under_four_is_not() -> None:
    boxes = [
        (0, 0, 100, 100),  # a compound's wall around the five houses after it
        (10, 10, 20, 20),
        (40, 40, 50, 50),
        (70, 70, 80, 80),
        (10, 70, 20, 80),
        (70, 10, 80, 20),
        (200, 0, 320, 40),  # a podium under four towers: a building, kept whole
        (205, 5, 225, 35),
        (235, 5, 255, 35),
        (265, 5, 285, 35),
        (295, 5, 315, 35),
        (400, 0, 410.3, 10),  # parcels overlapping by 0.3 m: neither encloses the other
        (410, 0, 420, 10),
    ]
    geoms = np.asarray([shapely.box(*b) for b in boxes], dtype=object)
    found = enclosing_footprints(geoms, np.full(len(boxes), -1, dtype=np.int64))
    assert np.flatnonzero(found).tolist() == [0]


def test_road_land_among_the_buildings_leaves_the_cut_on_the_centre_line() -> None:
    # a 600 x 300 m community cut by an avenue at x = 300 (its land 24 m wide given as a
    # "building" of 0 households, as a cadastral layer has it); 25 houses of 12 households on
    # each side: 600 households, two grids of 300. Before: the road land was kept whole, so the
    # cut ran along one of its kerbs, 12 m off the centre line; now along the centre line.
    rows = []
    for side, x0 in (("W", X0 + 30), ("E", X0 + 330)):
        for r in range(5):
            for c in range(5):
                x, y = x0 + 50 * c, Y0 + 30 + 55 * r
                rows.append((f"{side}{r}{c}", 12, shapely.box(x, y, x + 12, y + 12)))
    rows.append(("LAND", 0, shapely.box(X0 + 288, Y0, X0 + 312, Y0 + 300)))
    ids, hh, geoms = zip(*rows, strict=True)
    bld = gpd.GeoDataFrame({"building_id": ids, "households": hh}, geometry=list(geoms), crs=UTM)
    road = shapely.LineString([(X0 + 300, Y0 - 10), (X0 + 300, Y0 + 310)])
    roads = gpd.GeoDataFrame({"road_class": ["arterial"]}, geometry=[road], crs=UTM)
    plan = partition_plan(_community(600.0, 300.0), bld, roads=roads, seed=0)
    basic = plan.grids["basic"].to_crs(UTM)
    assert sorted(basic["households"].tolist()) == [300, 300]
    cut = shapely.intersection(*basic.geometry.to_numpy())
    assert cut.length == pytest.approx(300.0, abs=0.5)
    assert (
        shapely.hausdorff_distance(cut, road.intersection(_community(600.0, 300.0).geometry[0]))
        < 0.5
    )
    assert plan.report["households"]["suspect"]["road_land"] == {
        "buildings": 1,
        "households": 0,
        "first": ["LAND"],
    }


def test_road_land_is_a_strip_a_line_runs_along_not_a_shop_lanes_cross() -> None:
    # before the "one run" rule, 35 shop parcels (0 households) that two or three short hutong
    # lanes crossed were taken for road land (street3 parcels_hutong) and not kept whole
    geoms = np.asarray(
        [
            shapely.box(0, 0, 10, 140),  # road land: its centre line runs 140 m along it
            shapely.box(100, 0, 125, 30),  # a shop crossed by two lanes, 30 m each
            shapely.box(200, 0, 212, 12),  # a kiosk a lane crosses
            shapely.box(300, 0, 310, 140),  # the same strip as the first, with households
        ],
        dtype=object,
    )
    lines = np.asarray(
        [
            shapely.LineString([(5, -5), (5, 145)]),
            shapely.LineString([(108, 0), (108, 30)]),
            shapely.LineString([(117, 0), (117, 30)]),
            shapely.LineString([(206, -5), (206, 17)]),
            shapely.LineString([(305, -5), (305, 145)]),
        ],
        dtype=object,
    )
    households = np.asarray([0, 0, 0, 20], dtype=np.int64)
    found = road_land_footprints(geoms, households, lines)
    assert found.tolist() == [True, False, False, False]


def test_a_school_block_lanes_cross_here_and_there_is_no_road_land() -> None:
    # a 90 x 140 m school (0 households) with a lane along it and ten short ones from either
    # side: all of it lies within 15 m of some lane, only 30 x 140 m of it near the long one
    school = shapely.box(0, 0, 90, 140)
    lanes = [shapely.LineString([(45, -5), (45, 145)])]
    lanes += [shapely.LineString([(0, y), (38, y)]) for y in (10, 40, 70, 100, 130)]
    lanes += [shapely.LineString([(90, y), (52, y)]) for y in (10, 40, 70, 100, 130)]
    found = road_land_footprints(
        np.asarray([school], dtype=object),
        np.asarray([0], dtype=np.int64),
        np.asarray(lanes, dtype=object),
    )
    assert found.tolist() == [False]


def test_a_non_building_without_households_is_no_unit_the_plan_is_the_houses_own() -> None:
    # the zone of 0 households, not kept whole, still stood as a point: a cell generator of
    # its own, so the plan differed from the houses' alone (street3 parcels_zone: 88.7% of
    # the internal boundary within 5 m of a road against the parcels' own 90.5%)
    houses = _houses()
    zone = [("ZONE", 0, shapely.box(X0 + 1, Y0 + 1, X0 + 599, Y0 + 599))]
    plans = []
    for rows in (houses, [*houses, *zone]):
        ids, hh, geoms = zip(*rows, strict=True)
        bld = gpd.GeoDataFrame(
            {"building_id": ids, "households": hh}, geometry=list(geoms), crs=UTM
        )
        plans.append(partition_plan(_community(), bld, seed=0))
    for level in ("basic", "micro"):
        alone, with_zone = (p.grids[level] for p in plans)
        assert alone["households"].tolist() == with_zone["households"].tolist()
        assert alone.geometry.geom_equals_exact(with_zone.geometry, 1e-9).all()
    assert plans[1].report["households"]["households_in"] == 1000
