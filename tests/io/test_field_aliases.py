"""Columns named the usual Chinese / English / OSM way (户数, 层数, 社区代码, building:levels)
are taken for their schema field without --map, noted; the schema's own name and --map win, and
two columns that both look like one field are neither taken. A GBK Shapefile of buildings whose
户数 was once dropped for estimates imports with its counts."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from _cli import run_geogrid

from geogrid.errors import InputError
from geogrid.importer import ImportOptions, import_file
from geogrid.io import alias_columns, apply_mapping, parse_map_options
from geogrid.io.field_names import ANY_KIND, FIELD_ALIASES, field_aliases, normal_name
from geogrid.schema import LAYERS, layer_spec
from geogrid.store import Store
from geogrid.store.layers import read_layer
from geogrid.validation import ValidationReport

COMMUNITY = shapely.box(120.46, 36.10, 120.47, 36.11)


def _frame(**columns: list[object]) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    return gpd.GeoDataFrame(
        columns,
        geometry=[
            shapely.box(120.461 + i * 0.001, 36.101, 120.4615 + i * 0.001, 36.1015)
            for i in range(n)
        ],
        crs=4326,
    )


def _gbk_shapefile(path: Path, frame: gpd.GeoDataFrame) -> Path:
    """``frame`` as a Shapefile with GBK attributes and no .cpg, as Chinese GIS desks send them
    (the reader has to find the encoding itself)."""
    frame.to_file(path, engine="pyogrio", encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert str(frame.columns[0]).encode("gbk") in path.with_suffix(".dbf").read_bytes()
    return path


def _buildings_shapefile(tmp_path: Path) -> Path:
    frame = _frame(楼栋编号=["A1", "A2", "A3"], 层数=[2, 6, 1], 户数=[12, 30, 7])
    return _gbk_shapefile(tmp_path / "建筑.shp", frame)


def _read_notes(report: ValidationReport) -> list[str]:
    return [f.message for f in report.findings if f.check == "read"]


# --- the table ----------------------------------------------------------------------------------


def test_the_table_names_only_fields_of_the_schema_and_no_name_twice_in_a_kind() -> None:
    for kind, fields in FIELD_ALIASES.items():
        known = {f for s in LAYERS.values() for f in s.fields} if kind == ANY_KIND else None
        for name in fields:
            assert name in (known or LAYERS[kind].fields), (kind, name)
    for spec in LAYERS.values():
        seen: dict[str, str] = {}
        for name, aliases in field_aliases(spec).items():
            for alias in aliases:
                assert alias not in seen, f"{spec.name}: {alias} is {seen.get(alias)} and {name}"
                seen[alias] = name
                # an alias is never a schema name: that column is taken as it is
                assert alias not in spec.fields


def test_names_are_compared_without_case_and_spaces() -> None:
    assert normal_name(" Building:Levels ") == "building:levels"
    assert normal_name("户\u3000数") == "户数"  # a full-width space
    assert normal_name("ＦＬＯＯＲＳ") == "floors"  # full-width letters


# --- the GBK shapefile of the fault ---------------------------------------------------------------


def test_gbk_buildings_keep_their_counts(spatialite_store: Store, tmp_path: Path) -> None:
    result = import_file(
        spatialite_store, _buildings_shapefile(tmp_path), ImportOptions(layer="buildings")
    )
    assert result.written == {"buildings": 3}
    notes = _read_notes(result.report)
    assert "households taken from column '户数'" in notes
    assert "levels taken from column '层数'" in notes
    assert "building_id taken from column '楼栋编号'" in notes
    assert not any(n.startswith("columns not read") for n in notes)
    with spatialite_store.transaction() as conn:
        stored = read_layer(conn, "buildings").sort_values("building_id")
    assert stored["building_id"].tolist() == ["A1", "A2", "A3"]
    assert stored["households"].tolist() == [12, 30, 7]
    assert stored["households_source"].tolist() == ["given", "given", "given"]
    assert stored["levels"].tolist() == [2, 6, 1]


def test_the_import_command_reads_chinese_columns(tmp_path: Path) -> None:
    db = tmp_path / "g.sqlite"
    url = ("--database-url", f"sqlite:///{db}")
    communities = gpd.GeoDataFrame(
        {"社区代码": ["370212001001"], "社区名称": ["东关社区"], "街道代码": ["370212001"]},
        geometry=[COMMUNITY],
        crs=4326,
    )
    report = tmp_path / "communities.json"
    done = run_geogrid(
        "import",
        str(_gbk_shapefile(tmp_path / "社区.shp", communities)),
        "--layer",
        "communities",
        "--report",
        str(report),
        *url,
    )
    assert done.returncode == 0, done.stderr
    notes = [f["message"] for f in json.loads(report.read_text(encoding="utf-8"))["findings"]]
    assert "code taken from column '社区代码'" in notes
    assert "name taken from column '社区名称'" in notes
    assert "street_code taken from column '街道代码'" in notes
    done = run_geogrid("import", str(_buildings_shapefile(tmp_path)), "-l", "buildings", *url)
    assert done.returncode == 0, done.stderr
    assert "households: given for 3 buildings, estimated for 0" in done.stdout
    assert "households taken from column '户数'" in done.stdout
    from geogrid.settings import StoreSettings
    from geogrid.store import open_store

    store = open_store(StoreSettings(database_url=f"sqlite:///{db}"))
    with store.transaction() as conn:
        stored = read_layer(conn, "communities")
        households = read_layer(conn, "buildings")["households"].sum()
    store.dispose()
    assert stored[["code", "name", "street_code"]].values.tolist() == [
        ["370212001001", "东关社区", "370212001"]
    ]
    assert households == 49


# --- what wins ----------------------------------------------------------------------------------


def test_a_column_of_the_schema_name_wins_over_an_alias() -> None:
    frame = _frame(households=[1, 2], 户数=[5, 6])
    out, notes = apply_mapping(frame, layer_spec("buildings"), None, file="f")
    assert out["households"].tolist() == [1, 2]
    assert not any("taken from column '户数'" in n for n in notes)
    assert "columns not read: 户数 (--map field=COLUMN reads one as a field)" in notes


def test_map_wins_over_an_alias_and_its_column_is_not_taken_again() -> None:
    frame = _frame(户数=[5, 6], 常住=[8, 9], 层数=[3, 4])
    mapping = parse_map_options(["households=常住", "compound_id=层数"])
    out, notes = apply_mapping(frame, layer_spec("buildings"), mapping, file="f")
    assert out["households"].tolist() == [8, 9]
    # 层数 went to compound_id by --map: levels does not take it as well
    assert "levels" not in out.columns and out["compound_id"].tolist() == ["3", "4"]
    assert "columns not read: 户数 (--map field=COLUMN reads one as a field)" in notes
    assert not any("taken from column" in n for n in notes)


def test_two_columns_like_one_field_are_neither_taken() -> None:
    frame = _frame(户数=[5, 6], 住户数=[7, 8])
    out, notes = apply_mapping(frame, layer_spec("buildings"), None, file="f")
    assert "households" not in out.columns
    assert (
        "households: columns '户数' and '住户数' both look like it, so neither was taken; "
        "say which with --map households=COLUMN"
    ) in notes
    assert "columns not read: 户数, 住户数 (--map field=COLUMN reads one as a field)" in notes


def test_a_required_field_two_columns_look_like_is_refused_naming_both() -> None:
    frame = _frame(社区代码=["370212001001"], 代码=["370212001002"], 社区名称=["东关社区"])
    with pytest.raises(InputError) as err:
        apply_mapping(frame, layer_spec("communities"), None, file="c.shp")
    assert "required field(s) code of communities have no column" in str(err.value)
    assert "columns '社区代码' and '代码' both look like it" in str(err.value)
    assert err.value.field == "code"


def test_aliases_are_per_layer_kind() -> None:
    # 街道代码 is a street's own code in streets, its parent's in communities
    streets = _frame(街道代码=["370212001"], 街道名称=["中山路街道"])
    out, _ = apply_mapping(streets, layer_spec("streets"), None, file="f")
    assert out[["code", "name"]].values.tolist() == [["370212001", "中山路街道"]]
    roads = _frame(道路编号=["R1"], fclass=["primary"], NAME=["香港路"])
    out, notes = apply_mapping(roads, layer_spec("roads"), None, file="f")
    assert out[["road_id", "road_class", "name"]].values.tolist() == [["R1", "primary", "香港路"]]
    assert notes == [
        "road_id taken from column '道路编号'",
        "road_class taken from column 'fclass'",
    ]


def test_unread_columns_are_listed_in_one_note() -> None:
    frame = _frame(**{"building:levels": [3], "人口": [40], "备注": ["x"]})
    out, notes = apply_mapping(frame, layer_spec("buildings"), None, file="f")
    assert out["levels"].tolist() == [3]
    assert [n for n in notes if n.startswith("columns not read")] == [
        "columns not read: 人口, 备注 (--map field=COLUMN reads one as a field)"
    ]
    many = _frame(**{f"tag{i}": [i] for i in range(15)})
    _, notes = apply_mapping(many, layer_spec("roads"), None, file="f")
    assert notes[0].startswith("columns not read: tag0, tag1,") and " and 3 more " in notes[0]


# --- the same choice for other readers -----------------------------------------------------------


def test_alias_columns_renames_as_apply_mapping_chooses() -> None:
    frame = _frame(**{" FLOORS ": [3], "户数": [12], "households_source": ["given"], "x": [1]})
    out, notes = alias_columns(frame, layer_spec("buildings"))
    assert isinstance(out, gpd.GeoDataFrame) and out.crs == frame.crs
    assert list(out.columns) == ["levels", "households", "households_source", "x", "geometry"]
    assert notes == ["levels taken from column ' FLOORS '", "households taken from column '户数'"]
    kept, notes = alias_columns(_frame(levels=[2], 层数=[5]), layer_spec("buildings"))
    assert list(kept.columns) == ["levels", "层数", "geometry"] and notes == []
    both, notes = alias_columns(_frame(户籍户数=[1], 常住户数=[2]), layer_spec("buildings"))
    assert list(both.columns) == ["户籍户数", "常住户数", "geometry"]
    assert notes == [
        "households: columns '户籍户数' and '常住户数' both look like it, so neither was taken; "
        "say which with --map households=COLUMN"
    ]
