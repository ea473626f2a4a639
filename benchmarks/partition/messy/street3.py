"""Third round of messy inputs: kinds a real old-city street's data has that ``cases.py`` does
not try (land parcels as the buildings layer, dual carriageways, dense hutong lanes, overpasses
and a road drawn twice, community boundaries drawn along the kerb or past the road).

Run: .venv/bin/python benchmarks/partition/messy/street3.py OUT_DIR [--only NAME,...]
then  .venv/bin/python benchmarks/partition/messy/run.py OUT_DIR [--geogrid PATH]

Each case starts from the clean three-community ``scene`` and writes ``OUT_DIR/<case>/input.gpkg``
and a line in ``OUT_DIR/cases.json`` (what it is, households in, a good answer). Deterministic,
each file well under 2 MB. Kinds 1-4 are here, kind 5 (what else a real street has) in
``street3_more.py``; findings in ``FINDINGS.md`` (third round).
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
from shapely.geometry import LineString, MultiLineString, Point, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from messy.scene import METRIC, Scene, base_scene, local

Case = Callable[[Scene], tuple[Scene, dict[str, Any]]]
CASES: dict[str, Case] = {}
BANDS = [(0, 150), (150, 300), (300, 425), (425, 550)]


def case(fn: Case) -> Case:
    CASES[fn.__name__] = fn
    return fn


def _line(*pts: tuple[float, float]) -> LineString:
    return LineString([local(x, y) for x, y in pts])


def _roads(s: Scene, lines: list[Any], classes: list[str], prefix: str) -> None:
    r = s.layers["roads"]
    extra = gpd.GeoDataFrame(
        {
            "road_id": [f"{prefix}{i:03d}" for i in range(len(lines))],
            "road_class": classes,
            "name": [f"{prefix}{i}" for i in range(len(lines))],
        },
        geometry=lines,
        crs=r.crs,
    )
    s.layers["roads"] = pd.concat([r, extra], ignore_index=True)


def _drop_roads(s: Scene, keep: Callable[[Any], bool]) -> None:
    r = s.layers["roads"]
    s.layers["roads"] = r[[keep(g) for g in r.geometry]].reset_index(drop=True)


def _drop_buildings_near(s: Scene, geom: Any, dist: float) -> None:
    b = s.layers["buildings"]
    s.layers["buildings"] = b[b.distance(geom) > dist].reset_index(drop=True)


def _hh(s: Scene) -> int:
    return int(pd.to_numeric(s.layers["buildings"]["households"], errors="coerce").sum())


def _jitter(poly: Any, rng: np.random.Generator, amp: float) -> Any:
    """Each vertex moved by up to ``amp`` metres: neighbours no longer share their edges
    exactly (slivers and overlaps of 0.1-0.5 m, as cadastral data has)."""
    xy = np.asarray(poly.exterior.coords)[:-1]
    xy = xy + rng.uniform(-amp, amp, xy.shape)
    return shapely.Polygon(np.vstack([xy, xy[:1]]))


# --- 1. land parcels as the buildings layer ----------------------------------------------
def _parcels(rng: np.random.Generator, amp: float) -> tuple[list[Any], list[int], list[str]]:
    geoms, hh, use = [], [], []
    for bx in range(0, 800, 100):
        for by0, by1 in BANDS:
            x0, y0, x1, y1 = bx + 5, by0 + 5, bx + 95, by1 - 5  # to the kerb, 5 m off centre
            if (bx, by0) in ((200, 0), (500, 300)):  # a school / a factory: one big parcel
                geoms.append(shapely.segmentize(box(x0, y0, x1, y1), 10.0))
                hh.append(0 if bx == 200 else 4)  # a caretaker's family at the factory
                use.append("school" if bx == 200 else "industrial")
                continue
            xs = np.linspace(x0, x1, int(rng.integers(3, 6)) + 1)
            ys = np.linspace(y0, y1, int(rng.integers(4, 7)) + 1)
            # shared vertices jittered once so neighbours gap or overlap by a few decimetres
            jx = rng.uniform(-amp, amp, (len(xs), len(ys)))
            jy = rng.uniform(-amp, amp, (len(xs), len(ys)))
            for i in range(len(xs) - 1):
                for j in range(len(ys) - 1):
                    corners = [(i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)]
                    ring = [
                        (
                            xs[a] + jx[a, b] * (0 < a < len(xs) - 1),
                            ys[b] + jy[a, b] * (0 < b < len(ys) - 1),
                        )
                        for a, b in corners
                    ]
                    # each parcel's own digitising: up to 0.3 m more, per vertex
                    ring = [
                        (x + rng.uniform(-0.3, 0.3), y + rng.uniform(-0.3, 0.3)) for x, y in ring
                    ]
                    geoms.append(shapely.Polygon(ring))
                    shop = rng.random() < 0.15
                    hh.append(0 if shop else int(rng.integers(4, 20)))
                    use.append("commercial" if shop else "residential")
    return [shapely.affinity.translate(g, *local(0, 0)) for g in geoms], hh, use


@case
def parcels(s: Scene) -> tuple[Scene, dict[str, Any]]:
    rng = np.random.default_rng(31)
    geoms, hh, use = _parcels(rng, 0.2)
    s.layers["buildings"] = gpd.GeoDataFrame(
        {
            "building_id": [f"P{i:04d}" for i in range(len(geoms))],
            "levels": 1,
            "households": hh,
            "use": use,
        },
        geometry=geoms,
        crs=METRIC,
    )
    return s, {
        "what": "cadastral land parcels tile each block (0.1-0.5 m slivers/overlaps between "
        "neighbours), households per parcel (15% 0), a school block and a factory block",
        "households_in": _hh(s),
        "good": "0 lost; no 'overlapping footprints' suspects for touching parcels; grids "
        "follow parcel edges; seconds",
    }


@case
def parcels_fine(s: Scene) -> tuple[Scene, dict[str, Any]]:
    """Many small parcels (5x the count): the speed of the overlap checks and of the cells."""
    rng = np.random.default_rng(32)
    geoms, hh, use = [], [], []
    for g, h, u in zip(*_parcels(rng, 0.2), strict=True):
        if h == 0 or g.area < 400:
            geoms.append(g)
            hh.append(h)
            use.append(u)
            continue
        x0, y0, x1, y1 = g.bounds
        for k in range(4):  # four strips, each a quarter of the households
            strip = box(x0 + (x1 - x0) * k / 4, y0, x0 + (x1 - x0) * (k + 1) / 4, y1)
            geoms.append(_jitter(g.intersection(strip).envelope, rng, 0.15))
            hh.append(h // 4 + (k < h % 4))
            use.append(u)
    s.layers["buildings"] = gpd.GeoDataFrame(
        {"building_id": [f"Q{i:05d}" for i in range(len(geoms))], "levels": 1, "households": hh},
        geometry=geoms,
        crs=METRIC,
    )
    return s, {"what": "parcels cut in strips", "households_in": _hh(s), "good": "as parcels"}


# --- 2. dual carriageways, a roundabout, slip roads --------------------------------------
@case
def dual_carriageway(s: Scene) -> tuple[Scene, dict[str, Any]]:
    # x=200 (in A) and y=150 (in B) become two one-way carriageways 24 m / 20 m apart, with a
    # roundabout where x=200's pair meets y=150, and slip roads from the carriageways
    cx, cy, r = 200.0, 150.0, 26.0
    ring = Point(local(cx, cy)).buffer(r, quad_segs=16).exterior
    old = [_line((200, 0), (200, 550)), _line((0, 150), (800, 150))]
    _drop_roads(s, lambda g: not any(g.equals(o) for o in old))
    lines = [
        _line((188, 0), (188, 150 - r + 1)),
        _line((212, 0), (212, 150 - r + 1)),
        _line((188, 150 + r - 1), (188, 300)),
        _line((212, 150 + r - 1), (212, 300)),
        _line((200, 300), (200, 550)),
        _line((0, 150), (cx - r, 150)),
        _line((cx + r, 150), (400, 150)),
        _line((400, 140), (800, 140)),
        _line((400, 160), (800, 160)),
        _line((400, 150), (420, 140)),  # slip roads into the carriageways
        _line((400, 150), (420, 160)),
        _line((212, 60), (230, 40), (300, 40)),  # an off-ramp into the block
        _line((188, 250), (170, 270), (100, 270)),
    ]
    _roads(
        s,
        [*lines, ring],
        ["arterial"] * 5 + ["local", "local"] + ["arterial"] * 2 + ["local"] * 4 + ["arterial"],
        "DC",
    )
    for g in [*lines, ring]:
        _drop_buildings_near(s, g, 3.0)
    return s, {
        "what": "two arterials drawn as dual carriageways (24 m, 20 m apart: long thin empty "
        "medians), a roundabout, slip roads",
        "households_in": _hh(s),
        "good": "no sliver grid, no median strip tacked onto one grid, proximity counts a "
        "boundary between the carriageways as on the road",
    }


# --- 3. dense hutong lanes ----------------------------------------------------------------
def _lanes(rng: np.random.Generator, n: int) -> list[LineString]:
    out = []
    for _ in range(n):
        bx = int(rng.integers(0, 8)) * 100
        by0, by1 = BANDS[int(rng.integers(0, 4))]
        if rng.random() < 0.6:  # north-south from the block's south or north edge
            x = bx + rng.uniform(10, 90)
            reach = rng.uniform(20, by1 - by0)  # < the full depth: ends inside the block
            y0, y1 = (by0, by0 + reach) if rng.random() < 0.5 else (by1, by1 - reach)
            pts = [(x, y0), (x + rng.normal(0, 2), (y0 + y1) / 2), (x + rng.normal(0, 2), y1)]
        else:  # east-west from the west or east edge
            y = by0 + rng.uniform(10, by1 - by0 - 10)
            reach = rng.uniform(15, 100)
            x0, x1 = (bx, bx + reach) if rng.random() < 0.5 else (bx + 100, bx + 100 - reach)
            pts = [(x0, y), ((x0 + x1) / 2, y + rng.normal(0, 2)), (x1, y + rng.normal(0, 2))]
        out.append(_line(*pts))
    return out


@case
def hutong(s: Scene) -> tuple[Scene, dict[str, Any]]:
    rng = np.random.default_rng(33)
    lanes = _lanes(rng, 420)  # ~1,800 segments for 12 communities, scaled to 3
    # lanes grouped into MultiLineStrings of up to 3, with a Z (elevation) on every vertex
    multis = []
    for i in range(0, len(lanes), 3):
        parts = [
            LineString([(x, y, 20.0 + rng.uniform(0, 3)) for x, y in g.coords])
            for g in lanes[i : i + 3]
        ]
        multis.append(MultiLineString(parts))
    _roads(s, multis, ["胡同"] * len(multis), "HT")
    crossed = int(s.layers["buildings"].intersects(shapely.union_all(lanes)).sum())
    return s, {
        "what": f"{len(lanes)} hutong lanes (Z, MultiLineString of 3), many dead-ending inside "
        f"blocks, {crossed} buildings with a lane drawn through them",
        "households_in": _hh(s),
        "good": "0 lost, buildings whole, no traceback, seconds",
    }


# --- 4. overpasses and a road drawn twice -------------------------------------------------
@case
def overpass(s: Scene) -> tuple[Scene, dict[str, Any]]:
    # an elevated expressway across the scene, crossing every road without a node, and the
    # local road x=100 drawn twice (a second copy, another id and class, reversed)
    viaduct = _line((-50, 80), (850, 480))
    dup = _line((100, 550), (100, 0))
    r = s.layers["roads"]
    extra = gpd.GeoDataFrame(
        {
            "road_id": ["VIA1", "DUP1"],
            "road_class": ["expressway", "secondary"],
            "name": ["高架路", "路1"],
            "bridge": ["yes", None],
            "layer": [1, 0],
        },
        geometry=[viaduct, dup],
        crs=r.crs,
    )
    s.layers["roads"] = pd.concat([r, extra], ignore_index=True)
    return s, {
        "what": "an elevated expressway crossing the scene without nodes (bridge=yes, "
        "layer=1, over buildings), a local road drawn twice with another id and class",
        "households_in": _hh(s),
        "good": "0 lost, buildings whole, the duplicate does not change the plan",
    }


@case
def parcels_hutong(s: Scene) -> tuple[Scene, dict[str, Any]]:
    """Parcels and 420 hutong lanes drawn over them (a lane's centre line crosses the parcels
    it runs between, dead ends inside blocks)."""
    rng = np.random.default_rng(37)
    geoms, hh, _use = _parcels(rng, 0.2)
    s.layers["buildings"] = gpd.GeoDataFrame(
        {"building_id": [f"P{i:04d}" for i in range(len(geoms))], "levels": 1, "households": hh},
        geometry=geoms,
        crs=METRIC,
    )
    lanes = _lanes(rng, 420)
    _roads(s, lanes, ["胡同"] * len(lanes), "HT")
    return s, {
        "what": "parcels crossed by 420 hutong lanes",
        "households_in": _hh(s),
        "good": "0 lost, parcels whole, grids in one piece, seconds",
    }


@case
def dual_on_boundary(s: Scene) -> tuple[Scene, dict[str, Any]]:
    """The y=300 arterial between A/B and C as two carriageways 30 m apart, the community
    boundary on the median's centre line (as boundaries are drawn on a road's centre)."""
    _drop_roads(s, lambda g: not g.equals(_line((0, 300), (800, 300))))
    lines = [_line((0, 285), (800, 285)), _line((0, 315), (800, 315))]
    lines += [_line((x, 285), (x, 315)) for x in (100, 300, 500, 700)]  # openings in the median
    _roads(s, lines, ["arterial"] * 2 + ["local"] * 4, "DB")
    for g in lines:
        _drop_buildings_near(s, g, 3.0)
    return s, {
        "what": "a dual carriageway 30 m apart on a community boundary, median openings",
        "households_in": _hh(s),
        "good": "no median strip grid, 0 lost",
    }


@case
def road_twice_offset(s: Scene) -> tuple[Scene, dict[str, Any]]:
    """Roads drawn twice by two sources, a little apart (not the same geometry): x=100 again
    0.4 m east with other vertices, y=425 again 1.5 m north, x=600 again 3 m west, each with
    another id and class; thin empty strips run between the copies."""
    rng = np.random.default_rng(38)
    ys = np.linspace(0, 550, 23)
    lines = [
        _line(*[(100.4 + rng.uniform(-0.05, 0.05), y) for y in ys]),
        _line((0, 426.5), (800, 426.5)),
        _line((597, 550), (597, 0)),
    ]
    _roads(s, lines, ["secondary", "arterial", "secondary"], "TW")
    return s, {
        "what": "three roads drawn twice, 0.4 m, 1.5 m and 3 m apart",
        "households_in": _hh(s),
        "good": "the clean plan: no grid holds a strip between copies",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--only")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    from messy import street3, street3_more  # noqa: F401  (registers the cases of kind 5)

    listing = {}
    for name, fn in street3.CASES.items():
        if a.only and name not in a.only.split(","):
            continue
        scene, meta = fn(base_scene())
        d = a.out / name
        d.mkdir(exist_ok=True)
        path = d / "input.gpkg"
        path.unlink(missing_ok=True)
        for layer, df in scene.layers.items():
            df.to_file(path, layer=layer, driver="GPKG")
        listing[name] = meta
        print(name, meta["households_in"], meta["what"][:80], flush=True)
    (a.out / "cases.json").write_text(json.dumps(listing, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
