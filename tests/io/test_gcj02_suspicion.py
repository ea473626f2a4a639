"""A district file from AMap / DataV imported without --source-crs is warned about (item 5)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geogrid.boundaries import DEFAULT_DIR, districts
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


def _suspicions(result: object) -> list[str]:
    return [f.message for f in result.report.warnings if f.check == "suspected_gcj02"]  # type: ignore[attr-defined]


def test_datav_properties_raise_a_warning(store: Store, tmp_path: Path) -> None:
    frame = _laoshan_gcj02().assign(
        adcode=370212,
        center=json.dumps([120.468, 36.107]),
        level="district",
        acroutes=json.dumps([100000, 370000, 370200]),
    )
    path = tmp_path / "districts.geojson"
    frame.to_file(path, engine="pyogrio")
    result = import_file(store, path)
    assert _suspicions(result) == [
        "the file carries AMap / DataV properties (adcode, center, acroutes, level): its "
        "coordinates are likely GCJ-02 (AMap), about 500 m off WGS 84; if so, import it "
        "again with --source-crs gcj02"
    ]
    [record] = [s for s in layer_sources(store.engine) if s["layer"] == "districts"]
    assert "suspected_gcj02" in [f["check"] for f in record["validation"]["findings"]]


def test_an_outline_that_fits_a_seed_only_as_gcj02_raises_a_warning(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "districts.geojson"
    _laoshan_gcj02().to_file(path, engine="pyogrio")
    result = import_file(store, path)
    [message] = _suspicions(result)
    assert message.startswith("read as WGS 84 the file's outline misses the seed district 370212")
    assert message.endswith("--source-crs gcj02")


@pytest.mark.parametrize("declared", [True, False])
def test_true_wgs84_or_declared_gcj02_is_not_warned(
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
