"""Can coordinates belong to a CRS at all? Checked against the CRS's area of use, by kind.

Chinese survey deliveries often write Gauss-Krüger eastings with the zone number in front
(``40541417`` = zone 40, easting 541417; EPSG:4528 style) under a ``.prj`` that describes the
zone without the prefix (EPSG:4549 style). Such coordinates lie 40,000 km east of the CRS's area
of use; projecting them gives infinities and, further on, errors deep inside pyproj. This module
spots them first and names the EPSG code that fits.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from pyproj import CRS, Transformer

# Degrees added around a CRS's area of use: data a little outside its zone is common and fine.
_MARGIN_DEG: Final = 2.0
# Zone numbers written in front of eastings: 6-degree zones 13-23, 3-degree zones 25-45 (China).
_SIX_DEGREE_ZONES: Final = range(13, 24)
_THREE_DEGREE_ZONES: Final = range(25, 46)
_CGCS2000_GK: Final = 4549  # CGCS2000 / 3-degree Gauss-Kruger CM 120E: a template for hints

Bounds = tuple[float, float, float, float]


def projected_area(crs: CRS) -> Bounds | None:
    """The area of use of a projected CRS in its own units (with a margin), or None."""
    area = crs.area_of_use
    if area is None or not crs.is_projected:
        return None
    west, south = max(area.west - _MARGIN_DEG, -180.0), max(area.south - _MARGIN_DEG, -89.0)
    east, north = min(area.east + _MARGIN_DEG, 180.0), min(area.north + _MARGIN_DEG, 89.0)
    try:
        to_crs = Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True)
        minx, miny, maxx, maxy = to_crs.transform_bounds(west, south, east, north, densify_pts=21)
    except Exception:  # pyproj's own errors: an area it cannot project is not checked
        return None
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return None
    return float(minx), float(miny), float(maxx), float(maxy)


def fits(bounds: Bounds, crs: CRS) -> bool:
    """Whether data with these bounds (in the CRS's units) can lie in the CRS's area of use."""
    if not np.all(np.isfinite(bounds)):
        return False
    area = projected_area(crs)
    if area is None:
        return True
    minx, miny, maxx, maxy = bounds
    return minx >= area[0] and maxx <= area[2] and miny >= area[1] and maxy <= area[3]


def zone_prefixed(bounds: Bounds, crs: CRS | None) -> CRS | None:
    """The Gauss-Krüger CRS with the zone number in the easting that fits ``bounds``, if any.

    ``crs`` gives the datum (CGCS2000, Xian 1980, Beijing 1954, ...); without a projected
    Transverse Mercator CRS to start from, CGCS2000 is assumed for the hint.
    """
    minx, _miny, maxx, _maxy = bounds
    zone = int(minx // 1_000_000)
    if zone != int(maxx // 1_000_000):
        return None
    if zone in _THREE_DEGREE_ZONES:
        meridian = 3 * zone
    elif zone in _SIX_DEGREE_ZONES:
        meridian = 6 * zone - 3
    else:
        return None
    template = crs if _is_transverse_mercator(crs) else CRS.from_epsg(_CGCS2000_GK)
    assert template is not None
    candidate = _with_zone(template, zone=zone, meridian=meridian)
    if candidate is None or not fits(bounds, candidate):
        return None
    return candidate


def describe_fit(candidate: CRS) -> str:
    """'EPSG:4528 (CGCS2000 / 3-degree Gauss-Kruger zone 40)' or the candidate's name."""
    epsg = candidate.to_epsg(min_confidence=25)
    if epsg is None:
        return candidate.name
    return f"EPSG:{epsg} ({CRS.from_epsg(epsg).name})"


def _is_transverse_mercator(crs: CRS | None) -> bool:
    if crs is None or not crs.is_projected or crs.coordinate_operation is None:
        return False
    return "transverse mercator" in crs.coordinate_operation.method_name.lower()


def _with_zone(template: CRS, *, zone: int, meridian: float) -> CRS | None:
    """``template`` with the central meridian of ``zone`` and the zone number in the easting."""
    data = template.to_json_dict()
    conversion = data.get("conversion")
    if not isinstance(conversion, dict):
        return None
    data.pop("id", None)
    conversion.pop("id", None)
    data["name"] = f"{template.geodetic_crs.name if template.geodetic_crs else ''} zone {zone}"
    for parameter in conversion.get("parameters", []):
        if parameter.get("name") == "Longitude of natural origin":
            parameter["value"] = meridian
        elif parameter.get("name") == "False easting":
            parameter["value"] = zone * 1_000_000 + 500_000
    try:
        candidate = CRS.from_json_dict(data)
        epsg = candidate.to_epsg(min_confidence=25)
    except Exception:  # pyproj's own errors: no candidate
        return None
    return CRS.from_epsg(epsg) if epsg else candidate
