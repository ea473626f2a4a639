"""Fixtures of the import tests."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from _corpus import LIECHTENSTEIN


@pytest.fixture(scope="session")
def li_streets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Liechtenstein's municipalities as streets, with made-up 9-digit codes in a column DM."""
    frame = gpd.read_file(LIECHTENSTEIN / "li_admin_boundaries.geojson")
    frame = frame[frame["admin_level"] == "8"].sort_values("name").reset_index(drop=True)
    frame["DM"] = [f"999001{i + 1:03d}" for i in range(len(frame))]
    path = tmp_path_factory.mktemp("li") / "municipalities.geojson"
    frame[["DM", "name", "geometry"]].to_file(path, driver="GeoJSON", engine="pyogrio")
    return path
