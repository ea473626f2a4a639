"""Write the bad-file corpus (and the good base layers it is checked against), deterministically.

Run from the repository root: ``.venv/bin/python tests/data/bad/make_corpus.py``. The files are
committed; this script documents how each was made. Everything sits in Laoshan District, Qingdao
(around 120.6 E, 36.1 N), in made-up boxes: two streets, each split into two communities, with a
few buildings per community.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from shapely.geometry import LineString, Point, box

from geogrid.crs import STORAGE_CRS, wgs84_to_gcj02
from geogrid.io.mapping import SHAPEFILE_NAMES

HERE = Path(__file__).resolve().parent
X0, Y0, STEP = 120.60, 36.10, 0.01  # a community is 0.01 x 0.02 degrees (about 0.9 x 2.2 km)


def streets() -> gpd.GeoDataFrame:
    rows = [
        {
            "code": "370212001",
            "name": "沙子口街道",
            "district_code": "370212",
            "geometry": box(X0, Y0, X0 + 2 * STEP, Y0 + 2 * STEP),
        },
        {
            "code": "370212002",
            "name": "王哥庄街道",
            "district_code": "370212",
            "geometry": box(X0 + 2 * STEP, Y0, X0 + 4 * STEP, Y0 + 2 * STEP),
        },
    ]
    return gpd.GeoDataFrame(rows, crs=STORAGE_CRS)


def communities() -> gpd.GeoDataFrame:
    rows = []
    for i in range(4):
        street = f"37021200{1 + i // 2}"
        rows.append(
            {
                "code": f"{street}{1 + i % 2:03d}",
                "name": f"第{i + 1}社区居委会" if i < 3 else "东麦窑村委会",
                "street_code": street,
                "area_type": "urban_community" if i < 3 else "village",
                "geometry": box(X0 + i * STEP, Y0, X0 + (i + 1) * STEP, Y0 + 2 * STEP),
            }
        )
    return gpd.GeoDataFrame(rows, crs=STORAGE_CRS)


def buildings() -> gpd.GeoDataFrame:
    rows = []
    for i in range(4):
        for j in range(3):
            x, y = X0 + i * STEP + 0.002 + j * 0.002, Y0 + 0.005 + j * 0.004
            rows.append(
                {
                    "building_id": f"b{i}{j}",
                    "levels": 2 + j * 5,
                    "households": 40 if (i, j) == (0, 0) else None,
                    "geometry": box(x, y, x + 0.0004, y + 0.0003),
                }
            )
    return gpd.GeoDataFrame(rows, crs=STORAGE_CRS)


def _short(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shapefile field names hold 10 characters; these are the ones geogrid export writes."""
    return frame.rename(columns=SHAPEFILE_NAMES)


def _geojson(frame: gpd.GeoDataFrame, name: str) -> Path:
    path = HERE / name
    path.unlink(missing_ok=True)
    frame.to_file(path, driver="GeoJSON", engine="pyogrio", WRITE_BBOX="NO")
    return path


def _raw_geojson(features: list[dict[str, object]], name: str) -> None:
    """For geometries geopandas will not write (nulls, bow-ties), write the JSON directly."""
    doc = {"type": "FeatureCollection", "features": features}
    (HERE / name).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def _features(frame: gpd.GeoDataFrame) -> list[dict[str, object]]:
    return json.loads(frame.to_json(drop_id=True))["features"]  # type: ignore[no-any-return]


