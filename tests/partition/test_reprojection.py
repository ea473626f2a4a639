"""Coverages whose edges meet in T-junctions (one community's long side against two others')
stay coverages through every reprojection (``geogrid.densify``): no false overlaps, gaps or
spills of several m² from edges drawn as chords in the new CRS."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from _cli import run_geogrid
from shapely.affinity import translate

from geogrid.partition.engine import partition_plan

STREET = "370212001"


def _lonlat_street() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A street of 1.8 km x 2.2 km on whole degrees; two communities along its south side and
    one across its north: the south side of the street is one edge, the communities' corner
    lies halfway along it."""
    west = shapely.box(120.00, 36.000, 120.01, 36.012)
    east = shapely.box(120.01, 36.000, 120.02, 36.012)
    north = shapely.box(120.00, 36.012, 120.02, 36.020)
    communities = gpd.GeoDataFrame(
        {"code": [f"{STREET}00{i}" for i in (1, 2, 3)], "street_code": [STREET] * 3,
         "area_type": ["urban_community"] * 3},
        geometry=[west, east, north], crs="EPSG:4326",
    )  # fmt: skip
    street = gpd.GeoDataFrame(
        {"code": [STREET]}, geometry=[shapely.box(120.0, 36.0, 120.02, 36.02)], crs="EPSG:4326"
    )
    xs = np.arange(120.0005, 120.02, 0.0011)
    ys = np.arange(36.0005, 36.02, 0.0011)
    houses = [shapely.box(x, y, x + 0.0002, y + 0.0002) for x in xs for y in ys]
    buildings = gpd.GeoDataFrame(
        {"households": [3] * len(houses)}, geometry=houses, crs="EPSG:4326"
    )
    return communities, street, buildings


def test_a_lon_lat_coverage_keeps_no_false_gap_in_the_metric_crs() -> None:
    """In UTM the street's south side, a parallel, bends 4.6 cm over 1.8 km: drawn as one
    chord it left 46 m² between the street and its communities, reported as a gap."""
    communities, street, buildings = _lonlat_street()
    plan = partition_plan(communities, buildings, levels=["basic"], streets=street)
    basic = plan.report["basic"]
    assert basic["gap_area_m2"] < 0.05
    assert basic["overlap_area_m2"] < 0.05
    assert plan.report["households"]["balanced"]


def test_a_lon_lat_coverage_is_not_refused_as_overlapping() -> None:
    """One community along the south of the street, two side by side north of it: in UTM the
    long community's north side, a parallel drawn as one chord, ran 4.6 cm into the two above
    it, and the engine refused exact parents as "overlap by 20.9 m²"."""
    south = shapely.box(120.00, 36.000, 120.02, 36.008)
    west = shapely.box(120.00, 36.008, 120.01, 36.020)
    east = shapely.box(120.01, 36.008, 120.02, 36.020)
    communities = gpd.GeoDataFrame(
        {"code": [f"{STREET}00{i}" for i in (1, 2, 3)], "area_type": ["urban_community"] * 3},
        geometry=[south, west, east],
        crs="EPSG:4326",
    )
    _, _, buildings = _lonlat_street()
    plan = partition_plan(communities, buildings, levels=["basic"])
    assert plan.report["basic"]["overlap_area_m2"] < 0.05
    assert plan.report["basic"]["gap_area_m2"] < 0.05
    assert plan.report["households"]["balanced"]


def test_a_gauss_kruger_coverage_needs_no_repair(tmp_path: Path) -> None:
    """The same layout drawn in CGCS2000 / 3-degree Gauss-Krüger (EPSG:4549, metres):
    exact there, and going to WGS 84 for the repair and back must not make slivers of it."""
    west, east = shapely.box(0, 0, 900, 1100), shapely.box(900, 0, 1800, 1100)
    north = shapely.box(0, 1100, 1800, 2000)

    def gk(geoms: list[shapely.Geometry]) -> list[shapely.Geometry]:
        return [translate(g, 520_000, 3_998_000) for g in geoms]

    communities = gpd.GeoDataFrame(
        {"code": [f"{STREET}00{i}" for i in (1, 2, 3)], "street_code": [STREET] * 3,
         "area_type": ["urban_community"] * 3},
        geometry=gk([west, east, north]), crs="EPSG:4549",
    )  # fmt: skip
    street = gpd.GeoDataFrame(
        {"code": [STREET], "name": ["街道"]},
        geometry=gk([shapely.box(0, 0, 1800, 2000)]),
        crs="EPSG:4549",
    )
    houses = gk([shapely.box(x, y, x + 20, y + 20) for x in range(50, 1800, 100)
                 for y in range(50, 2000, 100)])  # fmt: skip
    buildings = gpd.GeoDataFrame(
        {"building_id": [f"b{i}" for i in range(len(houses))], "households": [4] * len(houses)},
        geometry=houses,
        crs="EPSG:4549",
    )
    path = tmp_path / "gk.gpkg"
    for name, frame in (("streets", street), ("communities", communities),
                        ("buildings", buildings)):  # fmt: skip
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    done = run_geogrid("partition", str(path), "--repair")
    assert done.returncode == 0, done.stderr
    assert "--repair: nothing to repair" in done.stdout
    assert "repaired" not in done.stdout


def test_a_long_road_on_a_lon_lat_edge_stays_on_it() -> None:
    """A 9 km road drawn on the parallel two communities share: projected bare, its chord ran
    up to 1.2 m off their edge (cut into pieces as the parents were) and one grid took the
    strip between them, a tail 9 km long and a metre wide (Polsby-Popper 0.016)."""
    south = shapely.box(120.0, 36.0, 120.1, 36.005)
    north = shapely.box(120.0, 36.005, 120.1, 36.010)
    communities = gpd.GeoDataFrame(
        {"code": [f"{STREET}001", f"{STREET}002"], "area_type": ["urban_community"] * 2},
        geometry=[south, north],
        crs="EPSG:4326",
    )
    roads = gpd.GeoDataFrame(
        {"road_id": ["R1"], "road_class": ["primary"]},
        geometry=[shapely.LineString([(120.0, 36.005), (120.1, 36.005)])],
        crs="EPSG:4326",
    )
    xs = np.arange(120.0008, 120.1, 0.002)
    ys = np.arange(36.0004, 36.01, 0.0008)
    houses = [shapely.box(x, y, x + 0.0002, y + 0.0002) for x in xs for y in ys]
    buildings = gpd.GeoDataFrame({"households": [6] * len(houses)}, geometry=houses, crs=4326)
    plan = partition_plan(communities, buildings, roads=roads, levels=["basic"])
    grids = plan.grids["basic"]
    metric = grids.to_crs(grids.estimate_utm_crs())
    polsby = 4 * np.pi * metric.area / metric.length**2
    assert polsby.min() > 0.2, polsby.sort_values().head(3).tolist()
    assert plan.report["households"]["balanced"]
