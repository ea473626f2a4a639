"""Write a synthetic city to a GeoPackage, byte for byte the same for the same city."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import pyogrio

from geogrid.synth.frames import SYNTH_LAYERS

# GeoPackage records when each layer changed; a fixed date keeps repeated runs identical
FIXED_DATE = "2020-11-01T00:00:00.000Z"


def write_city(layers: dict[str, gpd.GeoDataFrame], path: Path | str) -> Path:
    """Write the layers to ``path`` (replaced if it exists), one GeoPackage layer per name."""
    path = Path(path)
    if path.exists():
        path.unlink()
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})
    try:
        names = [n for n in SYNTH_LAYERS if n in layers] + sorted(set(layers) - set(SYNTH_LAYERS))
        for name in names:
            pyogrio.write_dataframe(
                layers[name],
                path,
                layer=name,
                driver="GPKG",
                append=path.exists(),
                promote_to_multi=False,
            )
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})
    _fix_dates(path)
    return path


def _fix_dates(path: Path) -> None:
    """Pin any timestamp GDAL wrote anyway (older GDAL ignores OGR_CURRENT_DATE here)."""
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE gpkg_contents SET last_change = ?", (FIXED_DATE,))
    conn.close()
