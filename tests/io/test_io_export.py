"""Honest exports: the CRS label read back with pyogrio, one layer per grid level, nothing
written under a suffix that lies, and a failed export keeps the old file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyarrow as pa
import pyogrio
import pytest
import shapely
from _cli import messages, run_geogrid
from _corpus import CORPUS, save_two_level_plan
from pyproj import CRS
from shapely.geometry import box

from geogrid.io.export_files import save_export
from geogrid.io.stream_export import ExportSource, export_format
from geogrid.ogc_crs import export_crs


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SpatiaLite file holding the corpus streets and a plan 1 of basic and micro grids."""
    db = tmp_path_factory.mktemp("export") / "g.sqlite"
    done = run_geogrid("import", str(CORPUS / "base_streets.geojson"), "-l", "streets", db=db)
    assert done.returncode == 0, done.stderr
    save_two_level_plan(db)
    return db


def test_gcj02_output_is_labelled_gcj02_not_wgs84(db: Path, tmp_path: Path) -> None:
    plain, shifted = tmp_path / "wgs84.gpkg", tmp_path / "gcj02.gpkg"
    for out, crs in ((plain, []), (shifted, ["--crs", "gcj02"])):
        done = run_geogrid("export", "--layer", "streets", *crs, "--out", str(out), db=db)
        assert done.returncode == 0, done.stderr
    assert CRS(pyogrio.read_info(plain)["crs"]).to_epsg() == 4326
    label = CRS(pyogrio.read_info(shifted)["crs"])
    assert label.to_epsg() is None
    assert label.name == "GCJ-02 (offset of WGS 84, no EPSG code)"
    # and the coordinates really are shifted: by some hundreds of metres near Qingdao
    a = shapely.get_coordinates(gpd.read_file(plain).geometry.values)
    b = shapely.get_coordinates(gpd.read_file(shifted).geometry.values)
    metres = ((b - a) * [111_000 * 0.81, 111_000]).__pow__(2).sum(axis=1) ** 0.5
    assert metres.min() > 300 and metres.max() < 700


def test_an_epsg_output_is_labelled_with_its_code(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "cgcs2000.gpkg"
    done = run_geogrid(
        "export", "--layer", "streets", "--crs", "EPSG:4490", "--out", str(out), db=db
    )
    assert done.returncode == 0, done.stderr
    assert CRS(pyogrio.read_info(out)["crs"]).to_epsg() == 4490


@pytest.mark.parametrize("name", ["s.geojson", "s.csv"])
def test_formats_that_cannot_say_gcj02_are_refused(db: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    done = run_geogrid("export", "--layer", "streets", "--crs", "gcj02", "--out", str(out), db=db)
    assert done.returncode == 1
    [line] = messages(done)
    assert "cannot record that its coordinates are GCJ-02" in line and "gpkg" in line
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--out", "x.txt"], "cannot write a file named 'x.txt'; name it with .geojson or"),
        (
            ["--format", "csv", "--out", "x.gpkg"],
            "cannot write csv named 'x.gpkg'; name it with .csv",
        ),
    ],
)
def test_a_suffix_that_lies_is_refused(
    db: Path, tmp_path: Path, args: list[str], words: str
) -> None:
    done = run_geogrid("export", "--layer", "streets", *args[:-1], str(tmp_path / args[-1]), db=db)
    assert done.returncode == 1
    [line] = messages(done)
    assert words in line
    assert list(tmp_path.iterdir()) == []


def test_a_plan_exports_one_layer_per_level(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.gpkg"
    done = run_geogrid("export", "--plan", "1", "--out", str(out), db=db)
    assert done.returncode == 0, done.stderr
    layers = {name: n for name, _, *rest in pyogrio.list_layers(out) for n in [None]}
    assert sorted(layers) == ["plan1_basic", "plan1_micro"]
    assert gpd.read_file(out, layer="plan1_basic")["households"].sum() == 400
    assert gpd.read_file(out, layer="plan1_micro")["households"].sum() == 400
    single = tmp_path / "plan.geojson"
    done = run_geogrid("export", "--plan", "1", "--out", str(single), db=db)
    assert done.returncode == 1 and not single.exists()
    assert (
        "plan 1 has basic, micro grids and geojson holds one layer; pass --level"
        in messages(done)[0]
    )


def _source(batches: Iterator[pa.RecordBatch], schema: pa.Schema) -> ExportSource:
    return ExportSource("a", schema, batches, export_crs(None), "Polygon", {"filter": ""})


def _batch(value: int, schema: pa.Schema) -> pa.RecordBatch:
    wkb = shapely.to_wkb(box(120.4, 36.1, 120.41, 36.11))
    return pa.RecordBatch.from_arrays([pa.array([value]), pa.array([wkb])], schema=schema)


@pytest.mark.parametrize("name", ["old.gpkg", "old.geojson", "old.shp", "old.zip", "old.fgb"])
def test_a_failed_export_keeps_the_old_file(tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    fmt = export_format(out)
    schema = pa.schema([pa.field("v", pa.int64()), pa.field("geometry", pa.binary())])
    assert save_export([_source(iter([_batch(1, schema)]), schema)], out, fmt) == {"a": 1}
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def failing() -> Iterator[pa.RecordBatch]:
        yield _batch(2, schema)
        raise ConnectionError("the store went away after the first batch")

    # GDAL's Arrow stream reports the failure as its own error
    with pytest.raises((ConnectionError, RuntimeError)):
        save_export([_source(failing(), schema)], out, fmt)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert gpd.read_file(out)["v"].tolist() == [1]


def test_csv_in_another_crs_is_refused(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    done = run_geogrid("export", "--layer", "streets", "--crs", "EPSG:4490", "--out", str(out), db=db)  # fmt: skip
    assert done.returncode == 1 and not out.exists()
    assert "csv cannot record that its coordinates are China Geodetic Coordinate System 2000" in messages(done)[0]  # fmt: skip
