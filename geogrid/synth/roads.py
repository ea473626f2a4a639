"""Roads, rivers and the blocks between them, in a metric CRS.

Arterials run along street boundaries and secondary roads along community boundaries, so grids
that follow roads can follow those boundaries; local roads form a rotated grid inside each
community, dense in town and sparse in the hills; rivers are smooth meanders across the district.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geogrid.synth.tiling import GRID, Array

LOCAL_SPACING = {  # metres between parallel local roads
    "urban_community": 210.0,
    "village": 450.0,
    "general_rural": 750.0,
    "mountainous": 1100.0,
}
Lines = NDArray[np.object_]


def _merged(geom: BaseGeometry) -> Lines:
    parts = shapely.get_parts(shapely.line_merge(geom))
    parts = parts[shapely.get_type_id(parts) == 1]
    parts = parts[shapely.length(parts) > 1.0]
    return _ordered(parts)


def _ordered(lines: Lines) -> Lines:
    """A stable order that does not depend on how GEOS happened to walk the linework."""
    if len(lines) == 0:
        return lines
    first = shapely.get_coordinates(shapely.get_point(lines, 0))
    order = np.lexsort((np.round(first[:, 1], 3), np.round(first[:, 0], 3)))
    return np.asarray(lines[order], dtype=object)


def boundary_roads(
    streets: list[BaseGeometry], communities: list[BaseGeometry], district: BaseGeometry
) -> tuple[Lines, Lines]:
    """Arterials along street boundaries and secondary roads along community boundaries,
    leaving out the district's own outline (a coast or a neighbour's road)."""
    outline = shapely.boundary(district)
    street_lines = shapely.union_all(shapely.boundary(np.array(streets, dtype=object)))
    arterial = shapely.difference(street_lines, outline, grid_size=GRID)
    comm_lines = shapely.union_all(shapely.boundary(np.array(communities, dtype=object)))
    secondary = shapely.difference(
        comm_lines, shapely.union_all([outline, street_lines]), grid_size=GRID
    )
    return _merged(arterial), _merged(secondary)


def local_grid(
    area: BaseGeometry, *, spacing: float, angle: float, rng: np.random.Generator
) -> Lines:
    """A grid of parallel roads at ``angle`` (radians) clipped to ``area``."""
    c, s = np.cos(angle), np.sin(angle)
    xy = shapely.get_coordinates(area)
    u = xy @ np.array([c, s])
    v = xy @ np.array([-s, c])
    lines = []
    for lo_a, hi_a, lo_b, hi_b, axis in (
        (u.min(), u.max(), v.min(), v.max(), 0),
        (v.min(), v.max(), u.min(), u.max(), 1),
    ):
        start = lo_a + spacing * rng.uniform(0.35, 0.65)
        for at in np.arange(start, hi_a - spacing * 0.3, spacing * rng.uniform(0.85, 1.15)):
            ends = np.array([[at, lo_b - 1.0], [at, hi_b + 1.0]])
            if axis == 1:
                ends = ends[:, ::-1]
            world = np.column_stack(
                [ends[:, 0] * c - ends[:, 1] * s, ends[:, 0] * s + ends[:, 1] * c]
            )
            lines.append(shapely.LineString(world))
    if not lines:
        return np.empty(0, dtype=object)
    clipped = shapely.intersection(np.array(lines, dtype=object), area, grid_size=GRID)
    parts = shapely.get_parts(clipped)
    parts = parts[(shapely.get_type_id(parts) == 1) & (shapely.length(parts) > spacing * 0.25)]
    return np.asarray(parts, dtype=object)


def rivers(district: BaseGeometry, *, rng: np.random.Generator) -> Lines:
    """A few smooth meanders crossing the district (one per ~400 km², at least one, at most 3)."""
    count = int(np.clip(round(district.area / 4e8), 1, 3))
    minx, miny, maxx, maxy = district.bounds
    centre = np.array([(minx + maxx) / 2, (miny + maxy) / 2])
    half = 0.75 * np.hypot(maxx - minx, maxy - miny)
    out: list[BaseGeometry] = []
    for _ in range(count):
        angle = rng.uniform(0, np.pi)
        direction = np.array([np.cos(angle), np.sin(angle)])
        normal = np.array([-direction[1], direction[0]])
        through = centre + normal * rng.uniform(-0.3, 0.3) * min(maxx - minx, maxy - miny)
        t = np.linspace(-1.0, 1.0, 400)
        wiggle = np.zeros_like(t)
        for _k in range(4):
            freq = rng.uniform(1.0, 5.0)
            wiggle += (
                rng.uniform(0.01, 0.04) * half * np.sin(np.pi * freq * t + rng.uniform(0, 6.3))
            )
        xy = through + np.outer(t * half, direction) + np.outer(wiggle, normal)
        clipped = shapely.intersection(shapely.LineString(xy), district, grid_size=GRID)
        out.extend(p for p in shapely.get_parts(clipped) if p.geom_type == "LineString")
    lines: Lines = np.asarray(out, dtype=np.object_)
    if len(lines):
        lines = lines[shapely.length(lines) > 300.0]
    return _ordered(lines)


def buildable(area: BaseGeometry, cuts: Lines, *, setback: float) -> NDArray[np.object_]:
    """The land of ``area`` at least ``setback`` metres from its edge and from every cut
    (roads, rivers), in pieces: the blocks between the roads, shrunk."""
    land: BaseGeometry = shapely.buffer(area, -setback, join_style="mitre")
    if len(cuts):
        land = shapely.difference(
            land, shapely.union_all(shapely.buffer(cuts, setback, quad_segs=2))
        )
    parts = shapely.get_parts(land)
    return np.asarray(parts[shapely.get_type_id(parts) == 3], dtype=object)


def local_roads_for(
    community: BaseGeometry,
    area_type: str,
    *,
    angle: float,
    density: float,
    rng: np.random.Generator,
) -> Lines:
    """Local roads of one community; ``density`` > 1 packs urban roads closer near the core."""
    spacing = LOCAL_SPACING[area_type]
    if area_type == "urban_community":
        spacing = spacing / density
    return local_grid(community, spacing=spacing, angle=angle, rng=rng)


def angle_for(rng: np.random.Generator) -> float:
    """A street's grid orientation."""
    return float(rng.uniform(0.0, np.pi / 2))


def centroid_xy(geoms: list[BaseGeometry]) -> Array:
    """Centroids as an (n, 2) array."""
    return shapely.get_coordinates(shapely.centroid(np.array(geoms, dtype=object)))
