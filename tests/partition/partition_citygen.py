"""A small, fast synthetic city for the partition tests and benchmark (synthetic data).

Communities are Voronoi cells of jittered points, roads a jittered lattice, buildings rectangles on
a jittered lattice kept off the roads, households skewed (houses, walk-ups, towers).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

UTM_QINGDAO = "EPSG:32651"
ORIGIN = (240_000.0, 3_998_000.0)


def city(
    *,
    communities: int = 6,
    buildings: int = 1500,
    households: int = 4000,
    road_spacing: float = 180.0,
    seed: int = 0,
    area_type: str = "urban_community",
    crs: str = "EPSG:4326",
) -> dict[str, gpd.GeoDataFrame]:
    """Layers ``communities``, ``buildings``, ``roads``, ``waterways``, ``compounds`` (synthetic)."""
    rng = np.random.default_rng(seed)
    cell = 34.0
    side = float(np.sqrt(buildings * cell * cell / 0.72))
    x0, y0 = ORIGIN
    region = shapely.box(x0, y0, x0 + side, y0 + side)
    parents = _communities(region, communities, rng)
    roads = _roads(region, road_spacing, rng)
    water = _waterway(region, rng)
    foot = _buildings(region, roads, water, cell, buildings, rng)
    hh = _households(len(foot), households, rng)
    b_geom = gpd.GeoSeries(foot, crs=UTM_QINGDAO)
    compound = _compounds(foot, rng)
    codes = [f"370212{1 + i // 20:03d}{1 + i % 20:03d}" for i in range(len(parents))]
    layers = {
        "communities": gpd.GeoDataFrame(
            {
                "code": codes,
                "name": [f"c{c}" for c in codes],
                "area_type": area_type,
                "street_code": [c[:9] for c in codes],
            },
            geometry=gpd.GeoSeries(parents, crs=UTM_QINGDAO),
        ),
        "buildings": gpd.GeoDataFrame(
            {
                "building_id": [f"b{i}" for i in range(len(foot))],
                "households": hh,
                "levels": np.where(hh > 8, 6, 2),
                "compound_id": compound,
                "use": "residential",
            },
            geometry=b_geom,
        ),
        "roads": gpd.GeoDataFrame(
            {"road_id": [f"r{i}" for i in range(len(roads))], "road_class": "local"},
            geometry=gpd.GeoSeries(roads, crs=UTM_QINGDAO),
        ),
        "waterways": gpd.GeoDataFrame(
            {"waterway_id": ["w0"]}, geometry=gpd.GeoSeries([water], crs=UTM_QINGDAO)
        ),
    }
    return {name: frame.to_crs(crs) for name, frame in layers.items()}


def _communities(region: shapely.Polygon, n: int, rng: np.random.Generator) -> list:
    minx, miny, maxx, _maxy = region.bounds
    m = int(np.ceil(np.sqrt(n)))
    gx, gy = np.meshgrid(np.arange(m), np.arange(m))
    pts = np.column_stack([gx.ravel(), gy.ravel()])[:n].astype(float) + 0.5
    pts += rng.uniform(-0.3, 0.3, pts.shape)
    pts = pts / m * (maxx - minx) + [minx, miny]
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=region)
    parts = shapely.intersection(shapely.get_parts(cells), region)
    return sorted(parts, key=lambda g: (round(g.centroid.y), round(g.centroid.x)))


def _roads(region: shapely.Polygon, spacing: float, rng: np.random.Generator) -> list:
    minx, miny, maxx, maxy = region.bounds
    lines = []
    for axis in (0, 1):
        lo, hi = (minx, maxx) if axis == 0 else (miny, maxy)
        a, b = (miny, maxy) if axis == 0 else (minx, maxx)
        for c in np.arange(lo + spacing * 0.6, hi, spacing):
            t = np.linspace(a - 5, b + 5, 12)
            off = c + np.cumsum(rng.normal(0, spacing * 0.04, len(t)))
            xy = np.column_stack([off, t]) if axis == 0 else np.column_stack([t, off])
            if rng.random() < 0.12:  # dead ends and gaps: not every block is closed
                xy = xy[: len(xy) // 2]
            lines.append(shapely.linestrings(xy))
    return lines


def _waterway(region: shapely.Polygon, rng: np.random.Generator) -> shapely.LineString:
    minx, miny, maxx, maxy = region.bounds
    t = np.linspace(minx - 10, maxx + 10, 40)
    y = miny + (maxy - miny) * (0.35 + 0.1 * np.sin(t / 400.0)) + rng.normal(0, 3, len(t))
    return shapely.linestrings(np.column_stack([t, y]))


def _buildings(region, roads, water, cell, n, rng) -> np.ndarray:  # type: ignore[no-untyped-def]
    minx, miny, maxx, maxy = region.bounds
    xs = np.arange(minx + cell / 2, maxx, cell)
    ys = np.arange(miny + cell / 2, maxy, cell)
    gx, gy = np.meshgrid(xs, ys)
    cx = gx.ravel() + rng.uniform(-3, 3, gx.size)
    cy = gy.ravel() + rng.uniform(-3, 3, gy.size)
    w = rng.uniform(8, cell - 12, cx.size)
    h = rng.uniform(8, cell - 12, cx.size)
    boxes = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    barrier = shapely.union_all([*roads, water])
    keep = ~shapely.intersects(boxes, shapely.buffer(barrier, 4.0))
    boxes = boxes[keep]
    if len(boxes) > n:
        boxes = boxes[np.sort(rng.choice(len(boxes), n, replace=False))]
    return boxes


def _households(n: int, total: int, rng: np.random.Generator) -> np.ndarray:
    kind = rng.random(n)
    hh = np.where(kind < 0.62, rng.integers(1, 4, n), rng.integers(6, 25, n))
    towers = kind > 0.97
    hh[towers] = rng.integers(32, 90, int(towers.sum()))
    hh[rng.random(n) < 0.08] = 0  # shops, sheds, offices
    scale = total / max(hh.sum(), 1)
    out = np.maximum(np.round(hh * scale), 0).astype(int)
    out[(hh > 0) & (out == 0)] = 1
    return out


def _compounds(foot: np.ndarray, rng: np.random.Generator) -> list:
    cx = shapely.get_x(shapely.centroid(foot))
    cy = shapely.get_y(shapely.centroid(foot))
    key = (np.floor(cx / 110) * 100003 + np.floor(cy / 110)).astype(np.int64)
    gated = rng.random(len(foot)) < 0.5
    return [f"k{k}" if g else None for k, g in zip(key, gated, strict=True)]
