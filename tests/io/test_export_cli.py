"""`geogrid export` run as a process in every format, on the HTTP export's code path: road
field names, GCJ-02 / BD-09 and any EPSG code, a plan's levels in one GeoPackage, and the
provenance (plan version, filter) inside the files, read back with GDAL (pyogrio) and pyarrow."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
import shapely
from _cli import messages, run_geogrid
from _corpus import CORPUS, save_two_level_plan
from pyproj import CRS, Transformer

# Three roads near Tiananmen; r1 and r2 start at the point of the published GCJ-02 test vector
# (wandergis/coordtransform README: wgs84togcj02(116.404, 39.915)).
ROADS = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"road_id": "r1", "road_class": "primary", "name": "长安街"}, "geometry": {"type": "LineString", "coordinates": [[116.404, 39.915], [116.406, 39.915]]}},
        {"type": "Feature", "properties": {"road_id": "r2", "road_class": "residential", "name": "南池子大街"}, "geometry": {"type": "LineString", "coordinates": [[116.404, 39.915], [116.404, 39.918]]}},
        {"type": "Feature", "properties": {"road_id": "r3", "road_class": "footway", "name": None}, "geometry": {"type": "LineString", "coordinates": [[116.405, 39.916], [116.406, 39.917]]}},
    ],
}  # fmt: skip
GCJ02 = (116.41024449916938, 39.91640428150164)
BD09 = (116.41662724378733, 39.922699552216216)
NOT_PATHS = "road_class <> 'path'"
FIELDS = ["road_id", "road_class", "name", "synthetic"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SpatiaLite file with the corpus streets, the three roads and a plan 1 of basic and
    micro grids."""
    folder = tmp_path_factory.mktemp("export-cli")
    db = folder / "g.sqlite"
    roads = folder / "roads.geojson"
    roads.write_text(json.dumps(ROADS, ensure_ascii=False), encoding="utf-8")
    for path, kind in ((CORPUS / "base_streets.geojson", "streets"), (roads, "roads")):
        done = run_geogrid("import", str(path), "--layer", kind, db=db)
        assert done.returncode == 0, done.stderr
    save_two_level_plan(db)
    return db


def _export(db: Path, out: Path, *args: str) -> None:
    done = run_geogrid("export", *args, "--out", str(out), db=db)
    assert done.returncode == 0, done.stderr
    assert messages(done) == []


def _origin(out: Path, fmt: str) -> dict[str, Any] | None:
    """The provenance the file carries (None: the format has no place for it)."""
    if fmt == "geojson":
        return json.loads(out.read_text(encoding="utf-8"))["geogrid:export"]  # type: ignore[no-any-return]
    if fmt == "gpkg":
        return json.loads(pyogrio.read_info(out)["layer_metadata"]["geogrid_export"])  # type: ignore[no-any-return]
    if fmt == "fgb":
        return json.loads(pyogrio.read_info(out)["layer_metadata"]["DESCRIPTION"])  # type: ignore[no-any-return]
    if fmt == "parquet":
        return json.loads(pq.read_schema(out).metadata[b"geogrid_export"])  # type: ignore[no-any-return]
    if out.name.endswith(".zip"):
        return json.loads(zipfile.ZipFile(out).read("roads.json"))  # type: ignore[no-any-return]
    if out.suffix == ".shp":
        return json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    return None


def _read(out: Path) -> pd.DataFrame:
    if out.suffix == ".csv":
        return pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    if out.suffix == ".parquet":  # GDAL here has no Parquet driver: read it as GeoParquet
        return gpd.read_parquet(out)
    return pyogrio.read_dataframe(f"/vsizip/{out}" if out.suffix == ".zip" else out)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("r.geojson", "geojson"), ("r.geojsons", "geojsonseq"), ("r.csv", "csv"),
        ("r.gpkg", "gpkg"), ("r.shp.zip", "shp"), ("r.shp", "shp"), ("r.parquet", "parquet"),
        ("r.fgb", "fgb"),
    ],
)  # fmt: skip
def test_every_format_keeps_road_field_names_and_names_its_origin(
    db: Path, tmp_path: Path, name: str, fmt: str
) -> None:
    out = tmp_path / name
    _export(db, out, "--layer", "roads", "--filter", NOT_PATHS)
    frame = _read(out).sort_values("road_id")  # FlatGeobuf stores features in index order
    assert [c for c in frame.columns if c not in ("geometry", "wkt")] == FIELDS
    assert frame["road_id"].tolist() == ["r1", "r2"]
    assert frame["road_class"].tolist() == ["arterial", "local"]
    assert frame["name"].tolist() == ["长安街", "南池子大街"]
    origin = _origin(out, fmt)
    if fmt in ("geojsonseq", "csv"):
        assert origin is None  # no header to hold it: the command's line names it
        return
    assert origin is not None
    assert origin["collection"] == "roads" and origin["plan_id"] is None
    assert origin["filter"] == f"filter={NOT_PATHS}" and origin["crs"] == "EPSG:4326"


def _first_point(out: Path) -> tuple[float, float]:
    first = _read(out).set_index("road_id").geometry["r1"]
    x, y = shapely.get_coordinates(first)[0]
    return float(x), float(y)


