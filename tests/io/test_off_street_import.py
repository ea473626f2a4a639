"""Bridges, viaducts and tunnels are not imported as barrier lines (issue 12), on both stores:
they divide no block, and the stored roads are what the partition cuts along."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from geogrid.importer import import_file
from geogrid.store import Store
from geogrid.store.layers import read_layer


def _roads(path: Path) -> Path:
    lines = [
        shapely.LineString([(120.46 + i * 0.001, 36.10), (120.46 + i * 0.001, 36.11)])
        for i in range(5)
    ]
    frame = gpd.GeoDataFrame(
        {
            "道路编号": ["R1", "R2", "R3", "R4", "R5"],
            "道路等级": ["主干路", "高架路", "次干路", "支路", "快速路"],
            "是否高架": ["否", None, "否", "否", "是"],
            "隧道": ["否", "否", "是", "否", "否"],
        },
        geometry=lines,
        crs="EPSG:4326",
    )
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def test_viaducts_and_tunnels_are_not_imported_as_barriers(store: Store, tmp_path: Path) -> None:
    result = import_file(store, _roads(tmp_path / "roads.geojson"))
    # R2 is a 高架路, R3 in a tunnel, R5 on a viaduct (是否高架 是): R1 and R4 are barriers
    assert result.written == {"roads": 2}
    stored = read_layer(store.engine, "roads").sort_values("road_id")
    assert stored["road_id"].tolist() == ["R1", "R4"]
    assert stored["road_class"].tolist() == ["arterial", "local"]
    notes = [f.message for f in result.report.findings if f.check == "read"]
    assert (
        "3 line(s) on a bridge or viaduct or in a tunnel (bridge, tunnel, layer, 高架, 隧道) "
        "not imported: they are not barriers at street level"
    ) in notes
