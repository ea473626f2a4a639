"""Does a file look like AMap / DataV output (GCJ-02) although no CRS was declared?

AMap's district service and DataV.GeoAtlas write properties such as ``adcode``, ``center``,
``centroid``, ``acroutes``, ``childrenNum`` and ``subFeatureIndex``; their coordinates are
GCJ-02, about 500 m off WGS 84 in China. A file read as WGS 84 that carries them, or whose
outline fits a seed district only once converted from GCJ-02, is worth a warning.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import shapely

from geogrid.crs import offset_to_wgs84

DATAV_PROPERTIES: Final = (
    "adcode",
    "center",
    "centroid",
    "acroutes",
    "childrennum",
    "subfeatureindex",
    "parent",
    "level",
)
_MIN_PROPERTIES: Final = 2
_BETTER: Final = 2.0  # the converted outline must miss the seed by less than half as much
_FIT: Final = 0.9  # ... and overlap it by this much (intersection over union)

_HINT: Final = (
    "its coordinates are likely GCJ-02 (AMap), about 500 m off WGS 84; if so, import it again "
    "with --source-crs gcj02"
)


def datav_properties(columns: list[str]) -> list[str]:
    """The AMap / DataV property names among ``columns`` (as the file spells them)."""
    lookup = {str(c).lower(): str(c) for c in columns}
    return [lookup[name] for name in DATAV_PROPERTIES if name in lookup]


def suspicion(
    source_columns: list[str],
    frame: gpd.GeoDataFrame,
    *,
    seeds: gpd.GeoDataFrame | None,
) -> str | None:
    """A warning text when the file looks like GCJ-02 read as WGS 84, else None.

    ``frame`` is in EPSG:4326 as read; ``seeds`` are the seed district outlines (EPSG:4326).
    """
    found = datav_properties(source_columns)
    if len(found) >= _MIN_PROPERTIES:
        return f"the file carries AMap / DataV properties ({', '.join(found)}): {_HINT}"
    fit = _seed_fit(frame, seeds)
    if fit is not None:
        return (
            f"read as WGS 84 the file's outline misses the seed district {fit} by much more "
            f"than it does once converted from GCJ-02: {_HINT}"
        )
    return None


def _seed_fit(frame: gpd.GeoDataFrame, seeds: gpd.GeoDataFrame | None) -> str | None:
    """The code of a seed district the outline fits only as GCJ-02, or None."""
    if seeds is None or not len(seeds) or not len(frame):
        return None
    outline = shapely.union_all(np.asarray(frame.geometry.to_numpy(), dtype=object))
    if outline.is_empty or outline.geom_type not in ("Polygon", "MultiPolygon"):
        return None
    converted = shapely.union_all(
        np.asarray(offset_to_wgs84(frame.geometry, "gcj02").to_numpy(), dtype=object)
    )
    candidates = seeds[seeds.intersects(outline)]
    for code, seed in zip(candidates["code"], candidates.geometry, strict=True):
        raw_miss = shapely.symmetric_difference(outline, seed).area
        new_miss = shapely.symmetric_difference(converted, seed).area
        union = shapely.union(converted, seed).area
        fits = union > 0 and shapely.intersection(converted, seed).area / union >= _FIT
        if fits and raw_miss > _BETTER * new_miss:
            return str(code)
    return None
