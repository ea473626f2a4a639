"""Real files in import (turn-2 cases c03, c09, c17 and their kinds), on both stores: formats
GDAL detects, open rings, M coordinates, coordinates that cannot belong to the declared CRS."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from _cli import messages, run_geogrid
from _corpus import load_base, snapshot

from geogrid.errors import CRSError, InputError
from geogrid.importer import ImportOptions, import_file
from geogrid.store import Store
from geogrid.store.layers import layer_sources, read_layer
from geogrid.validation import Thresholds

CASES = Path(__file__).resolve().parents[1] / "data" / "cases"
REAL = Path(__file__).resolve().parents[1] / "data" / "real"
C17 = CASES / "c17-kml-filegdb"
# The two communities of c17 (src.geojson), written out.
C17_BOXES = {
    "370212001001": shapely.box(120.46, 36.10, 120.47, 36.11),
    "370212001002": shapely.box(120.47, 36.10, 120.48, 36.11),
}


def _communities(store: Store) -> dict[str, shapely.Geometry]:
    frame = read_layer(store.engine, "communities")
    return dict(zip(frame["code"], frame.geometry, strict=True))


def _same_boxes(found: dict[str, shapely.Geometry], expected: dict[str, shapely.Geometry]) -> None:
    assert sorted(found) == sorted(expected)
    for code, geom in expected.items():
        assert _same(found[code], geom), code


def _same(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """The same shape to a nanodegree, whatever the ring order or Multi wrapping."""
    return bool(shapely.hausdorff_distance(a, b) < 1e-9)


def _zip_folder(folder: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w") as archive:
        for file in sorted(folder.iterdir()):
            archive.write(file, f"{folder.name}/{file.name}")
    return out


# --- c17 and every format GDAL reads -----------------------------------------------------------


def test_kml_and_file_geodatabase_import_like_any_format(store: Store, tmp_path: Path) -> None:
    """c17: KML, a .gdb folder and a zipped .gdb, detected by GDAL (no --layer needed)."""
    zipped = _zip_folder(C17 / "communities.gdb", tmp_path / "communities.gdb.zip")
    for source in (C17 / "communities.kml", C17 / "communities.gdb", zipped):
        result = import_file(store, source)
        assert result.written == {"communities": 2}, source
        _same_boxes(_communities(store), C17_BOXES)
        names = read_layer(store.engine, "communities").sort_values("code")["name"].tolist()
        assert names == ["甲社区", "乙社区"]


@pytest.mark.parametrize(
    ("driver", "name"),
    [
        ("GML", "communities.gml"),
        ("MapInfo File", "communities.tab"),
        ("FlatGeobuf", "communities.fgb"),
        ("GeoJSONSeq", "communities.geojsons"),
        ("SQLite", "communities.sqlite"),
    ],
)
def test_other_formats_gdal_reads(store: Store, tmp_path: Path, driver: str, name: str) -> None:
    frame = gpd.read_file(C17 / "src.geojson")
    path = tmp_path / name
    frame.to_file(path, driver=driver, engine="pyogrio", layer="communities")
    result = import_file(store, path)
    assert result.written == {"communities": 2}
    _same_boxes(_communities(store), C17_BOXES)


def test_a_format_by_content_not_by_suffix(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "communities.dat"
    shutil.copy(C17 / "src.geojson", path)
    assert import_file(store, path).written == {"communities": 2}


def test_multi_layer_sources_choose_a_layer_by_name(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "delivery.gpkg"
    frame = gpd.read_file(C17 / "src.geojson")
    frame.to_file(path, layer="社区边界", engine="pyogrio")
    frame.iloc[:1].to_file(path, layer="旧版", engine="pyogrio")
    with pytest.raises(InputError, match=r"no layer 'x'; the file has: 社区边界, 旧版"):
        import_file(store, path, ImportOptions(source_layer="x", layer="communities"))
    result = import_file(store, path, ImportOptions(source_layer="社区边界", layer="communities"))
    assert result.written == {"communities": 2}
    # --layer NAME, when NAME is no layer kind, chooses the source layer (its kind from --layer
    # of the mapping or the layer name is then needed: a layer named like a kind works alone)
    frame.to_file(path, layer="communities", engine="pyogrio")
    assert import_file(store, path, ImportOptions(layer="communities")).written == {
        "communities": 2
    }


def test_layers_of_no_known_kind_are_listed_not_imported(store: Store, tmp_path: Path) -> None:
    """A delivery holds more than geogrid reads (land parcels, points of interest): the
    layers named as kinds are imported, the others listed with their counts; a file with
    no such layer is refused naming its layer, not the file."""
    path = tmp_path / "street.gpkg"
    frame = gpd.read_file(C17 / "src.geojson")
    frame.to_file(path, layer="communities", engine="pyogrio")
    points = frame.assign(geometry=frame.geometry.representative_point())
    pd.concat([frame] * 3).to_file(path, layer="parcels", engine="pyogrio")
    points.to_file(path, layer="poi", engine="pyogrio")
    result = import_file(store, path)
    assert result.written == {"communities": 2}
    notes = [f.message for f in result.report.findings if f.check == "read"]
    assert notes == [
        "layer parcels of the file (6 features) is no layer kind geogrid imports by its name; "
        "not imported (to import it: --layer parcels:KIND)",
        "layer poi of the file (2 features) is no layer kind geogrid imports by its name; "
        "not imported (to import it: --layer poi:KIND)",
    ]
    only = tmp_path / "p.gpkg"
    frame.to_file(only, layer="parcels", engine="pyogrio")
    with pytest.raises(InputError, match=r"cannot tell which layer kind 'parcels' is"):
        import_file(store, only)
    frame.to_file(only, layer="land use", engine="pyogrio")
    with pytest.raises(InputError, match=r"none of the file's layers \(parcels, land use\) is"):
        import_file(store, only)
    assert import_file(store, only, ImportOptions(layer="parcels:communities")).written == {
        "communities": 2
    }


def test_layers_named_as_deliveries_name_them(store: Store, tmp_path: Path) -> None:
    """社区, buildings_2024, Road: the kind is told by the usual names, each read with a note;
    a second layer of a kind already named exactly (roads beside roads_2019) is listed."""
    path = tmp_path / "delivery.gpkg"
    frame = gpd.read_file(C17 / "src.geojson")
    frame.to_file(path, layer="社区", engine="pyogrio")
    result = import_file(store, path)
    assert result.written == {"communities": 2}
    notes = [f.message for f in result.report.findings if f.check == "read"]
    assert "layer 社区 read as communities, by its name" in notes
    two = tmp_path / "two.gpkg"
    frame.to_file(two, layer="communities", engine="pyogrio")
    frame.iloc[:1].to_file(two, layer="communities_2019", engine="pyogrio")
    result = import_file(store, two)
    assert result.written == {"communities": 2}
    assert [f.message for f in result.report.findings if f.check == "read"] == [
        "layer communities_2019 of the file (1 features) is not imported: layer communities "
        "is named as the kind (to import this one instead: --layer "
        "communities_2019:communities)"
    ]


def test_two_layers_read_as_one_kind_are_refused_naming_both(store: Store, tmp_path: Path) -> None:
    """Neither named exactly: the refusal names both layers and the kind, and what to do (it
    said "two layers of the file map to the same layer kind"). A layer of service centres
    (社区_服务中心) is not read as communities at all."""
    path = tmp_path / "delivery.gpkg"
    frame = gpd.read_file(C17 / "src.geojson")
    frame.to_file(path, layer="崂山区_社区", engine="pyogrio")
    frame.iloc[:1].to_file(path, layer="社区2019", engine="pyogrio")
    with pytest.raises(InputError) as refused:
        import_file(store, path)
    assert str(refused.value).endswith(
        "layers 崂山区_社区, 社区2019 would all be read as communities; import one of them with "
        "--layer NAME:communities (and the others by name), or rename the others"
    )
    centres = tmp_path / "centres.gpkg"
    frame.to_file(centres, layer="崂山区_社区", engine="pyogrio")
    frame.iloc[:1].to_file(centres, layer="社区_服务中心", engine="pyogrio")
    result = import_file(store, centres)
    assert result.written == {"communities": 2}


def test_cli_layer_name_of_a_multi_layer_source(tmp_path: Path) -> None:
    path = tmp_path / "delivery.gpkg"
    frame = gpd.read_file(C17 / "src.geojson")
    frame.to_file(path, layer="社区边界", engine="pyogrio")
    frame.iloc[:1].to_file(path, layer="旧版", engine="pyogrio")
    db = tmp_path / "s.sqlite"
    done = run_geogrid("import", str(path), "--layer", "社区边界:communities", db=db)
    assert done.returncode == 0, done.stderr
    assert "communities │ 2" in done.stdout


def test_a_refused_import_leaves_no_new_store_behind(tmp_path: Path) -> None:
    """Nothing half-written: the refusal of c03 creates no empty store file; a store that
    existed before stays, unchanged."""
    db = tmp_path / "new.sqlite"
    done = run_geogrid("import", str(C03), "--layer", "communities", db=db)
    assert done.returncode != 0
    assert "--source-crs EPSG:4528" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    kept = tmp_path / "kept.sqlite"
    assert run_geogrid("import", str(C17 / "src.geojson"), "--layer", "communities",
                       db=kept).returncode == 0  # fmt: skip
    size = kept.stat().st_size
    assert run_geogrid("import", str(C03), "--layer", "communities", db=kept).returncode != 0
    assert kept.exists() and kept.stat().st_size == size


# --- c09 and open rings --------------------------------------------------------------------


def test_unclosed_ring_is_closed_and_reported_with_the_feature(store: Store) -> None:
    """c09: the third community's ring does not end where it starts."""
    source = CASES / "c09-unclosed-ring-geojson" / "communities_unclosed.geojson"
    result = import_file(store, source, ImportOptions(layer="communities"))
    repairs = [(f.check, f.feature) for f in result.report.warnings]
    assert repairs == [("unclosed_ring", "370212001003")]
    stored = _communities(store)
    assert _same(stored["370212001003"], shapely.box(120.48, 36.10, 120.49, 36.11))
    [record] = [s for s in layer_sources(store.engine) if s["layer"] == "communities"]
    kept = [
        (f["check"], f["feature"]) for f in record["validation"]["findings"] if f["check"] != "read"
    ]
    assert ("unclosed_ring", "370212001003") in kept


