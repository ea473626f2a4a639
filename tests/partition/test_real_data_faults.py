"""Faults found on real data (issue 12), each kind with the right value written out.

Hand-built inputs in UTM 51N (metres), so every expected figure can be worked out on paper.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geogrid.errors import InputError
from geogrid.partition.engine import Plan, partition_plan

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_000_000.0
CODE = "370212001001"


def _community(x0: float = X0, width: float = 600.0, code: str = CODE) -> gpd.GeoDataFrame:
    box = shapely.box(x0, Y0, x0 + width, Y0 + 600.0)
    return gpd.GeoDataFrame(
        {"code": [code], "area_type": ["urban_community"]}, geometry=[box], crs=UTM
    )


def _houses(rows: int, cols: int, households: int, *, x0: float = X0) -> list[tuple]:
    """A lattice of 12 m x 12 m houses 50 m apart inside the community."""
    out = []
    for r in range(rows):
        for c in range(cols):
            x, y = x0 + 40 + 50 * c, Y0 + 40 + 50 * r
            out.append((f"H{r}-{c}", households, shapely.box(x, y, x + 12, y + 12)))
    return out


def _buildings(rows: list[tuple]) -> gpd.GeoDataFrame:
    ids, hh, geoms = zip(*rows, strict=True)
    return gpd.GeoDataFrame({"building_id": ids, "households": hh}, geometry=list(geoms), crs=UTM)


def test_buildings_outside_every_parent_are_placed_or_listed_never_lost() -> None:
    rows = _houses(6, 6, 10)  # 360 households inside
    east = X0 + 600.0
    rows += [
        ("A", 20, shapely.box(east - 8, Y0 + 300, east + 12, Y0 + 320)),  # 40% inside
        ("B", 15, shapely.box(east + 20, Y0 + 100, east + 32, Y0 + 112)),  # 20 m outside
        ("C", 25, shapely.box(east + 300, Y0 + 100, east + 312, Y0 + 112)),  # 300 m outside
    ]
    plan = partition_plan(_community(), _buildings(rows), reach_m=50.0)
    acc = plan.report["households"]
    assert acc["households_in"] == 420
    assert acc["in_grids"] == {"basic": 395, "micro": 395}
    assert acc["unassigned_households"] == 25
    assert acc["balanced"] is True
    assert [(u["building"], u["households"], u["reason"]) for u in acc["unassigned"]] == [
        ("C", 25, "outside_every_parent")
    ]
    assert acc["unassigned"][0]["distance_m"] == 300.0
    assert acc["placed_from_outside"] == {
        "overlap": {"buildings": 1, "households": 20},
        "nearest": {"buildings": 1, "households": 15},
    }
    assert int(plan.grids["basic"].households.sum()) == 395
    # list first in the report: the account comes before the levels
    assert next(iter(plan.report)) == "households"


def test_buildings_of_parents_left_out_are_listed_with_their_reason() -> None:
    comm = gpd.GeoDataFrame(
        pd_concat([_community(), _community(X0 + 600, code="370212001002")]), crs=UTM
    )
    rows = _houses(6, 6, 10) + _houses(6, 6, 10, x0=X0 + 600)
    rows = [(f"{i}", h, g) for i, (_, h, g) in enumerate(rows)]
    plan = partition_plan(comm, _buildings(rows), only=["370212001001"])
    acc = plan.report["households"]
    assert acc["in_grids"]["basic"] == 360
    assert acc["unassigned_by_reason"] == {
        "parent_not_divided": {"buildings": 36, "households": 360}
    }


def pd_concat(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


def test_overlapping_parents_are_refused_naming_both_and_the_area() -> None:
    comm = gpd.GeoDataFrame(
        pd_concat([_community(), _community(X0 + 590, code="370212001002")]), crs=UTM
    )
    rows = _houses(6, 6, 10)
    with pytest.raises(InputError) as err:
        partition_plan(comm, _buildings(rows))
    text = str(err.value)
    assert "370212001001 and 370212001002 overlap by 6000.0 m²" in text
    assert "--repair of 'geogrid partition FILE' or of 'geogrid import'" in text  # what to do


def test_an_over_band_building_is_a_grid_alone_and_exemptions_are_counted() -> None:
    # a tower of 820 households beside eight houses of 25: the houses (200) fit no grid of
    # 300-500 on their own, yet they must not be put into the tower's grid
    rows = [("T", 820, shapely.box(X0 + 40, Y0 + 250, X0 + 100, Y0 + 310))]
    rows += [
        (f"H{i}", 25, shapely.box(X0 + 300 + 60 * (i % 4), Y0 + 200 + 100 * (i // 4), X0 + 312 + 60 * (i % 4), Y0 + 212 + 100 * (i // 4)))
        for i in range(8)
    ]  # fmt: skip
    plan = partition_plan(_community(), _buildings(rows))
    basic = plan.grids["basic"]
    assert sorted(basic.households.tolist()) == [200, 820]
    assert sorted(basic.buildings.tolist()) == [1, 8]
    report = plan.report["basic"]
    assert report["over_band_building_shared"] == 0
    assert report["exemptions"]["single_over_band_building"] == 1
    assert report["exemptions"]["parent_too_small"] == 1
    # the headline counts every grid: neither is within 300-500
    assert report["within_band_share"] == 0.0
    assert report["misses"] == 0


def test_empty_basic_grids_are_listed() -> None:
    rows = _houses(6, 6, 10)
    plan = partition_plan(_community(), _buildings(rows))
    assert plan.report["basic"]["empty_grids"] == []
    assert plan.report["basic"]["within_band_share"] == 1.0


CASE = Path(__file__).parent.parent / "data" / "cases" / "c15"


def _c15(roads: str) -> Plan:
    read = lambda name: gpd.read_file(CASE / f"{name}.geojson")  # noqa: E731
    return partition_plan(read("communities"), read("buildings"), roads=read(roads))


def test_roads_that_stop_short_give_the_snapped_networks_grids() -> None:
    # case c15: a main road 15 m short of the boundary at both ends, a side road 8 m short
    dangling, snapped = _c15("roads"), _c15("roads_snapped")
    a, b = dangling.grids["basic"], snapped.grids["basic"]
    assert a.households.tolist() == b.households.tolist() == [300, 400, 400, 300]
    metric = a.estimate_utm_crs()
    diff = shapely.symmetric_difference(
        a.to_crs(metric).geometry.to_numpy(), b.to_crs(metric).geometry.to_numpy()
    )
    assert shapely.area(diff).max() < 1.0
    assert dangling.report["basic"]["barrier_boundary_share"] == 1.0
    # both ends of the main road and the north end of the side road
    assert dangling.report["network"]["dangles_extended"] == 3
    assert snapped.report["network"]["dangles_extended"] == 0


def test_without_snapping_the_short_roads_cut_nothing() -> None:
    read = lambda name: gpd.read_file(CASE / f"{name}.geojson")  # noqa: E731
    plan = partition_plan(read("communities"), read("buildings"), roads=read("roads"), snap_m=0.0)
    assert plan.report["network"]["dangles_extended"] == 0
    assert plan.report["basic"]["barrier_boundary_share"] == 0.0


def test_the_network_drops_duplicates_and_merges_false_nodes_by_class() -> None:
    from geogrid.partition.barriers import CLASSES
    from geogrid.partition.network import barrier_network

    a = shapely.LineString([(X0, Y0 + 300), (X0 + 300, Y0 + 300)])
    b = shapely.LineString([(X0 + 300, Y0 + 300), (X0 + 600, Y0 + 300)])  # continues a
    roads = gpd.GeoDataFrame(
        {"road_class": ["residential", "residential", "primary", "secondary"]},
        geometry=[a, b, a.reverse(), shapely.LineString([(X0 + 300, Y0), (X0 + 300, Y0 + 300)])],
        crs=UTM,
    )
    rail = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(X0, Y0 + 500), (X0 + 600, Y0 + 500)])], crs=UTM
    )
    net = barrier_network([roads, None, rail], _community().boundary.to_numpy(), UTM, snap_m=0.0)
    # the primary road lies on the first residential stretch: the primary one is kept
    assert net.fixes["duplicates_removed"] == 1
    # the secondary road ends where the two residential stretches meet: that node is real
    assert net.fixes["false_nodes_removed"] == 0
    assert sorted(CLASSES[c] for c in net.classes) == ["local", "major", "major", "secondary"]


def test_units_carry_the_codes_of_their_grids_and_make_them_up_exactly() -> None:
    rows = _houses(8, 8, 10)  # 640 households: two basic grids
    plan = partition_plan(_community(), _buildings(rows), with_units=True)
    units = plan.units
    assert units is not None and units.crs == plan.grids["basic"].crs
    assert int(units.households.sum()) == 640 and int(units.buildings.sum()) == 64
    basic = plan.grids["basic"].set_index("code")
    by_grid = units.groupby("basic_code").households.sum()
    assert by_grid.to_dict() == basic.households.to_dict()
    assert (units.micro_code.str[:15] == units.basic_code).all()
    metric = units.to_crs(UTM)
    for code, geom in basic.to_crs(UTM).geometry.items():
        cells = shapely.union_all(metric[metric.basic_code == code].geometry.to_numpy())
        assert shapely.area(shapely.symmetric_difference(cells, geom)) < 1e-3


def test_convexity_is_reported_against_the_parents() -> None:
    plan = partition_plan(_community(), _buildings(_houses(8, 8, 10)))
    report = plan.report["basic"]
    assert report["parent_convexity_mean"] == 1.0  # a square
    assert 0.0 < report["convexity_min"] <= report["convexity_mean"] <= 1.0


def _hamlet(x0: float, houses: int, households: int, tag: str) -> list[tuple]:
    """``houses`` 10 m houses 15 m apart in rows of four: one natural village."""
    return [
        (f"{tag}{i}", households, shapely.box(x0 + 15 * (i % 4), Y0 + 250 + 15 * (i // 4),
                                              x0 + 10 + 15 * (i % 4), Y0 + 260 + 15 * (i // 4)))
        for i in range(houses)
    ]  # fmt: skip


def test_natural_villages_are_clustered_and_kept_whole_where_they_fit() -> None:
    comm = _community(width=1200.0).assign(area_type="village")  # basic band 200-400
    rows = _hamlet(X0 + 50, 10, 20, "A") + _hamlet(X0 + 350, 8, 20, "C")
    rows += _hamlet(X0 + 650, 10, 20, "B") + _hamlet(X0 + 950, 8, 20, "D")
    plan = partition_plan(comm, _buildings(rows))
    figures = plan.report["basic"]["settlements"]
    assert figures == {"settlements": 4, "fit_band": 4, "split": 0, "split_fitting": 0}
    assert sorted(plan.grids["basic"].households.tolist()) == [360, 360]


def test_settlements_are_footprint_clusters() -> None:
    from geogrid.partition.settlements import settlements

    rows = _hamlet(X0, 8, 1, "A") + _hamlet(X0 + 100, 4, 1, "B")  # 45 m between the hamlets
    foot = _buildings(rows).geometry.to_numpy()
    assert settlements(foot, gap_m=50.0).tolist() == [0] * 12
    assert settlements(foot, gap_m=40.0).tolist() == [0] * 8 + [1] * 4


def test_gaps_are_measured_against_the_street_not_per_parent() -> None:
    # the community covers the west half of its street (600 m x 600 m); the east half is in
    # no parent, so the grids leave 360,000 m² of the street uncovered
    street = gpd.GeoDataFrame(
        {"code": ["370212001"]}, geometry=[shapely.box(X0, Y0, X0 + 1200, Y0 + 600)], crs=UTM
    )
    plan = partition_plan(_community(), _buildings(_houses(6, 6, 10)), streets=street)
    assert plan.report["basic"]["gap_between_parents_m2"] == 360_000.0
    assert plan.report["basic"]["gap_area_m2"] == 360_000.0
    assert plan.report["micro"]["gap_area_m2"] == 360_000.0


def test_barrier_classes_come_from_road_class_or_osm_tags() -> None:
    from geogrid.partition.barriers import CLASSES, line_classes

    line = shapely.LineString([(0, 0), (1, 1)])
    roads = gpd.GeoDataFrame(
        {"highway": ["primary_link", "secondary", "residential", "hutong", None]},
        geometry=[line] * 5,
        crs=UTM,
    )
    assert [CLASSES[c] for c in line_classes(roads, 0)] == [
        "major", "secondary", "local", "local", "secondary",
    ]  # fmt: skip
    water = gpd.GeoDataFrame({"waterway": ["canal", "stream"]}, geometry=[line] * 2, crs=UTM)
    assert [CLASSES[c] for c in line_classes(water, 1)] == ["major", "local"]
    assert [CLASSES[c] for c in line_classes(water, 2)] == ["major", "major"]  # railways


def _with_z(frame: gpd.GeoDataFrame, z: float) -> gpd.GeoDataFrame:
    out = frame.copy()
    out["geometry"] = shapely.force_3d(out.geometry.to_numpy(), z)
    return out


def test_z_coordinates_of_any_input_are_dropped_not_carried_into_the_grids() -> None:
    # survey / CAD exports carry a Z: a file with 3D roads used to end in a GEOSException
    # ("Points of LinearRing do not form a closed linestring") reprojecting the grids
    road = gpd.GeoDataFrame(
        {"road_class": ["residential"]},
        geometry=[shapely.LineString([(X0, Y0 + 221), (X0 + 600, Y0 + 221)])],
        crs=UTM,
    )
    comm, houses = _community(), _buildings(_houses(8, 8, 10))  # rows 4 + 4 either side
    flat = partition_plan(comm.to_crs(4326), houses.to_crs(4326), roads=road.to_crs(4326))
    plan = partition_plan(
        _with_z(comm, 30.0).to_crs(4326),
        _with_z(houses, 8.0).to_crs(4326),
        roads=_with_z(road, 12.5).to_crs(4326),
    )
    for level in ("basic", "micro"):
        assert not plan.grids[level].has_z.any()
    basic = plan.grids["basic"]
    assert basic.households.tolist() == [320, 320]
    assert plan.report["basic"]["barrier_boundary_share"] == 1.0
    diff = shapely.symmetric_difference(
        basic.to_crs(UTM).geometry.to_numpy(), flat.grids["basic"].to_crs(UTM).geometry.to_numpy()
    )
    assert shapely.area(diff).max() < 1e-3


def test_a_parent_without_geometry_is_refused_by_its_code() -> None:
    # a null shape in a community table ended in "zero-size array to reduction operation"
    comm = pd_concat([_community(), _community(X0 + 600, code="370212001002")])
    comm.loc[1, "geometry"] = None
    with pytest.raises(InputError) as err:
        partition_plan(gpd.GeoDataFrame(comm, crs=UTM), _buildings(_houses(6, 6, 10)))
    assert err.value.feature == "370212001002"
    assert err.value.field == "geometry"
    assert "no area" in str(err.value)


def test_a_footprint_delivered_twice_counts_once_and_is_listed() -> None:
    """The same house under a second id (and its ring drawn the other way round) holds its
    households once; the other is listed as a duplicate, naming the one kept. Which one is kept
    does not follow the rows' order (buildings are taken in a canonical order: by position,
    then id), so a re-export with the rows the other way lists the same building."""
    rows = _houses(6, 6, 10)  # 360 households
    first = rows[7][2]
    copy = ("COPY", 10, shapely.Polygon(list(first.exterior.coords)[::-1]))
    for given in ([*rows, copy], [copy, *rows]):
        plan = partition_plan(_community(), _buildings(given))
        acc = plan.report["households"]
        assert acc["households_in"] == 370
        assert acc["in_grids"]["basic"] == 360 == int(plan.grids["basic"]["households"].sum())
        assert acc["unassigned_by_reason"] == {
            "duplicate_footprint": {"buildings": 1, "households": 10}
        }
        [row] = acc["unassigned"]
        assert row["building"] == "H1-1"  # the same point: "COPY" comes first by id
        assert row["detail"] == "the same footprint as building COPY: its households counted once"


def test_a_crumb_of_a_community_joins_a_grid_instead_of_being_an_empty_one() -> None:
    """A 2 m² piece of a multi-part community (a digitising crumb 40 m off it) joins the nearest
    grid, which is then in pieces as its parent is; a larger empty island stays a grid."""
    main = _community().geometry.iloc[0]
    x1, y1 = main.bounds[2], main.bounds[1]
    crumb = shapely.box(x1 + 40, y1 + 100, x1 + 42, y1 + 101)  # 2 m²
    island = shapely.box(x1 + 40, y1 + 300, x1 + 140, y1 + 400)  # 1 ha, no households
    comm = _community().set_geometry([shapely.MultiPolygon([main, crumb, island])], crs=UTM)
    plan = partition_plan(comm, _buildings(_houses(6, 6, 10)))  # 360 households
    basic = plan.grids["basic"].to_crs(UTM)
    assert sorted(basic["households"].tolist()) == [0, 360]  # the island's grid and the rest
    whole = basic[basic["households"] == 360].geometry.iloc[0]
    assert shapely.get_num_geometries(whole) == 2 and whole.contains(crumb.centroid)
    report = plan.report["basic"]
    assert (report["disconnected"], report["multipart_parent_grids"]) == (0, 1)
    assert report["gap_area_m2"] == 0.0 and report["empty_grids"] == [basic.loc[
        basic["households"] == 0, "code"].iloc[0]]  # fmt: skip


def _tower_in_a_block(side: float = 12.0) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A tower of 600 households in the middle of a block ringed by a road, with 24 houses
    of 5 around it inside the ring (``side`` m squares on the 50 m lattice) and 96 outside."""
    rows = []
    for name, hh, geom in _houses(11, 11, 5):
        r, c = map(int, name[1:].split("-"))
        if (r, c) != (5, 5) and 3 <= r <= 7 and 3 <= c <= 7:
            geom = shapely.buffer(shapely.centroid(geom), side / 2, cap_style="square")
        if (r, c) != (5, 5):
            rows.append((name, hh, geom))
    rows.append(("T", 600, shapely.box(X0 + 290, Y0 + 290, X0 + 302, Y0 + 302)))
    ring = shapely.box(X0 + 170, Y0 + 170, X0 + 420, Y0 + 420).exterior
    roads = gpd.GeoDataFrame(
        {"road_id": ["R1"], "road_class": ["secondary"]}, geometry=[ring], crs=UTM
    )
    return _buildings(rows), roads


