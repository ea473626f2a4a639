"""One table of road classes for the import and the engine (issue 12, item 4)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geogrid.io._values import check_values
from geogrid.partition.barriers import CLASSES, line_classes, unknown_values
from geogrid.road_classes import canonical_road_class
from geogrid.validation import LayerFindings, ValidationReport

SPELLED = {
    "快速路": "motorway", "Motorway_Link": "motorway", "主干路": "arterial", "国道": "arterial",
    " primary ": "arterial", "次干路": "secondary", "tertiary": "secondary", "县道": "secondary",
    "支路": "local", "胡同": "local", "小区路": "local", "村道": "local", "residential": "local",
    "步行街": "path", "footway": "path", "机耕路": "path", "景观路": None, "": None, None: None,
}  # fmt: skip


@pytest.mark.parametrize(("value", "road_class"), SPELLED.items())
def test_spellings_give_the_schema_class(value: str | None, road_class: str | None) -> None:
    assert canonical_road_class(value) == road_class


def test_the_engine_and_the_import_read_a_value_alike() -> None:
    """A raw file given to ``geogrid partition`` and the same file imported weigh each road
    the same: the engine's class of the import's stored value is the engine's class of the
    raw value (tertiary was local to the engine and secondary to the import before)."""
    values = [v for v in SPELLED if v is not None]
    line = shapely.LineString([(0, 0), (1, 1)])
    raw = gpd.GeoDataFrame({"road_class": values}, geometry=[line] * len(values), crs=32650)
    engine = [CLASSES[c] for c in line_classes(raw, 0)]
    assert engine == [
        "major", "major", "major", "major", "major", "secondary", "secondary", "secondary",
        "local", "local", "local", "local", "local", "local", "local", "local",
        "secondary", "secondary",
    ]  # fmt: skip
    assert unknown_values(raw, 0) == {"景观路": 1}
    findings = LayerFindings(ValidationReport(), "roads", "roads.geojson")
    stored = check_values(raw.assign(road_id=range(len(values))), findings)
    assert stored["road_class"].tolist()[:4] == ["motorway", "motorway", "arterial", "arterial"]
    assert [CLASSES[c] for c in line_classes(stored, 0)] == engine
    assert unknown_values(stored, 0) == {}


def test_waterway_values_unknown_are_listed_and_taken_as_rivers() -> None:
    line = shapely.LineString([(0, 0), (1, 1)])
    water = gpd.GeoDataFrame(
        {"waterway": ["canal", "stream", None, "dam", "水渠"]}, geometry=[line] * 5, crs=32650
    )
    assert [CLASSES[c] for c in line_classes(water, 1)] == [
        "major", "local", "major", "major", "local",
    ]  # fmt: skip
    assert unknown_values(water, 1) == {"dam": 1}
