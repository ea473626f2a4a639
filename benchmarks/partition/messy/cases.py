"""Messy inputs of the kinds real district data has, each built from the clean ``scene``.

Run: .venv/bin/python benchmarks/partition/messy/cases.py OUT_DIR [--only NAME,...]

Writes ``OUT_DIR/<case>/input.gpkg`` (layers communities / streets / buildings / roads, what
``geogrid partition FILE`` reads) and, for cases that are about reading files, the source
files ``geogrid import`` takes (``*.shp``, ``*.geojson``). ``OUT_DIR/cases.json`` lists each
case: what it is, the households a careful analyst would count in it, and a good answer.
Deterministic; every file is small (well under 2 MB).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from messy.scene import CODES, METRIC, Scene, base_scene, local

Case = Callable[[Scene], tuple[Scene, dict[str, Any]]]
CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    CASES[fn.__name__] = fn
    return fn


def _poly(points: list[tuple[float, float]]) -> Polygon:
    return Polygon([local(x, y) for x, y in points])


def _bld(s: Scene, geoms: list[Any], hh: list[Any], prefix: str) -> None:
    b = s.layers["buildings"]
    extra = gpd.GeoDataFrame(
        {"building_id": [f"{prefix}{i}" for i in range(len(geoms))], "levels": 2, "households": hh},
        geometry=geoms,
        crs=b.crs,
    )
    s.layers["buildings"] = pd.concat([b, extra], ignore_index=True)


def _drop_in(s: Scene, area: Any) -> None:
    b = s.layers["buildings"]
    s.layers["buildings"] = b[~b.intersects(area)].reset_index(drop=True)


def _set_comm(s: Scene, key: str, geom: Any) -> None:
    c = s.layers["communities"]
    c.loc[c["code"] == CODES[key], "geometry"] = gpd.GeoSeries([geom], crs=c.crs).values


def _hh(s: Scene) -> int:
    return int(pd.to_numeric(s.layers["buildings"]["households"], errors="coerce").sum())


@case
def clean(s: Scene) -> tuple[Scene, dict[str, Any]]:
    return s, {"what": "the clean scene every case starts from", "good": "all checks pass"}


# --- communities -------------------------------------------------------------------------
@case
def comm_island(s: Scene) -> tuple[Scene, dict[str, Any]]:
    island = _poly([(150, -120), (230, -120), (230, -60), (150, -60)])
    a = s.layers["communities"].set_index("code").geometry[CODES["A"]]
    _set_comm(s, "A", shapely.MultiPolygon([a, island]))
    _bld(
        s,
        [box(*local(160, -110), *local(175, -100)), box(*local(190, -95), *local(210, -80))],
        [12, 9],
        "ISL",
    )
    return s, {
        "what": "community A is a MultiPolygon with an island piece holding 2 buildings",
        "good": "island grid(s) exempt as detached piece; 0 lost",
    }


@case
def comm_hole_park(s: Scene) -> tuple[Scene, dict[str, Any]]:
    park = _poly([(510, 160), (690, 160), (690, 290), (510, 290)])
    b = s.layers["communities"].set_index("code").geometry[CODES["B"]]
    _drop_in(s, park)
    _set_comm(s, "B", b.difference(park))
    _bld(s, [box(*local(595, 220), *local(605, 228))], [2], "PARK")  # caretaker's lodge
    return s, {
        "what": "community B has a hole (a park, 2.3 ha) with one lodge (2 hh) inside",
        "good": "lodge placed by nearest or listed; grids keep the hole, one polygon each",
    }


@case
def comm_sliver_overlap(s: Scene) -> tuple[Scene, dict[str, Any]]:
    _set_comm(s, "A", _poly([(0, 0), (400.01, 0), (400.01, 300), (0, 300)]))
    return s, {
        "what": "A's east edge 1 cm into B: a 3 m² sliver overlap (digitising)",
        "good": "sliver given to one parent (reported) or a one-line refusal naming "
        "both codes and the area",
    }


@case
def comm_sliver_gap(s: Scene) -> tuple[Scene, dict[str, Any]]:
    _set_comm(s, "A", _poly([(0, 0), (399.99, 0), (399.99, 300), (0, 300)]))
    return s, {"what": "A's east edge 1 cm short of B: a 3 m² gap", "good": "finishes, 0 lost"}


@case
def comm_self_touching(s: Scene) -> tuple[Scene, dict[str, Any]]:
    ring = [
        (0, 300),
        (800, 300),
        (800, 550),
        (400, 550),
        (450, 470),
        (350, 470),
        (400, 550),
        (0, 550),
        (0, 300),
    ]
    _set_comm(s, "C", _poly(ring))  # an ESRI-style inverted hole touching the outer ring
    return s, {
        "what": "community C's ring touches itself (inverted hole, ESRI style)",
        "good": "repaired (make_valid), buildings in the notch placed/listed, 0 lost",
    }


@case
def comm_spikes_dupes(s: Scene) -> tuple[Scene, dict[str, Any]]:
    ring = [
        (0, 0),
        (0, 0),
        (200, 0),
        (200, -40),
        (200, 0),
        (400, 0),
        (400, 0),
        (400, 150),
        (430, 150.001),
        (400, 150.002),
        (400, 300),
        (0, 300),
        (0, 0),
    ]
    _set_comm(s, "A", _poly(ring))
    return s, {
        "what": "A has duplicate vertices, a 40 m spike out and a 30 m spike into B",
        "good": "spikes dropped or harmless; grids one polygon; 0 lost",
    }


@case
def comm_no_buildings(s: Scene) -> tuple[Scene, dict[str, Any]]:
    c = s.layers["communities"]
    d = gpd.GeoDataFrame(
        {
            "code": ["370212001004"],
            "name": ["空社区"],
            "street_code": "370212001",
            "area_type": "urban_community",
        },
        geometry=[_poly([(800, 0), (1000, 0), (1000, 300), (800, 300)])],
        crs=c.crs,
    )
    s.layers["communities"] = pd.concat([c, d], ignore_index=True)
    return s, {
        "what": "a fourth community (6 ha) without buildings",
        "good": "one empty grid named in empty_grids; nothing else changes",
    }


@case
def comm_huge_tower(s: Scene) -> tuple[Scene, dict[str, Any]]:
    blk = _poly([(100, 0), (200, 0), (200, 150), (100, 150)])
    _drop_in(s, blk)
    _bld(s, [box(*local(120, 40), *local(180, 70))], [820], "TOWER")
    return s, {
        "what": "A holds one tower of 820 households (over the 500 band)",
        "good": "the tower a grid alone (exempt: single_over_band_building), rest in band",
    }


@case
def street_only(s: Scene) -> tuple[Scene, dict[str, Any]]:
    del s.layers["communities"]
    return s, {
        "what": "a street-level file with no communities layer",
        "good": "the street divided as one parent, or a one-line refusal",
    }


# --- buildings ---------------------------------------------------------------------------
@case
def bld_straddle(s: Scene) -> tuple[Scene, dict[str, Any]]:
    _bld(
        s,
        [box(*local(385, 60), *local(420, 75)), box(*local(395, 200), *local(402, 212))],
        [40, 6],
        "STR",
    )
    return s, {
        "what": "two buildings straddle the A/B boundary (40 and 6 hh)",
        "good": "each in the parent holding most of it, whole; 0 lost",
    }


@case
def bld_outside(s: Scene) -> tuple[Scene, dict[str, Any]]:
    _bld(
        s,
        [box(*local(50, -25), *local(65, -15)), box(*local(300, -600), *local(320, -590))],
        [10, 30],
        "OUT",
    )
    return s, {
        "what": "one building 15 m outside A (10 hh), one 590 m away (30 hh)",
        "good": "near one placed by nearest; far one listed unassigned with reason",
    }


@case
def bld_households_messy(s: Scene) -> tuple[Scene, dict[str, Any]]:
    b = s.layers["buildings"]
    hh = b["households"].astype(object)
    n = len(b)
    idx = np.arange(0, n, 7)
    values = ["12户", None, 0, -5, "8", " 15 ", "约20", "3.0"]
    true = [12, None, 0, None, 8, 15, 20, 3]
    truth = int(hh.drop(hh.index[idx]).astype(int).sum())
    for k, i in enumerate(idx):
        hh.iloc[i] = values[k % len(values)]
        truth += true[k % len(values)] or 0
    b["households"] = hh.astype(str).where(hh.notna(), None)
    return s, {
        "what": "households as text: '12户', '8', ' 15 ', '约20', '3.0', missing, 0, -5 "
        f"(every 7th building, {len(idx)} in all)",
        "good": "'12户' read as 12 or refused naming the feature; -5 refused; "
        "estimates reported; never a silent estimate for '12户'",
        "households_readable": truth,
    }


@case
def bld_floors_only(s: Scene) -> tuple[Scene, dict[str, Any]]:
    s.layers["buildings"] = s.layers["buildings"].drop(columns="households")
    return s, {
        "what": "no households column, only levels (floors)",
        "good": "households estimated from footprint x levels and the count reported",
    }


@case
def bld_duplicates(s: Scene) -> tuple[Scene, dict[str, Any]]:
    b = s.layers["buildings"]
    dup = b.iloc[::25].copy()
    dup2 = b.iloc[1::25].copy()
    dup2["building_id"] = dup2["building_id"] + "_copy"
    s.layers["buildings"] = pd.concat([b, dup, dup2], ignore_index=True)
    return s, {
        "what": f"{len(dup)} footprints repeated with the same id, {len(dup2)} with a "
        "new id (same geometry)",
        "good": "duplicates dropped or at least reported; households not doubled",
        "households_dedup": int(b["households"].sum()),
    }


@case
def bld_bowtie(s: Scene) -> tuple[Scene, dict[str, Any]]:
    b = s.layers["buildings"]
    for i in range(3, len(b), 40):
        x0, y0, x1, y1 = b.geometry.iloc[i].bounds
        b.loc[i, "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    return s, {
        "what": "every 40th footprint a bow-tie (self-crossing)",
        "good": "made valid, kept whole in one grid; 0 lost",
    }


@case
def bld_points(s: Scene) -> tuple[Scene, dict[str, Any]]:
    b = s.layers["buildings"]
    s.layers["buildings"] = b.set_geometry(b.geometry.centroid)
    return s, {
        "what": "buildings as points (address points), not footprints",
        "good": "divided by points or a one-line refusal naming the layer and type",
    }


# --- roads -------------------------------------------------------------------------------
@case
def road_dangles_odd(s: Scene) -> tuple[Scene, dict[str, Any]]:
    r = s.layers["roads"]
    x_start = np.asarray([g.coords[0][0] for g in r.geometry])
    north = []
    for x in (100, 200, 300, 500, 600, 700):
        i = r.index[np.abs(x_start - local(x, 0)[0]) < 1e-6][0]
        # in A / B: stops 12 m short of y=0 and y=300, its ends bent by up to 35 degrees;
        # the stretch in C (y 300-550) stays as it was, a road of its own
        pts = [(x + 14, 12), (x, 52), (x, 260), (x - 10, 288)]
        r.loc[i, "geometry"] = LineString([local(*p) for p in pts])
        north.append(LineString([local(x, 300), local(x, 550)]))
    extra = gpd.GeoDataFrame(
        {"road_id": [f"N{k}" for k in range(len(north))], "road_class": "local", "name": "北段"},
        geometry=north,
        crs=r.crs,
    )
    s.layers["roads"] = pd.concat([r, extra], ignore_index=True)
    return s, {
        "what": "six streets of A and B stop 10-12 m short of the boundary, bent ends",
        "good": "extended to the boundary (network.dangles_extended), proximity >= 90%",
    }


@case
def road_crossing(s: Scene) -> tuple[Scene, dict[str, Any]]:
    r = s.layers["roads"]
    r["geometry"] = [shapely.affinity.scale(g, 1.15, 1.15) for g in r.geometry]
    return s, {
        "what": "every road overshoots the street outline by 7.5% (up to 60 m)",
        "good": "clipped, same grids as the clean scene",
    }


@case
def road_ring(s: Scene) -> tuple[Scene, dict[str, Any]]:
    ring = Point(local(600, 425)).buffer(90, quad_segs=16).exterior
    _bld_add = gpd.GeoDataFrame(
        {"road_id": ["RING"], "road_class": ["secondary"], "name": ["环路"]},
        geometry=[LineString(ring.coords)],
        crs=s.layers["roads"].crs,
    )
    s.layers["roads"] = pd.concat([s.layers["roads"], _bld_add], ignore_index=True)
    return s, {"what": "a ring road (closed line, r=90 m) in C", "good": "finishes; 0 lost"}


@case
def road_duplicates(s: Scene) -> tuple[Scene, dict[str, Any]]:
    r = s.layers["roads"]
    part = r.copy()
    part["geometry"] = [
        shapely.ops.substring(g, 0.1 * g.length, 0.7 * g.length) for g in part.geometry
    ]
    part["road_id"] = part["road_id"] + "p"
    s.layers["roads"] = pd.concat([r, r, part], ignore_index=True)
    return s, {
        "what": "every road twice plus an overlapping piece of each",
        "good": "duplicates removed (network.duplicates_removed), same plan as clean",
    }


@case
def road_multi(s: Scene) -> tuple[Scene, dict[str, Any]]:
    r = s.layers["roads"]
    g = r.geometry.to_numpy()
    merged = [
        MultiLineString([g[i], g[i + 1]]) if i + 1 < len(g) else MultiLineString([g[i]])
        for i in range(0, len(g), 2)
    ]
    s.layers["roads"] = gpd.GeoDataFrame(
        {
            "road_id": [f"M{i}" for i in range(len(merged))],
            "road_class": r["road_class"].iloc[::2].to_numpy(),
            "name": "多线",
        },
        geometry=merged,
        crs=r.crs,
    )
    return s, {
        "what": "roads as MultiLineStrings (two streets per feature)",
        "good": "same plan as clean",
    }


@case
def road_z(s: Scene) -> tuple[Scene, dict[str, Any]]:
    r = s.layers["roads"]
    r["geometry"] = [LineString([(x, y, 12.5) for x, y in g.coords]) for g in r.geometry]
    return s, {"what": "roads with Z coordinates", "good": "Z dropped; same plan as clean"}


@case
def road_class_cn(s: Scene) -> tuple[Scene, dict[str, Any]]:
    r = s.layers["roads"]
    table = {"arterial": "主干路", "secondary": "次干路", "local": "支路"}
    r["road_class"] = [table[c] for c in r["road_class"]]
    r.loc[r.index[1::3], "road_class"] = "胡同"
    r.loc[r.index[2::5], "road_class"] = "小区路"
    return s, {
        "what": "road_class in Chinese: 主干路, 次干路, 支路, 小区路, 胡同",
        "good": "classed major / secondary / local as their English equivalents",
    }


@case
def road_class_osm(s: Scene) -> tuple[Scene, dict[str, Any]]:
    r = s.layers["roads"]
    table = {"arterial": "primary", "secondary": "tertiary", "local": "residential"}
    r["road_class"] = [table[c] for c in r["road_class"]]
    r.loc[r.index[1::4], "road_class"] = "service"
    r.loc[r.index[3::6], "road_class"] = "footway"
    return s, {"what": "road_class as OSM highway values", "good": "classed as documented"}


# --- CRS ---------------------------------------------------------------------------------
@case
def crs_mixed(s: Scene) -> tuple[Scene, dict[str, Any]]:
    s.layers["communities"] = s.layers["communities"].to_crs("EPSG:4490")
    s.layers["streets"] = s.layers["streets"].to_crs("EPSG:4490")
    s.layers["roads"] = s.layers["roads"].to_crs("EPSG:4326")
    return s, {
        "what": "communities in CGCS2000 (4490), buildings in GK CM120E (4549), roads "
        "in WGS 84, one GeoPackage",
        "good": "same plan as clean",
    }


@case
def crs_gcj02_roads(s: Scene) -> tuple[Scene, dict[str, Any]]:
    from geogrid.crs import wgs84_to_gcj02

    r = s.layers["roads"].to_crs("EPSG:4326")
    r["geometry"] = [
        LineString(np.column_stack(wgs84_to_gcj02(*np.asarray(g.coords).T))) for g in r.geometry
    ]
    s.layers["roads"] = r
    return s, {
        "what": "roads in GCJ-02 labelled WGS 84 (from an AMap export), the rest right",
        "good": "suspected_gcj02 / misaligned warning; with --source-crs gcj02 the clean plan",
    }


@case
def bld_households_text(s: Scene) -> tuple[Scene, dict[str, Any]]:
    b = s.layers["buildings"]
    hh = b["households"].astype(object)
    idx = np.arange(0, len(b), 7)
    truth = int(b["households"].sum())
    for k, i in enumerate(idx):
        v = int(b["households"].iloc[i])
        hh.iloc[i] = [f"{v}户", f" {v} ", f"约{v}", f"{v}.0"][k % 4]
    b["households"] = hh.astype(str)
    return s, {
        "what": f"households as text for {len(idx)} buildings: '12户', ' 12 ', '约12', "
        "'12.0' (the rest plain numbers in a text column)",
        "good": "read as the number, or refused naming the feature; never silently "
        "replaced by an estimate",
        "households_readable": truth,
    }


@case
def comm_z(s: Scene) -> tuple[Scene, dict[str, Any]]:
    c = s.layers["communities"]
    c["geometry"] = [Polygon([(x, y, 30.0) for x, y in g.exterior.coords]) for g in c.geometry]
    return s, {
        "what": "community polygons with Z (a CAD / survey export)",
        "good": "Z dropped; same plan as clean",
    }


@case
def bld_z(s: Scene) -> tuple[Scene, dict[str, Any]]:
    b = s.layers["buildings"]
    b["geometry"] = [Polygon([(x, y, 8.0) for x, y in g.exterior.coords]) for g in b.geometry]
    return s, {"what": "building footprints with Z", "good": "Z dropped; same plan as clean"}


@case
def comm_sliver_piece(s: Scene) -> tuple[Scene, dict[str, Any]]:
    a = s.layers["communities"].set_index("code").geometry[CODES["A"]]
    crumb = _poly([(100, -3), (102, -3), (101, -5)])  # a 2 m² digitising crumb 3 m off A
    _set_comm(s, "A", shapely.MultiPolygon([a, crumb]))
    return s, {
        "what": "community A carries a 2 m² crumb 3 m outside it (a MultiPolygon)",
        "good": "the crumb dropped or joined to a grid; no 2 m² grid, no multipart grid",
    }


@case
def comm_null_geom(s: Scene) -> tuple[Scene, dict[str, Any]]:
    c = s.layers["communities"]
    d = gpd.GeoDataFrame(
        {"code": ["370212001009"], "name": ["无图形社区"], "street_code": "370212001"},
        geometry=[None],
        crs=c.crs,
    )
    s.layers["communities"] = pd.concat([c, d], ignore_index=True)
    return s, {
        "what": "a community row without geometry (a null shape in the attribute table)",
        "good": "a one-line refusal naming the feature, or the row skipped with a note",
    }


@case
def bld_null_geom(s: Scene) -> tuple[Scene, dict[str, Any]]:
    b = s.layers["buildings"]
    b.loc[b.index[5::60], "geometry"] = None
    b.loc[b.index[6::60], "geometry"] = Polygon()
    return s, {
        "what": "some buildings with a null or empty geometry (their households count)",
        "good": "listed unassigned with a reason (no geometry) or refused naming them",
    }


@case
def road_null_geom(s: Scene) -> tuple[Scene, dict[str, Any]]:
    r = s.layers["roads"]
    r.loc[r.index[3], "geometry"] = None
    r.loc[r.index[4], "geometry"] = LineString()
    return s, {"what": "a road with a null and one with an empty geometry", "good": "skipped"}


@case
def comm_code_float(s: Scene) -> tuple[Scene, dict[str, Any]]:
    c = s.layers["communities"]
    c["code"] = c["code"].astype(float)  # a numeric DBF / Excel column
    c["street_code"] = c["street_code"].astype(float)
    return s, {
        "what": "community codes stored as numbers (370212001001.0), as a DBF / Excel gives",
        "good": "codes read as 12-digit text; grid codes 15 digits; or a refusal naming it",
    }


@case
def comm_area_type_cn(s: Scene) -> tuple[Scene, dict[str, Any]]:
    c = s.layers["communities"]
    c["area_type"] = ["城市社区", "社区", "农村"]
    return s, {
        "what": "area_type in Chinese (城市社区, 社区, 农村) in the partition file",
        "good": "read as urban_community / general_rural as the importer does",
    }


@case
def bld_across_road(s: Scene) -> tuple[Scene, dict[str, Any]]:
    _drop_in(s, _poly([(180, 160), (320, 160), (320, 290), (180, 290)]))
    _bld(s, [box(*local(185, 170), *local(315, 280))], [300], "MALL")
    return s, {
        "what": "a 130 m x 110 m complex (300 hh) built over two local roads",
        "good": "kept whole in one grid; 0 lost",
    }


@case
def comm_enclave(s: Scene) -> tuple[Scene, dict[str, Any]]:
    c = s.layers["communities"]
    inner = _poly([(150, 330), (350, 330), (350, 520), (150, 520)])
    cg = c.set_index("code").geometry[CODES["C"]]
    _set_comm(s, "C", cg.difference(inner))
    d = gpd.GeoDataFrame(
        {
            "code": ["370212001004"],
            "name": ["园中社区"],
            "street_code": "370212001",
            "area_type": "urban_community",
        },
        geometry=[inner],
        crs=c.crs,
    )
    s.layers["communities"] = pd.concat([s.layers["communities"], d], ignore_index=True)
    return s, {
        "what": "community D lies inside C (C has a hole where D is)",
        "good": "both divided, grids of C wrap D only as C does; 0 lost",
    }


def write(out: Path, names: list[str] | None = None) -> dict[str, Any]:
    """Write every case (or ``names``) under ``out``; return the case list."""
    out.mkdir(parents=True, exist_ok=True)
    index = out / "cases.json"
    listing: dict[str, Any] = json.loads(index.read_text()) if names and index.exists() else {}
    for name, fn in CASES.items():
        if names and name not in names:
            continue
        s, meta = fn(base_scene())
        d = out / name
        d.mkdir(exist_ok=True)
        gpkg = d / "input.gpkg"
        gpkg.unlink(missing_ok=True)
        for layer, frame in s.layers.items():
            frame.to_file(gpkg, layer=layer, driver="GPKG")
        meta["households_in"] = _hh(s) if "households" in s.layers["buildings"] else None
        listing[name] = meta
    index.write_text(json.dumps(listing, ensure_ascii=False, indent=1))
    return listing


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--only")
    a = ap.parse_args()
    print(
        json.dumps(
            write(a.out, a.only.split(",") if a.only else None), ensure_ascii=False, indent=1
        )
    )


if __name__ == "__main__":
    _ = METRIC
    main()
