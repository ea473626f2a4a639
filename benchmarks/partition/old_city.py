"""A small irregular "old city" street as a partition benchmark input (deterministic for a seed).

Run: .venv/bin/python benchmarks/partition/old_city.py OUT.gpkg [--seed 1] [--communities 8]
then ``geogrid partition OUT.gpkg --out plan.gpkg --report report.json``.

Unlike the grid-like synthetic city (``geogrid synth``), the streets here are irregular: a few
gently curved arterials and secondary roads across an irregular outline, many wandering lanes
(random walks with smooth turns) and short hutongs, cut into segments at every crossing as real
road centre-line data is. Communities are the Voronoi cells of a few seeds clipped to the
outline (so their boundaries do not follow the roads, as often in old cities); buildings are
small courtyard houses (5-15 households) packed in every block off the street, with some
apartment slabs (60-200 households). Layers (CGCS2000 geographic, EPSG:4490, as Chinese
deliveries come): ``streets``, ``communities`` (code, name, street_code, area_type),
``buildings`` (building_id, levels, households), ``roads`` (road_id, road_class, name).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
import shapely.ops
from numpy.random import Generator
from pyproj import Transformer
from shapely.geometry import LineString, MultiPoint, Polygon

METRIC = "EPSG:4549"  # CGCS2000 / 3-degree GK CM 120E
OUTPUT_CRS = "EPSG:4490"
STREET = "370212005"
RADIUS_M = 850.0


def _outline(rng: Generator) -> Polygon:
    """An irregular, roughly round outline of radius ~RADIUS_M around (0, 0)."""
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    radii = RADIUS_M * (1 + 0.18 * np.sin(3 * angles + rng.uniform(0, 6)) + rng.normal(0, 0.05, 24))
    return Polygon(np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])).buffer(0)


def _walk(
    rng: Generator, start: np.ndarray, heading: float, length: float, step: float, wiggle: float
) -> LineString:
    """A polyline from ``start`` turning by a smooth random amount each ``step`` metres."""
    pts = [start]
    turn = 0.0
    for _ in range(max(2, int(length / step))):
        turn = 0.7 * turn + rng.normal(0, wiggle)
        heading += turn
        pts.append(pts[-1] + step * np.array([np.cos(heading), np.sin(heading)]))
    return LineString(pts)


def _branch(
    rng: Generator,
    network: list[LineString],
    length: float,
    step: float,
    wiggle: float,
    dead_end: float,
) -> LineString | None:
    """A street leaving a random point of ``network`` at about a right angle, wandering, and
    ending where it first meets another street (a tee); with probability ``dead_end`` it may
    stop after ``length`` without meeting one (a dead end), else it goes on up to 4x."""
    lengths = np.asarray([g.length for g in network])
    base = network[int(rng.choice(len(network), p=lengths / lengths.sum()))]  # by length
    at = rng.uniform(0.1, 0.9) * base.length
    p, q = base.interpolate(at), base.interpolate(min(at + 1.0, base.length))
    along = np.arctan2(q.y - p.y, q.x - p.x)
    heading = along + rng.choice([-1, 1]) * np.pi / 2 + rng.normal(0, 0.2)
    reach = length if rng.random() < dead_end else 4 * length
    walk = _walk(rng, np.array([p.x, p.y]), heading, reach, step, wiggle)
    others = shapely.union_all([g for g in network if g is not base])
    hit = walk.intersection(others)
    if not hit.is_empty:  # stop at the first crossing further than 8 m from the start
        ds = sorted(walk.project(pt) for pt in shapely.get_parts(hit) if pt.geom_type == "Point")
        ds = [d for d in ds if d > 8]
        if ds:
            walk = shapely.ops.substring(walk, 0, ds[0])
    return walk if walk.length > 15 else None


def _streets(rng: Generator, outline: Polygon, density: float) -> list[tuple[LineString, str]]:
    """A ring road on the outline, arterials across it, secondary roads, lanes branching off
    them (ending at a tee or a dead end) and hutongs off the lanes (OSM-like classes)."""
    lines: list[tuple[LineString, str]] = [(LineString(outline.exterior.coords), "secondary")]
    for k in range(3):  # arterials across the whole outline
        a = rng.uniform(0, np.pi) + k * np.pi / 3
        start = -1.4 * RADIUS_M * np.array([np.cos(a), np.sin(a)]) + rng.normal(0, 150, 2)
        lines.append((_walk(rng, start, a, 2.8 * RADIUS_M, 40, 0.02), "primary"))
    for _ in range(4):
        start = rng.uniform(-RADIUS_M, RADIUS_M, 2)
        lines.append((_walk(rng, start, rng.uniform(0, 2 * np.pi), 1000, 30, 0.05), "secondary"))
    lines = [(ln.intersection(outline), c) for ln, c in lines[:1]] + [
        (g, c) for ln, c in lines[1:] for g in shapely.get_parts(ln.intersection(outline))
    ]
    for count, cls, length, step, wiggle, dead_end in (
        (int(130 * density), "residential", 350, 20, 0.08, 0.1),
        (int(260 * density), "service", 120, 12, 0.12, 0.3),
    ):
        for _ in range(count):
            street = _branch(rng, [g for g, _ in lines], length, step, wiggle, dead_end)
            if street is not None:
                for part in shapely.get_parts(street.intersection(outline)):
                    if part.length > 15:
                        lines.append((part, cls))
    return [(g, c) for g, c in lines if g.geom_type == "LineString" and g.length > 0]


def _segments(lines: list[tuple[LineString, str]]) -> tuple[list[LineString], list[str]]:
    """Lines cut at every crossing, each piece keeping the class of the line it came from."""
    geoms = [g for g, _ in lines]
    noded = shapely.get_parts(shapely.union_all(geoms))
    tree = shapely.STRtree(np.asarray(geoms, dtype=object))
    classes = []
    rank = {"primary": 0, "secondary": 1, "residential": 2, "service": 3}
    for seg in noded:
        mid = seg.interpolate(0.5, normalized=True)
        hits = tree.query(mid.buffer(0.01), predicate="intersects")
        best = min((lines[i][1] for i in hits), key=rank.__getitem__, default="service")
        classes.append(best)
    return list(noded), classes


def _buildings(
    rng: Generator, outline: Polygon, roads: list[LineString]
) -> tuple[list[Polygon], list[int], list[int]]:
    """Courtyard houses packed in each block 4 m off the road lines, some apartment slabs."""
    road_zone = shapely.union_all(shapely.buffer(np.asarray(roads, dtype=object), 5.0))
    land = outline.difference(road_zone)
    geoms: list[Polygon] = []
    households: list[int] = []
    levels: list[int] = []
    taken = Polygon()
    for block in sorted(shapely.get_parts(land), key=lambda g: g.centroid.coords[0]):
        if block.area < 400:
            continue
        if block.area > 6000 and rng.random() < 0.12:  # an apartment slab or two
            for _ in range(int(rng.integers(1, 3))):
                c = block.representative_point()
                slab = shapely.affinity.rotate(
                    Polygon([(-30, -7), (30, -7), (30, 7), (-30, 7)]), rng.uniform(0, 180)
                )
                slab = shapely.affinity.translate(
                    slab, c.x + rng.normal(0, 10), c.y + rng.normal(0, 10)
                )
                if block.contains(slab) and not slab.intersects(taken):
                    geoms.append(slab)
                    households.append(int(rng.integers(60, 201)))
                    levels.append(int(rng.integers(6, 19)))
                    taken = taken.union(slab.buffer(6))
        minx, miny, maxx, maxy = block.bounds
        angle = rng.uniform(0, 90)
        for x in np.arange(minx + 6, maxx, 21.0):
            for y in np.arange(miny + 6, maxy, 19.0):
                w, h = rng.uniform(9, 15), rng.uniform(8, 13)
                house = shapely.affinity.rotate(
                    Polygon([(0, 0), (w, 0), (w, h), (0, h)]), angle, origin=(0, 0)
                )
                house = shapely.affinity.translate(
                    house, x + rng.normal(0, 2), y + rng.normal(0, 2)
                )
                if block.contains(house) and not house.intersects(taken):
                    geoms.append(house)
                    households.append(int(rng.integers(5, 16)))
                    levels.append(int(rng.integers(1, 3)))
        taken = Polygon()  # blocks do not overlap: start afresh
    return geoms, households, levels


def _street_cells(cells: list[Polygon], outline: Polygon, streets: list[LineString]) -> list:
    """Communities that follow the streets: the blocks of the non-service streets, each given
    to the Voronoi cell holding its representative point (often not convex, as real ones)."""
    noded = shapely.union_all([*streets, outline.exterior])
    blocks = [
        b
        for b in shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
        if outline.contains(b.representative_point())
    ]
    owner = [
        next((i for i, c in enumerate(cells) if c.contains(b.representative_point())), 0)
        for b in blocks
    ]
    out = [
        shapely.union_all([b for b, o in zip(blocks, owner, strict=True) if o == i])
        for i in range(len(cells))
    ]
    return [c for c in out if not c.is_empty]


def old_city(
    seed: int = 1, communities: int = 12, density: float = 2.0, boundaries: str = "voronoi"
) -> dict[str, gpd.GeoDataFrame]:
    """The layers of the old city street (EPSG:4490). ``boundaries``: "voronoi" (community
    boundaries cross the streets) or "streets" (they follow the lanes and larger roads)."""
    rng = np.random.default_rng(seed)
    outline = _outline(rng)
    lines = _streets(rng, outline, density)
    segments, classes = _segments(lines)
    seeds = []
    while len(seeds) < communities:
        p = rng.uniform(-RADIUS_M, RADIUS_M, 2)
        if outline.buffer(-150).contains(shapely.Point(p)):
            seeds.append(p)
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(seeds), extend_to=outline))
    if boundaries == "streets":
        cells = _street_cells(cells, outline, [g for g, c in lines if c != "service"])
    cells = sorted(
        (c.intersection(outline) for c in cells), key=lambda g: (-g.centroid.y, g.centroid.x)
    )
    houses, households, levels = _buildings(rng, outline, [g for g, _ in lines])
    x0, y0 = Transformer.from_crs("EPSG:4490", METRIC, always_xy=True).transform(120.38, 36.07)

    def place(geoms: list) -> list:
        return [shapely.affinity.translate(g, x0, y0) for g in geoms]

    codes = [f"{STREET}{i + 1:03d}" for i in range(len(cells))]
    out = {
        "streets": gpd.GeoDataFrame(
            {"code": [STREET], "name": ["老城街道"]}, geometry=place([outline]), crs=METRIC
        ),
        "communities": gpd.GeoDataFrame(
            {
                "code": codes,
                "name": [f"老城{i + 1}社区" for i in range(len(cells))],
                "street_code": STREET,
                "area_type": "urban_community",
            },
            geometry=place(cells),
            crs=METRIC,
        ),
        "buildings": gpd.GeoDataFrame(
            {
                "building_id": [f"OC{i:05d}" for i in range(len(houses))],
                "levels": levels,
                "households": households,
            },
            geometry=place(houses),
            crs=METRIC,
        ),
        "roads": gpd.GeoDataFrame(
            {
                "road_id": [f"S{i:05d}" for i in range(len(segments))],
                "road_class": classes,
                "name": [f"{c}-{i}" for i, c in enumerate(classes)],
            },
            geometry=place(segments),
            crs=METRIC,
        ),
    }
    return {k: v.to_crs(OUTPUT_CRS) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--communities", type=int, default=12)
    ap.add_argument("--density", type=float, default=2.0, help="scale the number of lanes")
    ap.add_argument("--boundaries", choices=("voronoi", "streets"), default="voronoi")
    a = ap.parse_args()
    layers = old_city(a.seed, a.communities, a.density, a.boundaries)
    a.out.unlink(missing_ok=True)
    for name, frame in layers.items():
        frame.to_file(a.out, layer=name, driver="GPKG")
    hh = int(layers["buildings"]["households"].sum())
    print(
        f"{a.out}: {len(layers['communities'])} communities, {len(layers['roads'])} road "
        f"segments, {len(layers['buildings'])} buildings, {hh} households"
    )


if __name__ == "__main__":
    main()
