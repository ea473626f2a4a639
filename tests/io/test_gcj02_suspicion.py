"""A file from AMap / DataV (GCJ-02) imported without --source-crs is refused, never stored as
WGS 84; --source-crs gcj02 converts it, --source-crs EPSG:4326 keeps it as it is (item 5)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.affinity

from geogrid.boundaries import DEFAULT_DIR, districts
from geogrid.crs import wgs84_to_gcj02
from geogrid.errors import ValidationFailed
from geogrid.importer import ImportOptions, import_file
from geogrid.store import Store
from geogrid.store.layers import layer_sources, read_layer

SEED = DEFAULT_DIR / "districts_gcj02.geojson"


def _laoshan_gcj02() -> gpd.GeoDataFrame:
    raw = gpd.read_file(SEED)
    raw = raw[raw["adcode"].astype(str) == "370212"]
    return gpd.GeoDataFrame(
        {"code": ["370212"], "name": ["崂山区"]}, geometry=raw.geometry.values, crs="EPSG:4326"
    )


def _refusals(store: Store, path: Path, options: ImportOptions | None = None) -> list[str]:
    """The suspected_gcj02 errors of an import that must be refused, with nothing written."""
    with pytest.raises(ValidationFailed) as err:
        import_file(store, path, options)
    assert layer_sources(store.engine) == []
    return [f.message for f in err.value.report.errors if f.check == "suspected_gcj02"]


def _suspicions(result: object) -> list[str]:
    return [f.message for f in result.report.findings if f.check == "suspected_gcj02"]  # type: ignore[attr-defined]


HINT = (
    "its coordinates are likely GCJ-02 (AMap), about 500 m off WGS 84, and are not stored as "
    "WGS 84: import it again with --source-crs gcj02 (or --source-crs EPSG:4326 if they are "
    "WGS 84 after all)"
)


def test_datav_properties_refuse_the_file(store: Store, tmp_path: Path) -> None:
    frame = _laoshan_gcj02().assign(
        adcode=370212,
        center=json.dumps([120.468, 36.107]),
        level="district",
        acroutes=json.dumps([100000, 370000, 370200]),
    )
    path = tmp_path / "districts.geojson"
    frame.to_file(path, engine="pyogrio")
    assert _refusals(store, path) == [
        f"the file carries AMap / DataV properties (adcode, center, acroutes, level): {HINT}"
    ]
    # the user's word decides: as WGS 84 it is kept as it is (and said to be so)
    result = import_file(store, path, ImportOptions(source_crs="EPSG:4326"))
    assert result.source_crs == {"districts": "EPSG:4326"} and _suspicions(result) == []


def test_an_outline_that_fits_a_seed_only_as_gcj02_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "districts.geojson"
    _laoshan_gcj02().to_file(path, engine="pyogrio")
    [message] = _refusals(store, path)
    assert message.startswith("read as WGS 84 the file's outline misses the seed district 370212")
    assert message.endswith(HINT)


@pytest.mark.parametrize("declared", [True, False])
def test_true_wgs84_or_declared_gcj02_is_imported(
    store: Store, tmp_path: Path, declared: bool
) -> None:
    path = tmp_path / "districts.geojson"
    if declared:
        frame = _laoshan_gcj02().assign(adcode=370212, center="[120.468, 36.107]")
        options = ImportOptions(source_crs="gcj02")
    else:
        seed = districts()
        frame = seed[seed["code"] == "370212"][["code", "name", "geometry"]]
        options = ImportOptions()
    frame.to_file(path, engine="pyogrio")
    result = import_file(store, path, options)
    assert _suspicions(result) == []
    stored = read_layer(store.engine, "districts").geometry.iloc[0]
    seed_geom = districts().set_index("code").geometry.loc["370212"]
    assert shapely.symmetric_difference(stored, seed_geom).area < 1e-9


# --- item 10: no street layer to compare against ------------------------------------------------


def _communities(outline: shapely.Geometry) -> gpd.GeoDataFrame:
    """The outline cut into a 3 x 3 lattice of communities of one street (as a GIS delivers
    them: the pieces along the district's edge follow it)."""
    minx, miny, maxx, maxy = outline.bounds
    w, h = (maxx - minx) / 3, (maxy - miny) / 3
    pieces = [
        shapely.intersection(outline, shapely.box(minx + i * w, miny + j * h, minx + (i + 1) * w, miny + (j + 1) * h))
        for i in range(3)
        for j in range(3)
    ]  # fmt: skip
    pieces = [p for p in pieces if not p.is_empty and p.area > 0]
    return gpd.GeoDataFrame(
        {
            "code": [f"370212001{k + 1:03d}" for k in range(len(pieces))],
            "name": [f"社区{k + 1}" for k in range(len(pieces))],
        },
        geometry=pieces,
        crs="EPSG:4326",
    )


def _datum_findings(result: object) -> list[tuple[str, str, str]]:
    return [
        (f.severity, f.check, f.message)
        for f in result.report.findings  # type: ignore[attr-defined]
        if f.check in ("suspected_gcj02", "datum_unchecked")
    ]


def test_gcj02_communities_without_streets_are_caught_by_the_district_boundary(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "communities.geojson"
    _communities(_laoshan_gcj02().geometry.iloc[0]).to_file(path, engine="pyogrio")
    [message] = _refusals(store, path)
    # judged against the seed district it lies in: its edge follows Laoshan's only as GCJ-02
    assert message.startswith("its edge lies 269 m off the outline of Laoshan (370212) as WGS 84, 0 m off as GCJ-02 (39% of its vertices near that outline lie outside it as WGS 84, 0% as GCJ-02)")  # fmt: skip
    assert message.endswith(HINT)
    converted = import_file(store, path, ImportOptions(source_crs="gcj02"))
    assert converted.written == {
        "communities": len(_communities(_laoshan_gcj02().geometry.iloc[0]))
    }


def test_true_wgs84_communities_fit_and_are_imported(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "communities.geojson"
    seed = districts().set_index("code").geometry.loc["370212"]
    _communities(seed).to_file(path, engine="pyogrio")
    assert _datum_findings(import_file(store, path)) == []


def test_a_stored_district_layer_is_a_reference_too(store: Store, tmp_path: Path) -> None:
    """Away from every seed district: the stored district (WGS 84) is what tells."""
    seed = districts().set_index("code").geometry.loc["370212"]
    away = shapely.affinity.translate(seed, xoff=-6.0, yoff=-5.0)  # Henan, no seed there
    dpath = tmp_path / "districts.geojson"
    gpd.GeoDataFrame({"code": ["410100"], "name": ["某区"]}, geometry=[away], crs=4326).to_file(
        dpath, engine="pyogrio"
    )
    import_file(store, dpath)
    stored = layer_sources(store.engine)
    wgs = _communities(away)
    gx, gy = wgs84_to_gcj02(*np.asarray(shapely.get_coordinates(wgs.geometry.to_numpy())).T)
    shifted = wgs.set_geometry(
        shapely.set_coordinates(wgs.geometry.to_numpy().copy(), np.column_stack([gx, gy]))
    )
    shifted["code"] = [f"410100001{c[-3:]}" for c in shifted["code"]]
    path = tmp_path / "communities.geojson"
    shifted.to_file(path, engine="pyogrio")
    with pytest.raises(ValidationFailed) as err:
        import_file(store, path)
    [message] = [f.message for f in err.value.report.errors if f.check == "suspected_gcj02"]
    assert "near the edge of the stored districts" in message
    assert layer_sources(store.engine) == stored  # the districts only: nothing written


def test_with_nothing_to_compare_the_report_says_the_datum_was_not_checked(
    store: Store, tmp_path: Path
) -> None:
    far = shapely.box(100.0, 30.0, 100.01, 30.01)  # western Sichuan: no seed, empty store
    path = tmp_path / "communities.geojson"
    gpd.GeoDataFrame(
        {"code": ["513300001001"], "name": ["某社区"]}, geometry=[far], crs=4326
    ).to_file(path, engine="pyogrio")
    assert _datum_findings(import_file(store, path)) == [
        (
            "info",
            "datum_unchecked",
            "the datum could not be checked: no stored layer or embedded district boundary has "
            "an edge near this layer's features; if the coordinates come from AMap / Tencent "
            "(GCJ-02) or Baidu (BD-09), import again with --source-crs gcj02 or bd09",
        )
    ]


def test_roads_of_two_vertices_each_are_judged_along_their_length() -> None:
    # a 1.8 x 2.2 km community in Laoshan and four straight roads across it, two vertices
    # each (8 in all: too few to judge by vertices alone). Judged every ~20 m along them, the
    # roads as read fit; shifted to GCJ-02 (some 500 m east and north) their ends run out of the
    # community, and converted back they fit again: suspected
    from geogrid.io._provenance import datum_check

    community = gpd.GeoDataFrame(
        geometry=[shapely.box(120.45, 36.09, 120.47, 36.11)], crs="EPSG:4326"
    )
    lines = [shapely.LineString([(120.452, y), (120.468, y)]) for y in (36.095, 36.100, 36.105)]
    lines.append(shapely.LineString([(120.46, 36.092), (120.46, 36.108)]))
    roads = gpd.GeoDataFrame(geometry=lines, crs="EPSG:4326")
    assert datum_check(roads, [("the communities", community)]) is None
    xy = shapely.get_coordinates(roads.geometry.to_numpy())
    lon, lat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    shifted = roads.set_geometry(
        shapely.set_coordinates(roads.geometry.to_numpy().copy(), np.column_stack([lon, lat]))
    )
    found = datum_check(shifted, [("the communities", community)])
    assert found is not None and found[0] == "suspected_gcj02"
    assert "0% once converted from GCJ-02" in found[1]


# --- judged against the seed district the layer lies in, both ways -----------------------------


def _shahekou_edge(side: str) -> gpd.GeoDataFrame:
    """Two communities (north and south halves) cut from Dalian Shahekou's (210204) true WGS 84
    outline by a 1.5 x 1.1 km box at its westmost or eastmost vertex: their outer edge follows
    the district's edge there, as a GIS delivers them."""
    seed = districts().set_index("code").geometry.loc["210204"]
    outline = max(shapely.get_parts(seed), key=lambda p: p.area)
    xy = shapely.get_coordinates(outline.exterior)
    vx, vy = xy[xy[:, 0].argmin()] if side == "west" else xy[xy[:, 0].argmax()]
    x0, x1 = (vx - 0.001, vx + 0.014) if side == "west" else (vx - 0.014, vx + 0.001)
    cut = outline.intersection(shapely.box(x0, vy - 0.005, x1, vy + 0.005))
    area = max(shapely.get_parts(cut), key=lambda p: p.area)
    minx, miny, maxx, maxy = area.bounds
    mid = (miny + maxy) / 2
    halves = [shapely.box(minx, miny, maxx, mid), shapely.box(minx, mid, maxx, maxy)]
    return gpd.GeoDataFrame(
        {"code": ["210204001001", "210204001002"], "name": ["甲社区", "乙社区"]},
        geometry=[area.intersection(h) for h in halves],
        crs="EPSG:4326",
    )


def _as_gcj02(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` as AMap gives it: shifted to GCJ-02, still labelled EPSG:4326."""
    from geogrid.crs import wgs84_to_offset

    return frame.set_geometry(wgs84_to_offset(frame.geometry, "gcj02"))


def test_gcj02_shifted_into_the_neighbouring_seed_district_is_refused(
    store: Store, tmp_path: Path
) -> None:
    # the east edge of Shahekou borders Xigang (210203), also a seed district: the GCJ-02
    # shift puts two thirds of the communities in Xigang, all of them inside the seed
    # districts' union, where a check against the union saw nothing
    shifted = _as_gcj02(_shahekou_edge("east"))
    seeds = districts().set_index("code").geometry
    area = shifted.union_all()
    assert area.intersection(seeds.loc["210203"]).area / area.area > 0.6
    assert area.difference(seeds.union_all()).area == 0
    path = tmp_path / "communities.geojson"
    shifted.to_file(path, engine="pyogrio")
    [message] = _refusals(store, path)
    assert message == (
        "its edge lies 198 m off the outline of Shahekou (210204) as WGS 84, 0 m off as GCJ-02 "
        f"(45% of its vertices near that outline lie outside it as WGS 84, 0% as GCJ-02): {HINT}"
    )
    assert "--source-crs gcj02" in message
    converted = import_file(store, path, ImportOptions(source_crs="gcj02"))
    assert converted.written == {"communities": 2}
    assert _datum_findings(converted) == []


@pytest.mark.parametrize("side", ["east", "west"])
def test_the_wgs84_original_at_the_district_edge_is_imported(
    store: Store, tmp_path: Path, side: str
) -> None:
    path = tmp_path / "communities.geojson"
    _shahekou_edge(side).to_file(path, engine="pyogrio")
    result = import_file(store, path)
    assert result.written == {"communities": 2}
    assert _datum_findings(result) == []


def test_gcj02_shifted_inward_is_refused(store: Store, tmp_path: Path) -> None:
    # at the west edge the shift (some 500 m east) moves the communities into Shahekou: no
    # vertex leaves it, but their edge no longer follows the district's outline, which it
    # does once converted from GCJ-02
    shifted = _as_gcj02(_shahekou_edge("west"))
    seed = districts().set_index("code").geometry.loc["210204"]
    assert shifted.union_all().difference(seed).area == 0
    path = tmp_path / "communities.geojson"
    shifted.to_file(path, engine="pyogrio")
    [message] = _refusals(store, path)
    assert message == (
        "its edge lies 398 m off the outline of Shahekou (210204) as WGS 84, 0 m off as GCJ-02 "
        f"(0% of its vertices near that outline lie outside it as WGS 84, 0% as GCJ-02): {HINT}"
    )
