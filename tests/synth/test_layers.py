"""Layer names, schema fields, real NBS names and codes, the synthetic label."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geogrid import boundaries
from geogrid.errors import InputError, NotFound
from geogrid.schema import AREA_TYPES, LAYERS, ROAD_CLASSES
from geogrid.synth import SYNTH_LAYERS, synth_city


def test_layers_have_exactly_the_schema_fields(xigang: dict[str, gpd.GeoDataFrame]) -> None:
    assert tuple(xigang) == SYNTH_LAYERS
    for name, frame in xigang.items():
        assert list(frame.columns) == [*LAYERS[name].stored_fields, "geometry"], name
        assert frame.crs == "EPSG:4326"
        assert len(frame) > 0, name
        assert frame[LAYERS[name].id_field].is_unique, name


def test_every_feature_is_synthetic(xigang: dict[str, gpd.GeoDataFrame]) -> None:
    for name, frame in xigang.items():
        assert frame["synthetic"].map(lambda v: v is True or v == 1).all(), name


def test_real_nbs_names_and_codes(xigang: dict[str, gpd.GeoDataFrame]) -> None:
    streets = boundaries.streets_of("210203")
    comms = boundaries.communities_of("210203")
    got_streets = xigang["streets"].sort_values("code")
    got_comms = xigang["communities"].sort_values("code")
    assert got_streets["code"].tolist() == streets["code"].tolist()
    assert got_streets["name"].tolist() == streets["name"].tolist()
    assert got_comms["code"].tolist() == comms["code"].tolist()
    assert got_comms["name"].tolist() == comms["name"].tolist()
    assert got_comms["street_code"].tolist() == comms["street_code"].tolist()
    assert len(got_comms) == 49
    assert xigang["districts"]["code"].tolist() == ["210203"]


def test_area_types_and_road_classes(xigang: dict[str, gpd.GeoDataFrame]) -> None:
    # Xigang has only urban communities in the NBS list
    assert set(xigang["communities"]["area_type"]) == {"urban_community"}
    assert set(xigang["communities"]["area_type"]) <= set(AREA_TYPES)
    classes = set(xigang["roads"]["road_class"])
    assert classes <= set(ROAD_CLASSES)
    assert {"arterial", "secondary", "local"} <= classes
    assert len(xigang["waterways"]) >= 1


def test_unknown_district_and_bad_scale_are_refused() -> None:
    with pytest.raises(NotFound, match="999999"):
        synth_city("999999")
    with pytest.raises(InputError, match="scale"):
        synth_city("210203", scale=0)
    with pytest.raises(InputError, match="households"):
        synth_city("210203", households=-5)


def test_geometries_are_valid_as_stored(xigang: dict[str, gpd.GeoDataFrame]) -> None:
    # validity in EPSG:4326 itself: a coverage valid only in metres would break on import
    for name, frame in xigang.items():
        assert frame.geometry.is_valid.all(), name
        assert not frame.geometry.is_empty.any(), name
