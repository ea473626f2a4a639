"""Mapbox Vector Tile encoding in Python (mapbox-vector-tile), for stores without ``ST_AsMVT``.

Geometry arrives as WKB in EPSG:4326; it is projected into the tile's CRS, scaled to the
tile's integer grid (``EXTENT`` units a side, y down), clipped to the tile plus ``BUFFER`` and
simplified by ``tolerance`` (in the tile CRS's units, so the same on-screen detail at every
zoom). Feature ids are the layer's integer ids (:func:`feature_id` for text ids).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely
from mapbox_vector_tile.encoder import on_invalid_geometry_make_valid
from pyproj import Transformer

from geogrid.tiles.layers import TileLayer
from geogrid.tiles.matrix import BUFFER, EXTENT, TileBox


@dataclass(frozen=True)
class TileFeatures:
    """The rows of one tile: integer ids, attributes, WKB geometry (EPSG:4326), and the next
    time the tile changes by itself (an open incident's deadline passing), if any."""

    ids: Sequence[int]
    properties: Sequence[dict[str, Any]]
    wkb: Sequence[bytes]
    next_change: datetime | None = None


_TEXT_IDS = {
    "buildings": "building_id",
    "compounds": "compound_id",
    "natural_villages": "village_id",
}
"""Layers whose feature id is made from a text id (see :func:`feature_id`)."""


def feature_id(text_id: str) -> int:
    """The MVT id of a feature with a text id: the number itself when it is one (up to 15
    digits), else the first 52 bits of its MD5 (safe as a JavaScript number; the same as
    PostGIS computes for ``ST_AsMVT``)."""
    if text_id.isascii() and text_id.isdigit() and len(text_id) <= 15:
        return int(text_id)
    return int(hashlib.md5(text_id.encode()).hexdigest()[:13], 16)


@cache
def _to_mercator() -> Transformer:
    return Transformer.from_crs(4326, 3857, always_xy=True)


def _to_tile_units(geoms: np.ndarray, box: TileBox) -> np.ndarray:
    x0, _y0, _x1, y1 = box.bounds
    scale = EXTENT / box.width

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = coords[:, 0], coords[:, 1]
        if box.srid == 3857:
            x, y = _to_mercator().transform(x, y)
        return np.column_stack(((np.asarray(x) - x0) * scale, (y1 - np.asarray(y)) * scale))

    return shapely.transform(geoms, project)


def encode_features(
    layer: TileLayer, features: TileFeatures, box: TileBox, *, tolerance: float
) -> tuple[bytes, int]:
    """One MVT layer named after ``layer.id``; returns the tile (not compressed) and how many
    features it holds. An empty tile is ``b""``."""
    if not features.wkb:
        return b"", 0
    geoms = _to_tile_units(shapely.from_wkb(np.asarray(features.wkb, dtype=object)), box)
    geoms = shapely.clip_by_rect(geoms, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    if layer.geometry != "point" and tolerance > 0:
        geoms = shapely.simplify(geoms, tolerance * EXTENT / box.width, preserve_topology=True)
    booleans = [name for name, kind in layer.fields.items() if kind == "Boolean"]
    encoded = []
    for fid, props, geom in zip(features.ids, features.properties, geoms, strict=True):
        if geom is None or geom.is_empty:
            continue
        props = {k: v for k, v in props.items() if v is not None}
        for name in booleans:
            if name in props:
                props[name] = bool(props[name])
        if layer.source in _TEXT_IDS:
            fid = feature_id(str(props[_TEXT_IDS[layer.source]]))
        encoded.append({"geometry": geom, "properties": props, "id": int(fid)})
    if not encoded:
        return b"", 0
    options = {
        "extents": EXTENT,
        "y_coord_down": True,
        "on_invalid_geometry": on_invalid_geometry_make_valid,
    }
    data = mapbox_vector_tile.encode(
        [{"name": layer.id, "features": encoded}], default_options=options
    )
    return data, len(encoded)