def _ring_doc(coordinates: list[object], kind: str = "Polygon") -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "370212001009", "name": "开口"},
                "geometry": {"type": kind, "coordinates": coordinates},
            }
        ],
    }


OPEN_RINGS = {
    "hole left open": (
        [
            [[120.0, 36.0], [120.01, 36.0], [120.01, 36.01], [120.0, 36.01], [120.0, 36.0]],
            [[120.002, 36.002], [120.004, 36.002], [120.004, 36.004], [120.002, 36.004]],
        ],
        "Polygon",
        shapely.box(120.0, 36.0, 120.01, 36.01).difference(
            shapely.box(120.002, 36.002, 120.004, 36.004)
        ),
    ),
    "triangle of three points": (
        [[[120.0, 36.0], [120.01, 36.0], [120.0, 36.01]]],
        "Polygon",
        shapely.Polygon([(120.0, 36.0), (120.01, 36.0), (120.0, 36.01)]),
    ),
    "one part of a multipolygon": (
        [
            [[[120.0, 36.0], [120.01, 36.0], [120.01, 36.01], [120.0, 36.01], [120.0, 36.0]]],
            [[[120.02, 36.0], [120.03, 36.0], [120.03, 36.01], [120.02, 36.01]]],
        ],
        "MultiPolygon",
        shapely.MultiPolygon(
            [shapely.box(120.0, 36.0, 120.01, 36.01), shapely.box(120.02, 36.0, 120.03, 36.01)]
        ),
    ),
}


