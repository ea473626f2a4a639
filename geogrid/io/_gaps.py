"""Gaps between the communities of a street: each refused with its area and its width (the
largest circle inside it, as ``--repair`` measures it), and what would take it: ``--repair``
(gaps up to ``repair_gap_m2`` or ``repair_gap_width_m`` wide), its width option, or a boundary
drawn over it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import NDArray

from geogrid.crs import metric_crs
from geogrid.io._topology import _geoms, _slivers, area_m2, noise_m, noise_note, width_m

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from geogrid.validation import Context, LayerFindings, Thresholds


def check_gaps(
    frame: gpd.GeoDataFrame, findings: LayerFindings, *, context: Context, thresholds: Thresholds
) -> None:
    """The communities of a street must cover it: no gaps above the threshold."""
    crs = metric_crs(frame)
    streets = context.streets
    street_geoms = (
        streets.set_index("code").geometry if streets is not None and len(streets) else None
    )
    codes = frame["street_code"].fillna("")
    slivers, noise = 0, []
    for code, group in frame.groupby(codes):
        covered = shapely.union_all(_geoms(group))
        parts = gap_parts(covered, street_geoms, code)
        for part, area in zip(parts, area_m2(parts, crs), strict=True):
            if area <= thresholds.gap_m2:
                slivers += area > 0
                continue
            if noise_m(part, crs):
                noise.append(float(area))
                continue
            where = part.representative_point()
            width = width_m(part, crs)
            findings.add(
                "error",
                "gap",
                f"a gap of {area:,.1f} m², {width:,.1f} m wide, between the communities of "
                f"street {code or '?'} near ({where.x:.5f}, {where.y:.5f}) "
                f"({_gap_hint(area, width, thresholds)})",
                feature=code or None,
                field="geometry",
                area_m2=area,
            )
    noise_note(findings, "gap", noise)
    _slivers(findings, slivers, "gap", thresholds.gap_m2)


def _gap_hint(area: float, width: float, thresholds: Thresholds) -> str:
    """What would take a gap: --repair's area or width rule, else its width option (a strip
    between two boundaries) or a boundary drawn over it."""
    gap_m2, gap_width = thresholds.repair_gap_m2, thresholds.repair_gap_width_m
    if area <= gap_m2 or width <= gap_width:
        return f"import with --repair to fill gaps up to {gap_m2:g} m² or {gap_width:g} m wide"
    return (
        f"more than --repair fills, {gap_m2:g} m² or {gap_width:g} m wide: draw it into a "
        f"community, or if it is a strip between two boundaries, --repair "
        f"--repair-gap-width-m {math.ceil(width * 10) / 10:g} gives it to a neighbour; if it "
        f"is a hole kept out of a community (a military zone), --gap-m2 {math.ceil(area):g} "
        "lets it in and partition lists the buildings in it as unassigned, as 'partition FILE' "
        "does"
    )


def gap_parts(
    covered: shapely.Geometry, streets: pd.Series | None, code: str
) -> NDArray[np.object_]:
    """The pieces of street ``code`` (``streets``: polygons indexed by code) that ``covered``
    (the union of its communities) leaves out; without that street, the holes of
    ``covered``. Same CRS as the inputs."""
    if streets is not None and code in streets.index:
        gap = shapely.difference(streets.loc[code], covered)
    else:
        gap = holes(covered)
    return np.asarray([p for p in shapely.get_parts(gap) if not p.is_empty], dtype=object)


def holes(geom: shapely.Geometry) -> shapely.Geometry:
    """The holes of a (multi)polygon, as one geometry (empty when it has none)."""
    rings = [shapely.Polygon(ring) for poly in shapely.get_parts(geom) for ring in poly.interiors]
    return shapely.union_all(rings) if rings else shapely.Polygon()
