"""Field mapping from --map options and mapping files (no database)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geogrid.errors import InputError
from geogrid.io import apply_mapping, load_mapping_file, merge_mappings, parse_map_options
from geogrid.io.mapping import alias_columns, kind_by_name
from geogrid.schema import layer_spec


def _frame(**columns: list[object]) -> gpd.GeoDataFrame:
    n = len(next(iter(columns.values())))
    return gpd.GeoDataFrame(columns, geometry=[box(i, 0, i + 1, 1) for i in range(n)], crs=4326)


def test_map_options_plain_and_per_layer() -> None:
    mapping = parse_map_options(["name=MC", "communities.code=DM"])
    assert mapping == {"*": {"name": "MC"}, "communities": {"code": "DM"}}


@pytest.mark.parametrize("option", ["name", "=MC", "name="])
def test_malformed_map_option(option: str) -> None:
    with pytest.raises(InputError, match="field=COLUMN"):
        parse_map_options([option])


def test_unknown_field_or_layer() -> None:
    with pytest.raises(InputError, match="unknown schema field 'nmae'") as err:
        parse_map_options(["nmae=MC"])
    assert err.value.field == "nmae"
    with pytest.raises(InputError, match="unknown layer kind 'shops'"):
        parse_map_options(["shops.name=MC"])


def test_mapping_files_json_and_toml(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text(
        '{"name": "MC", "buildings": {"levels": "CS"}}', encoding="utf-8"
    )
    (tmp_path / "m.toml").write_text(
        'code = "DM"\n[buildings]\nhouseholds = "HU"\n', encoding="utf-8"
    )
    merged = merge_mappings(
        load_mapping_file(tmp_path / "m.json"), load_mapping_file(tmp_path / "m.toml")
    )
    assert merged == {
        "*": {"name": "MC", "code": "DM"},
        "buildings": {"levels": "CS", "households": "HU"},
    }
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read the mapping") as err:
        load_mapping_file(tmp_path / "bad.json")
    assert err.value.file == str(tmp_path / "bad.json")


def test_apply_mapping_renames_and_keeps_codes_as_text() -> None:
    frame = _frame(MC=["甲社区", "乙村"], DM=[370212001001.0, 370212001002.0], other=[1, 2])
    out, notes = apply_mapping(
        frame, layer_spec("communities"), parse_map_options(["name=MC", "code=DM"]), file="f"
    )
    assert list(out.columns) == ["code", "name", "geometry"]
    assert out["code"].tolist() == ["370212001001", "370212001002"]
    assert notes == ["columns not read: other (--map field=COLUMN reads one as a field)"]


def test_missing_required_fields_name_the_fields_and_the_columns() -> None:
    frame = _frame(MC=["a"], HU=[3])
    with pytest.raises(InputError) as err:
        apply_mapping(frame, layer_spec("streets"), None, file="streets.shp")
    message = str(err.value)
    assert "code, name" in message and "--map code=COLUMN" in message
    assert "the file has: MC, HU" in message
    assert err.value.file == "streets.shp" and err.value.field == "code"


def test_mapped_column_that_is_not_there() -> None:
    # mapped for every kind: the layer of a file of several kinds may lack it (communities'
    # households when the count is the buildings'); the message says how to map one kind
    with pytest.raises(InputError) as err:
        apply_mapping(
            _frame(MC=["a"]), layer_spec("streets"), parse_map_options(["name=XM"]), file="f"
        )
    assert err.value.message == (
        "the mapping names column 'XM' for field 'name', but the streets layer has: MC "
        "(a mapping for one layer kind only: --map KIND.name=XM)"
    )
    with pytest.raises(InputError) as err:
        mapping = parse_map_options(["streets.name=XM"])
        apply_mapping(_frame(MC=["a"]), layer_spec("streets"), mapping, file="f")
    assert err.value.message.endswith("but the streets layer has: MC")


def test_ids_from_an_id_column_or_numbered() -> None:
    out, notes = apply_mapping(_frame(id=[7, 9]), layer_spec("buildings"), None, file="f")
    assert out["building_id"].tolist() == ["7", "9"]
    assert "building_id taken from column 'id'" in notes
    out, notes = apply_mapping(_frame(x=[7, 9]), layer_spec("roads"), None, file="f")
    assert out["road_id"].tolist() == ["1", "2"]
    assert any("numbered" in note for note in notes)


def test_shapefile_short_names_are_read_back() -> None:
    frame = _frame(bldg_id=["a"], hh_source=["given"], households=[3])
    out, _ = apply_mapping(frame, layer_spec("buildings"), None, file="f.shp")
    assert out["households_source"].tolist() == ["given"]
    assert out["building_id"].tolist() == ["a"]


def test_alias_columns_reads_shapefile_short_names_as_apply_mapping_does() -> None:
    """GDAL and QGIS cut building_id to building_i: partition FILE named buildings by row."""
    frame = _frame(building_i=["OC1"], hh_source=["given"], HOUSEHOLDS=[3], other=[1])
    out, notes = alias_columns(frame, layer_spec("buildings"), None, file="f.shp")
    assert out["building_id"].tolist() == ["OC1"]
    assert out["households_source"].tolist() == ["given"]
    assert out["households"].tolist() == [3]
    assert out["other"].tolist() == [1]
    assert notes == []


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Roads", "roads"),
        ("buildings_2024", "buildings"),
        ("社区2023", "communities"),
        ("房屋", "buildings"),
        ("道路中心线", "roads"),
        ("natural_village", "natural_villages"),
        ("parcels", None),
        ("roadside", None),  # a kind's name must end or go on after a separator or a digit
        ("", None),
        # after a place (a new user's delivery: only the roads were imported)
        ("崂山区_社区", "communities"),
        ("LS_buildings", "buildings"),
        ("崂山区街道", "streets"),
        ("山东省青岛市崂山区铁路", "railways"),
        ("clip_roads_2024", "roads"),
        ("社区服务中心", None),  # a POI layer: 社区 is not a place
        ("社区_服务中心", None),  # nor a Chinese word after a separator a version
        ("roads_v2", "roads"),
        ("学区边界", None),
        # the usual surveying names (水系线 was "not read" and the river no barrier)
        ("水系线", "waterways"),
        ("河流线", "waterways"),
        ("河道", "waterways"),
        ("水系面", "waterways"),
        ("河流面", "waterways"),
        ("水域", "waterways"),
        ("水面", "waterways"),
        ("道路面", "roads"),
        ("道路面层", "roads"),
        ("村", "communities"),
        ("社区界线", "communities"),
        ("自然村", "natural_villages"),
        # pinyin (a delivery's shequ_zone40.shp needed --layer communities)
        ("shequ_zone40", "communities"),
        ("Jiedao", "streets"),
        ("fangwu_2023", "buildings"),
        ("DLZXX", "roads"),
        ("heliu", "waterways"),
        ("shequfuwu", None),  # 社区服务: a word of its own, no separator
        ("房屋面", "buildings"),
        ("居民地", "buildings"),
        ("行政村", "communities"),
        ("村界", "communities"),
        ("道路线", "roads"),
        ("铁路线", "railways"),
    ],
)
def test_a_layer_name_tells_its_kind(name: str, kind: str | None) -> None:
    assert kind_by_name(name) == kind