@pytest.mark.parametrize("shape", list(OPEN_RINGS))
def test_other_open_ring_shapes(store: Store, tmp_path: Path, shape: str) -> None:
    coordinates, kind, expected = OPEN_RINGS[shape]
    path = tmp_path / "communities.geojson"
    path.write_text(json.dumps(_ring_doc(coordinates, kind)), encoding="utf-8")
    # the hole of the first shape is a gap between communities: not this test's business
    result = import_file(store, path, ImportOptions(thresholds=Thresholds(gap_m2=1e6)))
    assert [(f.check, f.feature) for f in result.report.warnings] == [
        ("unclosed_ring", "370212001009")
    ]
    assert _same(_communities(store)["370212001009"], expected)


def test_open_ring_in_gml_too(store: Store, tmp_path: Path) -> None:
    gml = tmp_path / "communities.gml"
    gml.write_text(
        '<?xml version="1.0" encoding="utf-8"?>'
        '<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" '
        'xmlns:gml="http://www.opengis.net/gml">'
        "<gml:featureMember><ogr:communities><ogr:geometryProperty>"
        '<gml:Polygon srsName="EPSG:4326"><gml:outerBoundaryIs><gml:LinearRing>'
        "<gml:coordinates>120.0,36.0 120.01,36.0 120.01,36.01 120.0,36.01</gml:coordinates>"
        "</gml:LinearRing></gml:outerBoundaryIs></gml:Polygon></ogr:geometryProperty>"
        "<ogr:code>370212001009</ogr:code><ogr:name>开口</ogr:name>"
        "</ogr:communities></gml:featureMember></ogr:FeatureCollection>",
        encoding="utf-8",
    )
    result = import_file(store, gml, ImportOptions(layer="communities", source_crs="EPSG:4326"))
    assert result.written == {"communities": 1}
    assert _same(_communities(store)["370212001009"], shapely.box(120.0, 36.0, 120.01, 36.01))


