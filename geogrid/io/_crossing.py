"""A parent (district, street, community) whose boundary crosses itself so that ``make_valid``
would lose or move land is refused, on import and in ``partition FILE`` alike.

``make_valid`` keeps the land a self-intersecting ring encloses, read piece by piece: a bow-tie
(two vertices swapped while digitising) becomes two triangles, and the land between them, which
the parent was meant to hold, goes to no parent; its buildings then land in a neighbour or in
no grid. The ring's intended area is its shoelace area (what GEOS measures of an invalid
polygon: the lobes of a bow-tie cancel). A repair that changes it by more than
``TOLERANCE_M2``, or that splits the parent into more pieces of that size than it had, is
refused naming where the ring crosses itself; a harmless invalidity (a spike out and back, a
ring touching itself) changes neither and is repaired with a note as before.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geogrid.errors import InputError

if TYPE_CHECKING:
    from geogrid.validation import LayerFindings

PARENT_LAYERS: Final = ("districts", "streets", "communities")
TOLERANCE_M2: Final = 1.0
_M_PER_DEG: Final = 6_371_008.8 * math.pi / 180
_AT: Final = re.compile(r"\[(-?[\d.eE+-]+) (-?[\d.eE+-]+)\]")


def lost_land(geom: BaseGeometry, fixed: BaseGeometry) -> str | None:
    """Why repairing ``geom`` (lon/lat) into ``fixed`` would lose or move land, else None."""
    scale = _m2_per_deg2(geom)
    intended = float(geom.area) * scale  # the shoelace area: a bow-tie's lobes cancel
    repaired = float(fixed.area) * scale
    pieces = [p for p in shapely.get_parts(fixed) if p.area * scale >= TOLERANCE_M2]
    if abs(repaired - intended) <= TOLERANCE_M2 and len(pieces) <= shapely.get_num_geometries(geom):
        return None
    return (
        f"self-intersecting at {_where(geom)}: its boundary crosses itself, so make_valid would "
        f"make it {len(pieces)} piece(s) of {repaired:,.0f} m² where the ring encloses "
        f"{intended:,.0f} m², losing or moving land (and its buildings) to other parents; "
        "fix the ring in a GIS so that it does not cross itself, then run again"
    )


def refuse_crossed_parents(layers: dict[str, gpd.GeoDataFrame | None], *, file: str) -> None:
    """Raise InputError, in one line naming the layer and feature, for the first parent of an
    input file whose repair would lose or move land (see :func:`lost_land`)."""
    for kind in PARENT_LAYERS:
        frame = layers.get(kind)
        if frame is None or frame.empty:
            continue
        lonlat = frame.to_crs("EPSG:4326") if frame.crs is not None else frame
        geoms = np.asarray(lonlat.geometry.to_numpy(), dtype=object)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        codes = frame["code"] if "code" in frame.columns else None
        for i in np.flatnonzero(present & ~shapely.is_valid(geoms)).tolist():
            why = lost_land(geoms[i], shapely.make_valid(geoms[i]))
            if why is not None:
                feature = str(codes.iloc[i]) if codes is not None else f"row {i + 1}"
                raise InputError(
                    f"partition refused: file {file}, layer {kind}, feature {feature}, "
                    f"field geometry: {why}"
                )


def add_if_lost(
    geom: BaseGeometry, fixed: BaseGeometry, findings: LayerFindings, *, label: str
) -> bool:
    """For a parent layer: add an error and return True when the repair would lose land."""
    if findings.layer not in PARENT_LAYERS:
        return False
    why = lost_land(geom, fixed)
    if why is None:
        return False
    findings.add("error", "self_intersection", why, feature=label, field="geometry")
    return True


def _where(geom: BaseGeometry) -> str:
    found = _AT.search(shapely.is_valid_reason(geom))
    if found is None:
        x, y = shapely.get_coordinates(geom)[0]
    else:
        x, y = float(found.group(1)), float(found.group(2))
    return f"{x:.6f} {y:.6f}"


def _m2_per_deg2(geom: BaseGeometry) -> float:
    """Square metres per square degree near ``geom`` (a tolerance's scale, not a survey)."""
    lat = float(np.mean(shapely.get_coordinates(geom)[:, 1]))
    return _M_PER_DEG**2 * max(math.cos(math.radians(lat)), 1e-6)