def test_an_over_band_building_enclosed_by_a_block_gets_a_grid_of_its_own() -> None:
    # no chain of whole cells reaches out of the block but through the houses' land, so the
    # tower's grid is drawn out to the road by a 1 m strip between the houses (``_corridors``)
    # instead of sharing a grid of 900 with 60 houses
    buildings, roads = _tower_in_a_block()
    plan = partition_plan(_community(), buildings, roads=roads)
    basic, report = plan.grids["basic"], plan.report["basic"]
    assert sorted(zip(basic.households, basic.buildings, strict=True)) == [
        (300, 60),
        (300, 60),
        (600, 1),
    ]
    assert int(shapely.get_num_interior_rings(basic.geometry.to_numpy()).sum()) == 0
    assert all(g.geom_type == "Polygon" for g in basic.geometry)
    assert report["over_band_building_shared"] == 0
    assert report["enclaves_joined_out_of_band"] == []
    (note,) = report["infeasible_parents"]
    assert note["reason"] == (
        "1 building unit(s) hold more households than the band's 500 (up to 600); each stays "
        "whole as its own grid"
    )


def test_an_over_band_building_with_no_gap_to_the_road_is_said_to_share_its_grid() -> None:
    # the houses in the block are 49.4 m squares, 0.6 m apart: no strip 1 m wide passes
    # between them 0.5 m clear, so the tower shares a grid with the houses around it, and
    # the report says so instead of "each stays whole as its own grid"
    buildings, roads = _tower_in_a_block(side=49.4)
    plan = partition_plan(_community(), buildings, roads=roads)
    basic, report = plan.grids["basic"], plan.report["basic"]
    assert int(shapely.get_num_interior_rings(basic.geometry.to_numpy()).sum()) == 0
    assert report["over_band_building_shared"] == 1
    (shared,) = report["enclaves_joined_out_of_band"]
    assert int(basic.loc[basic.code == shared, "buildings"].iloc[0]) > 1
    (note,) = report["infeasible_parents"]
    assert note["reason"] == (
        "1 building unit(s) hold more households than the band's 500 (up to 600); each stays "
        "whole, 1 in a grid with the buildings around it: they enclose it, and a grid of its "
        "own would be a hole in theirs"
    )