def test_gcj02_and_bd09_match_the_published_formula_and_say_so(db: Path, tmp_path: Path) -> None:
    gcj, bd, parquet = tmp_path / "gcj.gpkg", tmp_path / "bd.zip", tmp_path / "gcj.parquet"
    _export(db, gcj, "--layer", "roads", "--crs", "gcj02")
    _export(db, bd, "--layer", "roads", "--crs", "bd09")
    _export(db, parquet, "--layer", "roads", "--crs", "GCJ-02")
    assert _first_point(gcj) == pytest.approx(GCJ02, abs=1e-9)
    assert _first_point(bd) == pytest.approx(BD09, abs=1e-9)
    assert _first_point(parquet) == pytest.approx(GCJ02, abs=1e-9)
    assert CRS(pyogrio.read_info(gcj)["crs"]).name == "GCJ-02 (offset of WGS 84, no EPSG code)"
    prj = CRS(pyogrio.read_info(f"/vsizip/{bd}")["crs"])  # ESRI's .prj spells names its way
    assert prj.name == "GCS_BD-09_offset_of_WGS_84_no_EPSG_code" and prj.to_epsg() is None
    geo = json.loads(pq.read_schema(parquet).metadata[b"geo"])
    assert geo["columns"]["geometry"]["crs"]["name"].startswith("GCJ-02")
    assert _origin(gcj, "gpkg")["crs"] == "gcj02"  # type: ignore[index]
    seq = tmp_path / "gcj.geojsons"
    done = run_geogrid("export", "--layer", "roads", "--crs", "gcj02", "--out", str(seq), db=db)
    assert done.returncode == 1 and not seq.exists()
    assert "geojsonseq cannot record that its coordinates are GCJ-02" in messages(done)[0]


def test_any_epsg_code(db: Path, tmp_path: Path) -> None:
    # CGCS2000 / 3-degree Gauss-Kruger CM 117E: Beijing's zone, metres, not one of the OGC four
    fgb, geojson = tmp_path / "gk.fgb", tmp_path / "gk.geojson"
    _export(db, fgb, "--layer", "roads", "--crs", "EPSG:4548")
    _export(db, geojson, "--layer", "roads", "--crs", "http://www.opengis.net/def/crs/EPSG/0/4548")
    expected = Transformer.from_crs(4326, 4548, always_xy=True).transform(116.404, 39.915)
    assert 440_000 < expected[0] < 460_000  # easting: about 51 km west of 117E
    for out in (fgb, geojson):
        assert CRS(pyogrio.read_info(out)["crs"]).to_epsg() == 4548
        assert _first_point(out) == pytest.approx(expected, abs=1e-3)
    bad = run_geogrid("export", "--layer", "roads", "--crs", "EPSG:99999", "--out", str(tmp_path / "x.gpkg"), db=db)  # fmt: skip
    assert bad.returncode == 1 and messages(bad) == [
        "geogrid: error: field crs: unknown CRS EPSG:99999"
    ]


def test_a_plan_filtered_into_one_geopackage_layer_per_level(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.gpkg"
    _export(db, out, "--plan", "1", "--filter", "households >= 250")
    assert [name for name, _ in pyogrio.list_layers(out)] == ["plan1_basic", "plan1_micro"]
    basic = pyogrio.read_dataframe(out, layer="plan1_basic")
    micro = pyogrio.read_dataframe(out, layer="plan1_micro")
    assert basic["code"].tolist() == ["37021200100101"] and basic["households"].tolist() == [400]
    assert micro["code"].tolist() == ["3702120010010102"] and micro["households"].tolist() == [250]
    for layer in ("plan1_basic", "plan1_micro"):
        meta = json.loads(pyogrio.read_info(out, layer=layer)["layer_metadata"]["geogrid_export"])
        assert meta["plan_id"] == 1 and meta["plan_status"] == "draft"
        assert meta["filter"] == "filter=households >= 250"
        assert meta["collection"] == f"plan-1-{layer.split('_')[1]}_grids"
    dataset = json.loads(pyogrio.read_info(out, layer=0)["dataset_metadata"]["geogrid_export"])
    assert sorted(dataset["layers"]) == ["plan1_basic", "plan1_micro"]


def test_every_stored_layer_in_one_geopackage(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.gpkg"
    done = run_geogrid("export", "--out", str(out), db=db)
    assert done.returncode == 0, done.stderr
    assert "streets 2, roads 3" in done.stdout
    assert [name for name, _ in pyogrio.list_layers(out)] == ["streets", "roads"]
    assert list(pyogrio.read_info(out, layer="roads")["fields"]) == FIELDS
    cut = run_geogrid("export", "--layer", "roads", "--jurisdiction", "370212", "--out", str(tmp_path / "r.gpkg"), db=db)  # fmt: skip
    assert cut.returncode == 1
    assert "roads has no codes to cut by --jurisdiction" in messages(cut)[0]


def test_missing_folders_are_created_and_said(db: Path, tmp_path: Path) -> None:
    """A mistyped folder used to be created silently: the file landed where nobody looked."""
    out = tmp_path / "exprots" / "2025" / "roads.geojson"
    done = run_geogrid("export", "--layer", "roads", "--out", str(out), db=db)
    assert done.returncode == 0, done.stderr
    assert out.exists()
    assert " ".join(done.stdout.split()) == (
        f"wrote {out} (geojson, EPSG:4326): roads 3; created the folder "
        f"{(tmp_path / 'exprots').resolve()} and the folders under it"
    )
    again = run_geogrid("export", "--layer", "roads", "--out", str(out), db=db)
    assert "created" not in again.stdout  # the folder is there now: nothing to say
    one = tmp_path / "new" / "roads.geojson"
    done = run_geogrid("export", "--layer", "roads", "--out", str(one), db=db)
    assert done.stdout.rstrip().endswith(f"created the folder {(tmp_path / 'new').resolve()}")
