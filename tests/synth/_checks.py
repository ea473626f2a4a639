"""Checks shared by the synth tests (all in a metric CRS)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


def tiling_errors(parent: BaseGeometry, pieces: gpd.GeoSeries) -> tuple[float, float]:
    """The largest gap and the total overlap (m²) of ``pieces`` tiling ``parent``."""
    union = shapely.union_all(pieces.values)
    gaps = shapely.get_parts(shapely.difference(parent, union))
    outside = shapely.get_parts(shapely.difference(union, parent))
    largest_gap = float(max(shapely.area(np.concatenate([gaps, outside])), default=0.0))
    overlap = float(pieces.area.sum() - union.area)
    return largest_gap, overlap


def main_part(geom: BaseGeometry) -> BaseGeometry:
    parts = shapely.get_parts(geom)
    return parts[int(np.argmax(shapely.area(parts)))]
