"""A small clean street (three communities, a road grid, courtyard buildings and a few slabs)
that the messy cases of ``cases.py`` start from.

Built in CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549, metres) around Qingdao
(120.46 E, 36.10 N); deterministic for a seed. Layout (metres from the south-west corner):

    +-------------------------------+ y=550
    |        C 370212001003         |
    +---------------+---------------+ y=300 (arterial)
    | A ...001      | B ...002      |
    +---------------+---------------+ y=0
    x=0            x=400           x=800
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, box

METRIC = "EPSG:4549"  # CGCS2000 / 3-degree GK CM 120E, no zone prefix
STREET = "370212001"
CODES = {"A": "370212001001", "B": "370212001002", "C": "370212001003"}


@dataclass
class Scene:
    """Layers of a case in METRIC (or another CRS once a case converts them)."""

    layers: dict[str, gpd.GeoDataFrame]

    def copy(self) -> Scene:
        return Scene({k: v.copy() for k, v in self.layers.items()})


def origin() -> tuple[float, float]:
    """Easting / northing of the south-west corner (120.46 E, 36.10 N) in METRIC."""
    x, y = Transformer.from_crs("EPSG:4490", METRIC, always_xy=True).transform(120.46, 36.10)
    return round(x), round(y)


def base_scene(seed: int = 7) -> Scene:
    """Three communities of about 1,000-1,400 households each, roads on every block edge."""
    rng = np.random.default_rng(seed)
    x0, y0 = origin()
    boxes = {"A": (0, 0, 400, 300), "B": (400, 0, 800, 300), "C": (0, 300, 800, 550)}
    comm = gpd.GeoDataFrame(
        {
            "code": [CODES[k] for k in boxes],
            "name": ["东关社区", "西关社区", "北门社区"],
            "street_code": STREET,
            "area_type": "urban_community",
        },
        # 10 m vertices: the shared edges are noded (C's south edge has a vertex where A meets
        # B), so the boundaries stay a coverage when reprojected (see import_cases tjunction)
        geometry=[
            shapely.segmentize(shapely.affinity.translate(box(*b), x0, y0), 10.0)
            for b in boxes.values()
        ],
        crs=METRIC,
    )
    street = gpd.GeoDataFrame(
        {"code": [STREET], "name": ["老城街道"]},
        geometry=[shapely.union_all(comm.geometry.to_numpy())],
        crs=METRIC,
    )
    roads = []
    for x in range(0, 801, 100):
        cls = "arterial" if x in (0, 800) else ("secondary" if x == 400 else "local")
        roads.append((LineString([(x, 0), (x, 550)]), cls))
    for y, cls in (
        (0, "arterial"),
        (150, "local"),
        (300, "arterial"),
        (425, "local"),
        (550, "arterial"),
    ):
        roads.append((LineString([(0, y), (800, y)]), cls))
    road = gpd.GeoDataFrame(
        {
            "road_id": [f"R{i:03d}" for i in range(len(roads))],
            "road_class": [c for _, c in roads],
            "name": [f"路{i}" for i in range(len(roads))],
        },
        geometry=[shapely.affinity.translate(g, x0, y0) for g, _ in roads],
        crs=METRIC,
    )
    geoms, hh, levels = [], [], []
    ys = [(0, 150), (150, 300), (300, 425), (425, 550)]
    for bx in range(0, 800, 100):
        for by0, by1 in ys:
            slab = rng.random() < 0.12
            if slab:  # an apartment slab across the block
                geoms.append(box(bx + 15, by0 + 20, bx + 85, by0 + 34))
                hh.append(int(rng.integers(60, 121)))
                levels.append(int(rng.integers(6, 12)))
                start = by0 + 45
            else:
                start = by0 + 8
            for cx in np.arange(bx + 8, bx + 92 - 15, 25.0):
                for cy in np.arange(start, by1 - 8 - 10, 22.0):
                    w, h = rng.uniform(11, 16), rng.uniform(8, 12)
                    geoms.append(box(cx, cy, cx + w, cy + h))
                    hh.append(int(rng.integers(5, 16)))
                    levels.append(int(rng.integers(1, 3)))
    bld = gpd.GeoDataFrame(
        {
            "building_id": [f"B{i:04d}" for i in range(len(geoms))],
            "levels": levels,
            "households": hh,
        },
        geometry=[shapely.affinity.translate(g, x0, y0) for g in geoms],
        crs=METRIC,
    )
    return Scene({"communities": comm, "streets": street, "buildings": bld, "roads": road})


def local(x: float, y: float) -> tuple[float, float]:
    """Scene coordinates (metres from the south-west corner) to METRIC."""
    x0, y0 = origin()
    return x0 + x, y0 + y
