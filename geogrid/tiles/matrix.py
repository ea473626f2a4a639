"""Tile matrix sets (OGC 2D TMS, via morecantile) and the geometry of one tile.

``WebMercatorQuad`` (EPSG:3857, one tile at zoom 0) is what web maps use. ``CGCS2000Quad`` is
the geographic quad on CGCS2000 (EPSG:4490, two tiles at zoom 0, like OGC's WorldCRS84Quad).
geogrid stores EPSG:4326; CGCS2000 and WGS 84 agree to within a metre and PROJ has no
transformation between them, so CGCS2000Quad tiles carry the stored coordinates unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache

import morecantile
from pyproj import CRS

from geogrid.errors import NotFound

EXTENT = 4096
"""Integer coordinates per tile side in every MVT geogrid writes."""
BUFFER = 64
"""Extra tile units kept around each tile so strokes do not end at tile edges."""
MAX_ZOOM = 22


@cache
def tile_matrix_sets() -> dict[str, morecantile.TileMatrixSet]:
    """The tile matrix sets geogrid serves, by id."""
    cgcs2000 = morecantile.TileMatrixSet.custom(
        [-180.0, -90.0, 180.0, 90.0],
        CRS.from_epsg(4490),
        matrix_scale=[2, 1],
        maxzoom=MAX_ZOOM,
        id="CGCS2000Quad",
        title="CGCS2000 geographic quad (EPSG:4490), two tiles at zoom 0",
    )
    return {"WebMercatorQuad": morecantile.tms.get("WebMercatorQuad"), "CGCS2000Quad": cgcs2000}


def tile_matrix_set(tms_id: str) -> morecantile.TileMatrixSet:
    """One tile matrix set by id, or NotFound naming the ones there are."""
    sets = tile_matrix_sets()
    if tms_id not in sets:
        raise NotFound(f"tile matrix set {tms_id!r} is not served; use one of {', '.join(sets)}")
    return sets[tms_id]


@dataclass(frozen=True)
class TileBox:
    """One tile: its address and its bounds.

    ``bounds`` are in the tile matrix set's own CRS (metres in EPSG:3857 for WebMercatorQuad,
    degrees for CGCS2000Quad, x = longitude); ``lonlat`` are the same bounds in degrees,
    widened by the buffer, for the index search on the stored EPSG:4326 geometry.
    """

    tms_id: str
    z: int
    x: int
    y: int
    bounds: tuple[float, float, float, float]
    lonlat: tuple[float, float, float, float]
    srid: int

    @property
    def width(self) -> float:
        """The tile's width in the units of its CRS."""
        return self.bounds[2] - self.bounds[0]

    def unit(self) -> float:
        """One MVT coordinate unit in the units of the tile's CRS."""
        return self.width / EXTENT


@lru_cache(maxsize=65536)
def tile_box(tms_id: str, z: int, x: int, y: int) -> TileBox:
    """The tile ``z/x/y`` of a tile matrix set; NotFound when it lies outside the matrix."""
    tms = tile_matrix_set(tms_id)
    tile = morecantile.Tile(x, y, z)
    if not 0 <= z <= MAX_ZOOM or not tms.is_valid(tile):
        raise NotFound(f"tile {z}/{y}/{x} is outside {tms_id} (zoom 0-{MAX_ZOOM})")
    xy = tms.xy_bounds(tile)
    pad = (xy.right - xy.left) * BUFFER / EXTENT
    wide = (xy.left - pad, xy.bottom - pad, xy.right + pad, xy.top + pad)
    srid = 3857 if tms_id == "WebMercatorQuad" else 4490
    # Spherical Mercator inverts in closed form (PROJ would cost about a millisecond a tile).
    west, south, east, north = (
        (_lon(wide[0]), _lat(wide[1]), _lon(wide[2]), _lat(wide[3])) if srid == 3857 else wide
    )
    lonlat = (max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0))
    return TileBox(tms_id, z, x, y, (xy.left, xy.bottom, xy.right, xy.top), lonlat, srid)


_EARTH_RADIUS = 6378137.0


def _lon(x: float) -> float:
    return math.degrees(x / _EARTH_RADIUS)


def _lat(y: float) -> float:
    return math.degrees(math.atan(math.sinh(y / _EARTH_RADIUS)))