# --- M coordinates -----------------------------------------------------------------------------


def test_m_coordinates_are_dropped_with_a_note(store: Store) -> None:
    result = import_file(
        store, REAL / "measured_communities.shp", ImportOptions(layer="communities")
    )
    notes = [f.message for f in result.report.findings if f.check == "read"]
    assert (
        "dropped the M (measure) coordinate of 1 feature(s) (the layer is 'Measured Polygon')"
        in notes
    )
    geom = _communities(store)["370212001001"]
    assert not shapely.has_m(geom) and not shapely.has_z(geom)


# --- c03 and coordinates that cannot belong to the declared CRS --------------------------------

C03 = CASES / "c03-gk-zone-prefixed-easting" / "shequ_zone40.shp"


def test_zone_prefixed_eastings_are_refused_naming_the_code_that_fits(store: Store) -> None:
    load_base(store)
    before = snapshot(store)
    with pytest.raises(CRSError) as err:
        import_file(store, C03, ImportOptions(layer="communities"))
    message = str(err.value)
    assert message.startswith(f"file {C03}: ")
    assert "\n" not in message
    assert "cannot lie in EPSG:4549" in message
    assert "zone number 40 in front" in message
    assert "--source-crs EPSG:4528" in message
    assert snapshot(store) == before


def test_zone_prefixed_eastings_import_with_the_code_that_fits(store: Store) -> None:
    result = import_file(store, C03, ImportOptions(layer="communities", source_crs="EPSG:4528"))
    assert result.source_crs == {"communities": "EPSG:4528"}
    assert any(
        "cannot lie in the file's own CRS EPSG:4549" in f.message for f in result.report.findings
    )
    bounds = read_layer(store.engine, "communities").total_bounds
    # 40541418 E (zone 40, CM 120E), 3996737 N is near 120.46 E, 36.10 N (Laoshan, Qingdao)
    assert bounds == pytest.approx([120.4603, 36.1010, 120.4804, 36.1112], abs=2e-3)


# declared .prj (no prefix), the EPSG code with the zone prefix that fits, lon/lat inside
ZONE_KINDS = [
    (4548, 4527, (117.2, 36.5)),  # CGCS2000 3-degree zone 39 (CM 117E)
    (2385, 2364, (120.3, 36.1)),  # Xian 1980 3-degree zone 40 (CM 120E)
    (21460, 21420, (117.5, 39.1)),  # Beijing 1954 6-degree zone 20 (CM 117E)
    (4509, 4498, (116.8, 40.0)),  # CGCS2000 6-degree zone 20 (CM 117E)
]


