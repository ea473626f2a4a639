"""The seed boundaries: real outlines converted from GCJ-02, NBS names and codes, census."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geogrid import boundaries
from geogrid.crs import STORAGE_CRS, gcj02_to_wgs84, metric_crs, wgs84_to_gcj02
from geogrid.errors import InputError, NotFound

REPO = Path(__file__).resolve().parents[1]
WGS84_REFERENCE = REPO / "tests" / "data" / "china" / "seed_districts_wgs84.geojson"
RAW = REPO / "data" / "boundaries" / "districts_gcj02.geojson"


def _metres(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat, dlon = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


def test_districts_are_wgs84_with_codes_and_names() -> None:
    frame = boundaries.districts()
    assert frame.crs == STORAGE_CRS
    assert list(frame.columns) == ["code", "name", "name_en", "source_crs", "geometry"]
    assert len(frame) == 7
    assert frame["code"].str.fullmatch(r"\d{6}").all()
    assert (frame["source_crs"] == "gcj02").all()
    assert frame.geometry.is_valid.all()
    laoshan = frame.set_index("code").loc["370212"]
    assert laoshan["name_en"] == "Laoshan"
    assert laoshan["name"] == "崂山区"


def test_conversion_removes_the_gcj02_offset() -> None:
    raw = json.loads(RAW.read_text(encoding="utf-8"))
    raw_by_code = {str(f["properties"]["adcode"]): f for f in raw["features"]}
    converted = boundaries.district_outline("370212")
    gcj = shapely.get_coordinates(shapely.geometry.shape(raw_by_code["370212"]["geometry"]))
    wgs = shapely.get_coordinates(converted)
    assert gcj.shape == wgs.shape
    shift = _metres(gcj[:, 0], gcj[:, 1], wgs[:, 0], wgs[:, 1])
    assert shift.min() > 300 and shift.max() < 700  # the offset is hundreds of metres


def test_gcj02_round_trip_on_seed_vertices_within_one_metre() -> None:
    xy = shapely.get_coordinates(boundaries.districts().geometry.values)
    glon, glat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    assert _metres(xy[:, 0], xy[:, 1], back_lon, back_lat).max() < 1.0


def test_outlines_match_the_reference_wgs84_conversion_within_two_metres() -> None:
    ours = boundaries.districts().set_index("code")
    theirs = gpd.read_file(WGS84_REFERENCE)
    theirs["code"] = theirs["adcode"].astype(str).str.zfill(6)
    theirs = theirs.set_index("code")
    assert sorted(ours.index) == sorted(theirs.index)
    crs = metric_crs(ours)
    for code in ours.index:
        a = gpd.GeoSeries([ours.loc[code, "geometry"]], crs=STORAGE_CRS).to_crs(crs)
        b = gpd.GeoSeries([theirs.loc[code, "geometry"]], crs=STORAGE_CRS).to_crs(crs)
        pa = shapely.get_coordinates(a.values)
        pb = shapely.get_coordinates(b.values)
        assert pa.shape == pb.shape, code
        assert np.hypot(*(pa - pb).T).max() < 2.0, code


def test_streets_communities_and_census_of_laoshan() -> None:
    streets = boundaries.streets_of("370212")
    comms = boundaries.communities_of("370212")
    assert len(streets) == 5
    assert streets["code"].str.fullmatch(r"370212\d{3}").all()
    assert len(comms) == 167
    assert comms["code"].str.fullmatch(r"\d{12}").all()
    assert set(comms["street_code"]) == set(streets["code"])
    assert (comms["area_kind"] == "urban").sum() == 87
    assert (comms["area_kind"] == "village").sum() == 80
    assert boundaries.census_households("370212") == 178_701
    assert boundaries.census_households("610116") == 527_631
    assert len(boundaries.communities_of("610116")) == 513


@pytest.mark.parametrize(
    "call",
    [
        boundaries.district_outline,
        boundaries.streets_of,
        boundaries.communities_of,
        boundaries.census_households,
    ],
)
def test_unknown_code_names_it_and_the_known_ones(call: object) -> None:
    with pytest.raises(NotFound, match=r"'999999'.*370212"):
        call("999999")  # type: ignore[operator]


def test_boundaries_dir_can_be_overridden(tmp_path: Path) -> None:
    for src in (REPO / "data" / "boundaries").iterdir():
        text = src.read_text(encoding="utf-8")
        if src.name == "census2020_district.csv":
            text = text.replace(",178701,", ",1000,")
        (tmp_path / src.name).write_text(text, encoding="utf-8")
    assert boundaries.census_households("370212", boundaries_dir=tmp_path) == 1000
    assert len(boundaries.districts(boundaries_dir=tmp_path)) == 7


def test_a_missing_seed_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"districts_gcj02\.geojson"):
        boundaries.districts(boundaries_dir=tmp_path)
