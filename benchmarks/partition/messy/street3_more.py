"""Third round of messy inputs, kind 5: what else a real street's data has (boundaries drawn
along the kerb or past the road, the road layer of the whole city, courtyard houses with holes,
zoning polygons and road land among the parcels, degenerate roads). Registered in
``street3.CASES`` when ``street3.py`` runs (see there).

Run alone: .venv/bin/python benchmarks/partition/messy/street3_more.py OUT.gpkg writes the old
city (``old_city.py``) with its buildings turned into land parcels (``old_city_parcels``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from messy.scene import METRIC, Scene, local
from messy.street3 import _hh, _line, _parcels, _roads, case


# --- 5. boundaries drawn along the kerb / past the road -----------------------------------
@case
def comm_kerb(s: Scene) -> tuple[Scene, dict[str, Any]]:
    # communities drawn to the kerb: 8 m short of the centre line on each side, the road
    # surface in no community (gaps 16 m wide along the x=400 and y=300 roads)
    c = s.layers["communities"]
    inset = {
        "370212001001": box(*local(0, 0), *local(392, 292)),
        "370212001002": box(*local(408, 0), *local(800, 292)),
        "370212001003": box(*local(0, 308), *local(800, 550)),
    }
    c["geometry"] = [shapely.segmentize(inset[k], 10.0) for k in c["code"]]
    s.layers["streets"]["geometry"] = [shapely.union_all(list(inset.values()))]
    return s, {
        "what": "communities drawn to the kerb, the roads between them in none",
        "households_in": _hh(s),
        "good": "0 lost, grids as clean",
    }


@case
def comm_past_road(s: Scene) -> tuple[Scene, dict[str, Any]]:
    # A reaches 7 m past the x=400 road into B's side (a strip of A beyond its road), C
    # reaches 6 m below the y=300 road
    c = s.layers["communities"]
    shapes = {
        "370212001001": box(*local(0, 0), *local(407, 294)),
        "370212001002": box(*local(407, 0), *local(800, 294)),
        "370212001003": box(*local(0, 294), *local(800, 550)),
    }
    c["geometry"] = [shapely.segmentize(shapes[k], 10.0) for k in c["code"]]
    return s, {
        "what": "community boundaries 6-7 m past the road: strips beyond the road, no buildings",
        "households_in": _hh(s),
        "good": "0 lost, no strip grid, convexity as clean",
    }


@case
def roads_citywide(s: Scene) -> tuple[Scene, dict[str, Any]]:
    # the road layer of the whole city (roads 5 km around), not clipped to the street
    rng = np.random.default_rng(34)
    lines = []
    for _ in range(3000):
        x, y = rng.uniform(-2500, 3300), rng.uniform(-2500, 3000)
        if -50 < x < 850 and -50 < y < 600:
            continue
        ang = rng.uniform(0, np.pi)
        lines.append(_line((x, y), (x + 150 * np.cos(ang), y + 150 * np.sin(ang))))
    _roads(s, lines, ["local"] * len(lines), "CW")
    return s, {
        "what": "3,000 roads of the rest of the city around the street",
        "households_in": _hh(s),
        "good": "the clean plan, in about the clean time",
    }


@case
def bld_courtyards(s: Scene) -> tuple[Scene, dict[str, Any]]:
    # courtyard houses (四合院) drawn as one polygon with a hole, some as MultiPolygons of
    # their wings; a household on a lane's building whose yard touches the next one
    b = s.layers["buildings"]
    rng = np.random.default_rng(35)
    geoms = []
    for g in b.geometry:
        x0, y0, x1, y1 = g.bounds
        k = rng.random()
        if k < 0.4 and x1 - x0 > 10:
            geoms.append(g.difference(box(x0 + 3, y0 + 3, x1 - 3, y1 - 3)))  # ring
        elif k < 0.6:
            geoms.append(shapely.MultiPolygon([box(x0, y0, x1, y0 + 3), box(x0, y1 - 3, x1, y1)]))
        else:
            geoms.append(g)
    b["geometry"] = geoms
    return s, {
        "what": "courtyard houses with holes (40%) and as MultiPolygons of two wings (20%)",
        "households_in": _hh(s),
        "good": "the clean plan",
    }


@case
def parcels_zone(s: Scene) -> tuple[Scene, dict[str, Any]]:
    """Parcels plus two land-use zones (0 households) laid over many of them, as a cadastral
    layer that mixes parcels and the zoning polygons (居住用地) they lie in."""
    rng = np.random.default_rng(31)
    geoms, hh, use = _parcels(rng, 0.2)
    geoms += [
        shapely.affinity.translate(box(0, 0, 400, 300), *local(0, 0)),  # community A's land
        shapely.affinity.translate(box(500, 300, 800, 550), *local(0, 0)),  # three blocks of C
    ]
    hh += [0, 0]
    use += ["zone", "zone"]
    s.layers["buildings"] = gpd.GeoDataFrame(
        {"building_id": [f"P{i:04d}" for i in range(len(geoms))], "levels": 1, "households": hh},
        geometry=geoms,
        crs=METRIC,
    )
    return s, {
        "what": "parcels and two zoning polygons over them (0 households): A's whole land, 3 "
        "blocks of C",
        "households_in": _hh(s),
        "good": "A and C still divided into grids of 300-500 (the zones named as suspects), "
        "or refused naming the zones; not one grid of A",
    }


@case
def roads_degenerate(s: Scene) -> tuple[Scene, dict[str, Any]]:
    """Zero-length roads, repeated vertices, a lollipop cul-de-sac and a GPS trace (1,600
    vertices zig-zagging 0.3 m about y=425) drawn over the local road there."""
    rng = np.random.default_rng(36)
    xs = np.linspace(0, 800, 1600)
    trace = _line(*zip(xs, 425 + rng.uniform(-0.3, 0.3, len(xs)), strict=True))
    loop = shapely.LineString(
        [local(250, 300), local(250, 340)]
        + [local(250 + 12 * np.sin(t), 352 - 12 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 24)]
    )
    lines = [
        _line((100, 150), (100, 150)),
        _line((300, 0), (300, 0), (300, 0)),
        _line((500, 0), (500, 50), (500, 50), (500, 150)),
        loop,
        trace,
    ]
    _roads(s, lines, ["local"] * len(lines), "DG")
    return s, {
        "what": "zero-length and repeated-vertex roads, a lollipop, a noisy GPS trace",
        "households_in": _hh(s),
        "good": "the clean plan, no traceback",
    }


def _road_land(s: Scene, pieces: bool) -> tuple[Scene, dict[str, Any]]:
    rng = np.random.default_rng(31)
    geoms, hh, _use = _parcels(rng, 0.2)
    land = shapely.union_all(
        shapely.buffer(s.layers["roads"].geometry.to_numpy(), 5.0, cap_style="flat")
    )
    land = land.intersection(shapely.union_all(s.layers["communities"].geometry.to_numpy()))
    if pieces:  # one parcel per road between crossings (the crossings' squares apart)
        roads = s.layers["roads"].geometry.to_numpy()
        nodes = shapely.union_all(
            [
                shapely.buffer(p, 5.0, cap_style="square")
                for p in shapely.get_parts(
                    shapely.intersection_all(roads)
                    if False
                    else shapely.node(shapely.union_all(roads))
                )
                for p in [shapely.Point(c) for c in shapely.get_coordinates(p)]
            ]
        )
        extra = [
            *shapely.get_parts(land.difference(nodes)),
            *shapely.get_parts(land.intersection(nodes)),
        ]
    else:
        extra = [land]
    geoms += [g for g in extra if g.area > 1]
    hh += [0] * (len(geoms) - len(hh))
    s.layers["buildings"] = gpd.GeoDataFrame(
        {"building_id": [f"P{i:04d}" for i in range(len(geoms))], "levels": 1, "households": hh},
        geometry=geoms,
        crs=METRIC,
    )
    return s, {
        "what": "parcels and the road land (道路用地) as "
        + ("one parcel per road between crossings" if pieces else "one parcel, the whole network"),
        "households_in": _hh(s),
        "good": "as parcels: grids of 300-500, 0 lost",
    }


@case
def parcels_roadland(s: Scene) -> tuple[Scene, dict[str, Any]]:
    return _road_land(s, pieces=False)


@case
def parcels_roadland_pieces(s: Scene) -> tuple[Scene, dict[str, Any]]:
    return _road_land(s, pieces=True)


def old_city_parcels(seed: int = 1, jitter_m: float = 0.3) -> dict[str, gpd.GeoDataFrame]:
    """The old city (``old_city.py``, 12 communities, ~2,000 road segments) with its buildings
    replaced by land parcels: the Voronoi cells of the buildings within each block (blocks =
    the street less 4 m either side of every road), each vertex moved by up to ``jitter_m``
    (slivers and overlaps between neighbours), the building's households on its parcel; every
    10th residential parcel is a shop (0 households). Metric layers, written in EPSG:4490."""
    from old_city import METRIC as OC_METRIC
    from old_city import OUTPUT_CRS, old_city

    layers = {k: v.to_crs(OC_METRIC) for k, v in old_city(seed=seed).items()}
    rng = np.random.default_rng(seed)
    bld = layers["buildings"]
    roads = shapely.union_all(shapely.buffer(layers["roads"].geometry.to_numpy(), 4.0))
    blocks = shapely.get_parts(layers["streets"].geometry.iloc[0].difference(roads))
    pts = shapely.point_on_surface(bld.geometry.to_numpy())
    tree = shapely.STRtree(blocks)
    pi, bi = tree.query(pts, predicate="within")
    geoms, keep = [], []
    for b in np.unique(bi).tolist():
        mine = pi[bi == b]
        if len(mine) == 1:
            cells = [blocks[b]]
        else:
            vor = shapely.voronoi_polygons(shapely.multipoints(pts[mine]), extend_to=blocks[b])
            parts = shapely.get_parts(vor)
            order = shapely.STRtree(parts).query(pts[mine], predicate="within")
            cells = [parts[order[1][order[0] == k][0]] for k in range(len(mine))]
        for k, cell in zip(mine.tolist(), cells, strict=True):
            g = shapely.make_valid(cell.intersection(blocks[b]))
            g = max(shapely.get_parts(g), key=lambda p: p.area)
            xy = shapely.get_coordinates(g.exterior)
            xy[:-1] += rng.uniform(-jitter_m, jitter_m, (len(xy) - 1, 2))
            xy[-1] = xy[0]
            geoms.append(shapely.make_valid(shapely.Polygon(xy)))
            keep.append(k)
    hh = bld["households"].to_numpy()[keep].copy()
    hh[rng.random(len(hh)) < 0.1] = 0
    layers["buildings"] = gpd.GeoDataFrame(
        {"building_id": [f"LP{i:05d}" for i in range(len(geoms))], "levels": 1, "households": hh},
        geometry=geoms,
        crs=OC_METRIC,
    )
    return {k: v.to_crs(OUTPUT_CRS) for k, v in layers.items()}


if __name__ == "__main__":  # python street3_more.py OUT.gpkg: the old city with land parcels
    out = Path(sys.argv[1])
    out.unlink(missing_ok=True)
    for name, frame in old_city_parcels().items():
        frame.to_file(out, layer=name, driver="GPKG")
    print(out, len(frame), "roads")