@pytest.mark.parametrize(("declared", "fits", "lonlat"), ZONE_KINDS)
def test_other_zones_and_datums(
    store: Store, tmp_path: Path, declared: int, fits: int, lonlat: tuple[float, float]
) -> None:
    lon, lat = lonlat
    box = shapely.box(lon, lat, lon + 0.01, lat + 0.01)
    frame = gpd.GeoDataFrame(
        {"code": ["370212009001"], "name": ["社区"]}, geometry=[box], crs="EPSG:4326"
    ).to_crs(f"EPSG:{fits}")
    path = tmp_path / "communities.shp"
    frame.set_crs(f"EPSG:{declared}", allow_override=True).to_file(path, engine="pyogrio")
    load_base(store)
    before = snapshot(store)
    with pytest.raises(CRSError, match=f"--source-crs EPSG:{fits}"):
        import_file(store, path)
    assert snapshot(store) == before
    import_file(store, path, ImportOptions(source_crs=f"EPSG:{fits}"))
    stored = _communities(store)["370212009001"]
    assert stored.bounds == pytest.approx(box.bounds, abs=1e-6)


def test_no_crs_with_prefixed_eastings_hints_at_the_code(tmp_path: Path) -> None:
    for ext in ("shp", "shx", "dbf"):
        shutil.copy(C03.with_suffix(f".{ext}"), tmp_path / f"c.{ext}")
    done = run_geogrid(
        "import", str(tmp_path / "c.shp"), "--layer", "communities", db=tmp_path / "s.sqlite"
    )
    assert done.returncode == 1
    [line] = messages(done)
    assert "Traceback" not in done.stderr
    assert "the file has no CRS" in line and "EPSG:4528" in line


def test_projected_coordinates_out_of_any_area_never_give_a_traceback(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"code": ["370212001001"], "name": ["社区"]},
        geometry=[shapely.box(9.9e7, 9.9e7, 9.9e7 + 100, 9.9e7 + 100)],
        crs="EPSG:4549",
    )
    path = tmp_path / "far.gpkg"
    frame.to_file(path, layer="communities", engine="pyogrio")
    done = run_geogrid("import", str(path), db=tmp_path / "s.sqlite")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "cannot lie in EPSG:4549" in done.stderr
    assert "the CRS of the file is wrong or the coordinates are damaged" in done.stderr


# the reverse: the .prj has the zone number in the easting, the coordinates do not
UNPREFIXED_KINDS = [
    (4528, "EPSG:4549", (120.3, 36.1)),  # CGCS2000 3-degree zone 40 declared
    (2364, "EPSG:2385", (120.3, 36.1)),  # Xian 1980 3-degree zone 40 declared
    (21420, None, (117.5, 39.1)),  # Beijing 1954 zone 20: 21460 and 2436 are the same maths
]


@pytest.mark.parametrize(("declared", "fits", "lonlat"), UNPREFIXED_KINDS)
def test_declared_prefix_without_it_in_the_coordinates(
    store: Store, tmp_path: Path, declared: int, fits: str | None, lonlat: tuple[float, float]
) -> None:
    lon, lat = lonlat
    box = shapely.box(lon, lat, lon + 0.01, lat + 0.01)
    unprefixed = 4549 if declared == 4528 else 2385 if declared == 2364 else 21460
    frame = gpd.GeoDataFrame(
        {"code": ["370212009001"], "name": ["社区"]}, geometry=[box], crs="EPSG:4326"
    ).to_crs(f"EPSG:{unprefixed}")
    path = tmp_path / "communities.shp"
    frame.set_crs(f"EPSG:{declared}", allow_override=True).to_file(path, engine="pyogrio")
    with pytest.raises(CRSError) as err:
        import_file(store, path)
    message = str(err.value)
    assert "writes the Gauss-Krüger zone number in front of the easting" in message
    suggested = message.rsplit("--source-crs ", 1)[-1]
    if fits is not None:
        assert suggested == fits
    assert snapshot(store)["counts"]["communities"] == 0
    import_file(store, path, ImportOptions(source_crs=suggested))
    stored = _communities(store)["370212009001"]
    assert stored.bounds == pytest.approx(box.bounds, abs=1e-6)