def main() -> None:
    # GeoPackages carry their creation time; a fixed one keeps the bytes the same run to run.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-01-01T00:00:00.000Z"})
    _geojson(streets(), "base_streets.geojson")
    _geojson(communities(), "base_communities.geojson")
    _geojson(buildings(), "base_buildings.geojson")

    # no CRS: a Shapefile without its .prj
    folder = HERE / "no_crs"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    _short(communities()).to_file(folder / "communities.shp", engine="pyogrio", encoding="UTF-8")
    (folder / "communities.prj").unlink()

    # GCJ-02 coordinates (as AMap gives them) in a file that says EPSG:4326
    shifted = communities()
    shifted["geometry"] = shapely.transform(
        shifted.geometry.to_numpy(), lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
    )
    _geojson(shifted, "gcj02_declared_wgs84.geojson")

    # a bow-tie building (self-intersecting ring): repaired and reported
    bow = _features(buildings())
    x, y = X0 + 0.005, Y0 + 0.018
    bow[1]["geometry"] = {
        "type": "Polygon",
        "coordinates": [
            [[x, y], [x + 0.0004, y + 0.0003], [x + 0.0004, y], [x, y + 0.0003], [x, y]]
        ],
    }
    _raw_geojson(bow, "self_intersecting_buildings.geojson")

    # a community drawn over its neighbour (about 50 m x 2.2 km)
    over = communities()
    over.loc[1, "geometry"] = box(X0 + STEP - 0.0006, Y0, X0 + 2 * STEP, Y0 + 2 * STEP)
    _geojson(over, "overlapping_communities.geojson")

    # a strip of about 30 m x 2.2 km that no community covers
    gap = communities()
    gap.loc[1, "geometry"] = box(X0 + STEP + 0.0003, Y0, X0 + 2 * STEP, Y0 + 2 * STEP)
    _geojson(gap, "gap_communities.geojson")

    # empty geometries: a null and an empty polygon
    empty = _features(buildings())
    empty[2]["geometry"] = None
    empty[3]["geometry"] = {"type": "Polygon", "coordinates": []}
    _raw_geojson(empty, "empty_geometries.geojson")

    # wrong geometry types: a point and a line among communities
    wrong = communities()
    wrong.loc[0, "geometry"] = Point(X0 + 0.005, Y0 + 0.01)
    wrong.loc[2, "geometry"] = LineString([(X0 + 2 * STEP, Y0), (X0 + 3 * STEP, Y0 + 2 * STEP)])
    _geojson(wrong, "wrong_geometry_types.geojson")

    # duplicate ids
    dup = buildings()
    dup.loc[5, "building_id"] = dup.loc[4, "building_id"]
    _geojson(dup, "duplicate_ids.geojson")

    # malformed NBS codes: 11 digits, and a community not under its street
    codes = communities()
    codes.loc[0, "code"] = "37021200100"
    codes.loc[3, "code"] = "370212001009"
    _geojson(codes, "bad_codes.geojson")

    # a file without the required name field
    _geojson(
        communities().drop(columns=["name"]).rename(columns={"code": "DM"}), "missing_name.geojson"
    )

    # GB18030 attributes without a .cpg (decoded by the fallback), and bytes no encoding decodes
    folder = HERE / "gb18030"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    _short(communities()).to_file(folder / "communities.shp", engine="pyogrio", encoding="GB18030")
    (folder / "communities.cpg").unlink(missing_ok=True)
    table = communities().drop(columns="geometry")
    table["wkt"] = communities().geometry.to_wkt()
    text = table.to_csv(index=False).encode("utf-8")
    (HERE / "undecodable.csv").write_bytes(text.replace("第3".encode(), b"\xff\xfe\x80"))

    # truncated: a GeoPackage and a GeoJSON cut in half
    whole = HERE / "_whole.gpkg"
    whole.unlink(missing_ok=True)
    buildings().to_file(whole, driver="GPKG", engine="pyogrio")
    data = whole.read_bytes()
    (HERE / "truncated.gpkg").write_bytes(data[: len(data) // 2])
    whole.unlink()
    data = (HERE / "base_buildings.geojson").read_bytes()
    (HERE / "truncated.geojson").write_bytes(data[: len(data) // 2])

    # 3D buildings (Z dropped with a note)
    three = buildings()
    three["geometry"] = shapely.force_3d(three.geometry.to_numpy(), z=12.5)
    _geojson(three, "buildings_3d.geojson")

    # a building outside every community (a warning, not an error)
    stray = buildings()
    stray.loc[0, "geometry"] = box(X0 - 0.01, Y0, X0 - 0.0096, Y0 + 0.0003)
    _geojson(stray, "stray_building.geojson")

    # a bow-tie community: repair leaves two triangles, so the street has a gap -> error
    bowtie = _features(communities())
    x0, x1, y0, y1 = X0 + STEP, X0 + 2 * STEP, Y0, Y0 + 2 * STEP
    bowtie[1]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]],
    }
    _raw_geojson(bowtie, "self_intersecting_community.geojson")


if __name__ == "__main__":
    main()
