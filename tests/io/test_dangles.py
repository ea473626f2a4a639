"""c15: roads that stop just short of the boundary or another road are reported on import."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geogrid.importer import ImportOptions, import_file
from geogrid.store import Store
from geogrid.store.layers import layer_sources

C15 = Path(__file__).resolve().parents[1] / "data" / "cases" / "c15-dangling-roads"
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(36.1036))


def _dangles(result: object) -> list[tuple[str | None, str]]:
    return [(f.feature, f.message) for f in result.report.warnings if f.check == "dangle"]  # type: ignore[attr-defined]


def test_near_misses_of_the_hand_digitised_network_are_reported(store: Store) -> None:
    import_file(store, C15 / "communities.geojson")
    result = import_file(store, C15 / "roads.geojson")
    assert _dangles(result) == [
        (
            "R1",
            "the road ends 15.0 m short of the boundary of community 370212001001 near "
            "(120.46017, 36.10359); geogrid partition extends it there (up to 20 m); "
            "snap it for other tools",
        ),
        (
            "R1",
            "the road ends 15.0 m short of the boundary of community 370212001001 near "
            "(120.46873, 36.10359); geogrid partition extends it there (up to 20 m); "
            "snap it for other tools",
        ),
        (
            "R2",
            "the road ends 8.0 m short of road R1 near (120.46445, 36.10352); "
            "geogrid partition extends it there (up to 20 m); snap it for other tools",
        ),
    ]
    [record] = [s for s in layer_sources(store.engine) if s["layer"] == "roads"]
    assert [f["check"] for f in record["validation"]["findings"]].count("dangle") == 3


def test_the_snapped_network_has_no_near_misses(store: Store) -> None:
    import_file(store, C15 / "communities.geojson")
    result = import_file(store, C15 / "roads_snapped.geojson", ImportOptions(layer="roads"))
    assert _dangles(result) == []


def _road(coords: list[tuple[float, float]], kind: str = "LineString") -> shapely.Geometry:
    if kind == "MultiLineString":
        return shapely.MultiLineString([coords[:2], coords[2:]])
    return shapely.LineString(coords)


@pytest.mark.parametrize(
    ("gap_m", "reported"),
    # a negative gap is an overshoot: the road crosses the edge and ends past it (the synthetic
    # city's paths run 0.3 m past what they meet); it meets the edge, so nothing is listed
    [(3.0, True), (24.0, True), (40.0, False), (0.0, False), (-0.3, False), (-10.0, False)],
)
def test_other_gaps_and_a_street_as_the_only_parent(
    store: Store, tmp_path: Path, gap_m: float, reported: bool
) -> None:
    street = gpd.GeoDataFrame(
        {"code": ["370212001"], "name": ["街道"]},
        geometry=[shapely.box(120.46, 36.10, 120.47, 36.11)],
        crs="EPSG:4326",
    )
    street.to_file(tmp_path / "streets.geojson", engine="pyogrio")
    import_file(store, tmp_path / "streets.geojson")
    east = 120.47 - gap_m / M_PER_DEG_LON
    # a two-part road: only the end of the second part misses the street's east edge
    road = _road(
        [(120.461, 36.105), (120.462, 36.105), (120.465, 36.1036), (east, 36.1036)],
        "MultiLineString",
    )
    roads = gpd.GeoDataFrame({"road_id": ["M1"]}, geometry=[road], crs="EPSG:4326")
    roads.to_file(tmp_path / "roads.geojson", engine="pyogrio")
    found = _dangles(import_file(store, tmp_path / "roads.geojson"))
    expected = [
        (
            "M1",
            f"the road ends {gap_m:.1f} m short of the boundary of street 370212001 near "
            f"({east:.5f}, 36.10360); "
            + (
                "geogrid partition extends it there (up to 20 m); snap it for other tools"
                if gap_m <= 20
                else "snap it there, or grids cannot follow it"
            ),
        )
    ]
    assert found == (expected if reported else [])


def test_a_dead_end_beside_a_road_it_does_not_point_at_is_not_a_near_miss(
    store: Store, tmp_path: Path
) -> None:
    # A cul-de-sac running parallel to R1, 10 m north of it, and a spur pointing at R1 that
    # stops 10 m short: only the spur would meet R1 if drawn on, so only the spur is listed.
    # A lane whose end runs beside R1 only 0.5 m off is a junction drawn apart: listed too.
    # A tee that meets R1 exactly is connected, though drawn on it would reach SOUTH 5 m on.
    north = 36.1036 + 10.0 / 110_950.0
    beside = 36.1036 + 0.5 / 110_950.0
    south = 36.1036 - 5.0 / 110_950.0
    roads = gpd.GeoDataFrame(
        {"road_id": ["R1", "CUL", "SPUR", "LANE", "TEE", "SOUTH"]},
        geometry=[
            shapely.LineString([(120.461, 36.1036), (120.469, 36.1036)]),
            shapely.LineString([(120.462, north), (120.465, north)]),
            shapely.LineString([(120.467, 36.108), (120.467, north)]),
            shapely.LineString([(120.4635, beside), (120.4636, beside), (120.4636, 36.106)]),
            shapely.LineString([(120.465, 36.105), (120.465, 36.1036)]),
            shapely.LineString([(120.4645, south), (120.4655, south)]),
        ],
        crs="EPSG:4326",
    )
    roads.to_file(tmp_path / "roads.geojson", engine="pyogrio")
    found = _dangles(import_file(store, tmp_path / "roads.geojson"))
    assert found == [
        (
            "LANE",
            "the road ends 0.5 m short of road R1 near (120.46350, 36.10360); "
            "geogrid partition extends it there (up to 20 m); snap it for other tools",
        ),
        (
            "SPUR",
            "the road ends 10.0 m short of road R1 near (120.46700, 36.10369); "
            "geogrid partition extends it there (up to 20 m); snap it for other tools",
        ),
    ]
