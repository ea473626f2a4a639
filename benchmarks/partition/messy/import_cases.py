"""Messy source files for the ``geogrid import`` then ``geogrid partition`` route.

Run: .venv/bin/python benchmarks/partition/messy/import_cases.py OUT_DIR

Each case is a folder of source files (communities, buildings, roads) as a district sends them;
``run_import.sh OUT_DIR`` imports them into a fresh store per case and partitions it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from shapely.geometry import LineString

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from messy.scene import base_scene


def _geojson(frame, path: Path) -> None:  # type: ignore[no-untyped-def]
    path.unlink(missing_ok=True)
    frame.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")


def write(out: Path) -> dict[str, str]:
    """Write the cases under ``out``; return what each is."""
    cases: dict[str, str] = {}
    s = base_scene()
    comm, bld, roads = (s.layers[k] for k in ("communities", "buildings", "roads"))

    d = out / "shp_gk_noprj"  # a projected CGCS2000 GK shapefile whose .prj was lost
    d.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(comm, d / "communities.shp", encoding="UTF-8")
    (d / "communities.prj").unlink()
    _geojson(bld, d / "buildings.geojson")
    _geojson(roads, d / "roads.geojson")
    cases[d.name] = "communities.shp in EPSG:4549 metres with no .prj"

    d = out / "shp_gk_4490_4326"  # the same layers in three CRSs, each labelled right
    d.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(comm.to_crs("EPSG:4490"), d / "communities.shp", encoding="UTF-8")
    pyogrio.write_dataframe(bld, d / "buildings.shp", encoding="UTF-8")  # EPSG:4549
    _geojson(roads, d / "roads.geojson")
    cases[d.name] = "communities in 4490 (shp), buildings in 4549 (shp), roads in WGS 84"

    d = out / "shp_gbk_nocpg"  # Chinese field names and values in GBK, no .cpg
    d.mkdir(parents=True, exist_ok=True)
    gbk = comm.rename(
        columns={
            "code": "社区代码",
            "name": "社区名称",
            "street_code": "街道代码",
            "area_type": "类型",
        }
    )
    gbk["类型"] = "城市社区"
    pyogrio.write_dataframe(gbk, d / "communities.shp", encoding="GBK")
    (d / "communities.cpg").unlink(missing_ok=True)
    _geojson(bld, d / "buildings.geojson")
    _geojson(roads, d / "roads.geojson")
    cases[d.name] = "communities.shp with GBK names 社区代码/社区名称/街道代码/类型, no .cpg"

    d = out / "geojson_households_text"  # households typed as text by hand
    d.mkdir(parents=True, exist_ok=True)
    b = bld.copy()
    hh = b["households"].astype(object)
    hh.iloc[::9] = [f"{v}户" for v in hh.iloc[::9]]
    hh.iloc[4::9] = -3
    b["households"] = hh.astype(str)
    _geojson(comm, d / "communities.geojson")
    _geojson(b, d / "buildings.geojson")
    _geojson(roads, d / "roads.geojson")
    cases[d.name] = "households as text: every 9th '12户' style, every 9th (from 4) '-3'"

    d = out / "geojson_points"  # address points instead of footprints
    d.mkdir(parents=True, exist_ok=True)
    _geojson(comm, d / "communities.geojson")
    _geojson(bld.set_geometry(bld.geometry.centroid), d / "buildings.geojson")
    _geojson(roads, d / "roads.geojson")
    cases[d.name] = "buildings as points"

    d = out / "gcj02_roads_amap"  # roads exported from AMap: GCJ-02 labelled as WGS 84
    d.mkdir(parents=True, exist_ok=True)
    from geogrid.crs import wgs84_to_gcj02

    r = roads.to_crs("EPSG:4326")
    r["geometry"] = [
        LineString(np.column_stack(wgs84_to_gcj02(*np.asarray(g.coords).T))) for g in r.geometry
    ]
    r["adcode"] = "370212"
    _geojson(comm, d / "communities.geojson")
    _geojson(bld, d / "buildings.geojson")
    _geojson(r, d / "roads.geojson")
    cases[d.name] = "roads in GCJ-02 (AMap, with adcode) labelled WGS 84"

    d = out / "roads_cn_z_multi"  # Chinese road classes, Z, MultiLineStrings through import
    d.mkdir(parents=True, exist_ok=True)
    from shapely.geometry import MultiLineString

    r = roads.copy()
    table = {"arterial": "主干路", "secondary": "次干路", "local": "支路"}
    r["road_class"] = [table[c] for c in r["road_class"]]
    r.loc[r.index[1::3], "road_class"] = "胡同"
    r.loc[r.index[2::5], "road_class"] = "小区路"
    r["geometry"] = [MultiLineString([[(x, y, 9.0) for x, y in g.coords]]) for g in r.geometry]
    _geojson(comm, d / "communities.geojson")
    _geojson(bld, d / "buildings.geojson")
    _geojson(r, d / "roads.geojson")
    cases[d.name] = "roads: 主干路/次干路/支路/胡同/小区路, MultiLineString Z"
    d = out / "comm_tjunction"  # C's south edge has no vertex where A meets B (a T-junction)
    d.mkdir(parents=True, exist_ok=True)
    raw = comm.copy()
    raw["geometry"] = shapely.simplify(raw.geometry.to_numpy(), 0.01)  # corners only
    pyogrio.write_dataframe(raw.to_crs("EPSG:4490"), d / "communities.shp", encoding="UTF-8")
    _geojson(bld, d / "buildings.geojson")
    _geojson(roads, d / "roads.geojson")
    cases[d.name] = "communities (4490) whose shared edge lacks the T-junction vertex"
    (out / "import_cases.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1))
    return cases


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    print(json.dumps(write(ap.parse_args().out), ensure_ascii=False, indent=1))
