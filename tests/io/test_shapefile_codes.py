"""Shapefiles whose DBF shortened codes: a text field narrower than the code cut it, a numeric
field made a number of it. Codes are read as text; a code with fewer digits than its level is
refused in one line naming the file, the column and what to do, and the store is unchanged."""

from __future__ import annotations

import struct
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from _cli import messages, run_geogrid
from _corpus import snapshot

from geogrid.errors import InputError
from geogrid.importer import ImportOptions, import_file
from geogrid.io import read_layers
from geogrid.io._codes import DbfField, dbf_fields
from geogrid.io.mapping import apply_mapping
from geogrid.schema import layer_spec
from geogrid.store import Store
from geogrid.store.layers import read_layer

BOXES = [shapely.box(120.46, 36.10, 120.47, 36.11), shapely.box(120.47, 36.10, 120.48, 36.11)]
Field = tuple[str, str, int, int]  # name, DBF type, width, decimals


def _shapefile(path: Path, fields: list[Field], rows: list[list[str]]) -> Path:
    """A polygon Shapefile whose DBF has exactly ``fields`` (as a GIS that shortened codes
    writes it): GDAL writes the geometry, the DBF is written here byte by byte."""
    gpd.GeoDataFrame({"x": range(len(rows))}, geometry=BOXES[: len(rows)], crs=4326).to_file(path)
    size = 1 + sum(width for _, _, width, _ in fields)
    out = bytearray(struct.pack("<B3BIHH20x", 3, 125, 1, 1, len(rows), 33 + 32 * len(fields), size))
    for name, kind, width, decimals in fields:
        out += struct.pack("<11sc4xBB14x", name.encode(), kind.encode(), width, decimals)
    out += b"\r"
    for row in rows:
        out += b" "
        for (_, kind, width, _), value in zip(fields, row, strict=True):
            cell = value.encode()[:width]
            out += cell.ljust(width) if kind == "C" else cell.rjust(width)
    out += b"\x1a"
    path.with_suffix(".dbf").write_bytes(bytes(out))
    path.with_suffix(".cpg").write_text("UTF-8")
    return path


def test_the_dbf_field_definitions_are_read(tmp_path: Path) -> None:
    path = _shapefile(
        tmp_path / "communities.shp",
        [("code", "C", 12, 0), ("strt_code", "N", 24, 15)],
        [["370212001001", "370212001.000000000000000"]],
    )
    assert dbf_fields(path) == {"code": DbfField("C", 12, 0), "strt_code": DbfField("N", 24, 15)}


def test_a_numeric_street_code_is_read_as_text(store: Store, tmp_path: Path) -> None:
    path = _shapefile(
        tmp_path / "communities.shp",
        [("code", "N", 18, 0), ("name", "C", 20, 0), ("strt_code", "N", 24, 15)],
        [["370212001001", "a", "370212001.000000000000000"],
         ["370212001002", "b", "370212001.000000000000000"]],
    )  # fmt: skip
    import_file(store, path)
    with store.engine.connect() as conn:
        stored = read_layer(conn, "communities")
    assert sorted(stored["code"]) == ["370212001001", "370212001002"]
    assert stored["street_code"].tolist() == ["370212001", "370212001"]


def test_field_names_cut_to_ten_characters_are_read(store: Store, tmp_path: Path) -> None:
    # GDAL and QGIS cut `street_code` to `street_cod` in a Shapefile: the file's own value is
    # read, so a street code that contradicts the community's code is refused, not replaced
    fields = [("code", "C", 12, 0), ("name", "C", 20, 0), ("street_cod", "C", 9, 0)]
    wrong = _shapefile(tmp_path / "wrong.shp", fields, [["370212001001", "a", "370212002"]])
    with pytest.raises(InputError, match="does not start with its street_code 370212002"):
        import_file(store, wrong, ImportOptions(layer="communities"))
    right = _shapefile(tmp_path / "right.shp", fields, [["370212001001", "a", "370212001"]])
    import_file(store, right, ImportOptions(layer="communities"))
    with store.engine.connect() as conn:
        stored = read_layer(conn, "communities")
    assert stored["street_code"].tolist() == ["370212001"]


def test_a_code_cut_by_a_narrow_text_field_is_refused(store: Store, tmp_path: Path) -> None:
    path = _shapefile(
        tmp_path / "communities.shp",
        [("code", "C", 10, 0), ("name", "C", 20, 0)],
        [["370212001001", "a"], ["370212001002", "b"]],  # cut to 3702120010 when written
    )
    before = snapshot(store)
    with pytest.raises(InputError) as caught:
        import_file(store, path)
    assert (caught.value.file, caught.value.field) == (str(path), "code")
    assert caught.value.message == (
        "2 code(s) have fewer than 12 digits (first 3702120010): its DBF text field is 10 "
        "characters wide, so longer codes were cut; re-export code as a text field at least 12 "
        "characters wide (or as GeoPackage/GeoJSON) and import again"
    )
    assert snapshot(store) == before


def test_a_numeric_street_code_that_lost_digits_is_refused_by_the_cli(tmp_path: Path) -> None:
    path = _shapefile(
        tmp_path / "communities.shp",
        [("code", "C", 12, 0), ("name", "C", 20, 0), ("strt_code", "N", 9, 0)],
        [["370212001001", "a", "70212001"]],  # a street code that lost its leading digit
    )
    result = run_geogrid("import", str(path), db=tmp_path / "s.sqlite")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert messages(result)[-1] == (
        f"geogrid: error: file {path}, field strt_code: 1 code(s) have fewer "
        "than 9 digits (first 70212001): it holds numbers (DBF N 9.0), which drop leading "
        "zeros and digits; re-export strt_code as a text field at least 9 characters wide (or "
        "as GeoPackage/GeoJSON) and import again"
    )


def test_numbers_as_codes_in_geojson_are_text_too(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"code": [370212001001], "name": ["a"], "street_code": [370212001]}, geometry=BOXES[:1]
    )
    path = tmp_path / "communities.geojson"
    frame.set_crs(4326).to_file(path)
    [layer] = read_layers(path)
    out, _ = apply_mapping(layer.frame, layer_spec("communities"), file=str(path))
    assert (out["code"].tolist(), out["street_code"].tolist()) == (["370212001001"], ["370212001"])
