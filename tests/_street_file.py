"""A tiny street's input file for ``geogrid partition FILE``, built in the test's folder: two
communities side by side (lon/lat), 8 buildings of 20 households in each."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
from _cli import run_geogrid

STREET = "370212001"
WEST, EAST = f"{STREET}001", f"{STREET}002"
HOUSEHOLDS = 20
# a line through the buildings of both communities
ROAD = shapely.LineString([(120.500, 36.2010), (120.510, 36.2010)])


def communities(west: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """The two communities; ``west`` replaces the western one's square."""
    squares = [shapely.box(120.500, 36.200, 120.505, 36.205), shapely.box(120.505, 36.200,
               120.510, 36.205)]  # fmt: skip
    return gpd.GeoDataFrame(
        {"code": [WEST, EAST], "name": ["甲", "乙"], "street_code": [STREET] * 2},
        geometry=[west if west is not None else squares[0], squares[1]],
        crs="EPSG:4326",
    )


def buildings(households: list[object] | None = None) -> gpd.GeoDataFrame:
    """16 buildings, 8 in each community (ids b00..b15, west first)."""
    geoms = []
    for col in range(8):
        for row in range(2):
            x, y = 120.5008 + col * 0.0012, 36.2015 + row * 0.0015
            geoms.append(shapely.box(x, y, x + 0.0002, y + 0.0002))
    values = households if households is not None else [HOUSEHOLDS] * len(geoms)
    return gpd.GeoDataFrame(
        {"building_id": [f"b{i:02d}" for i in range(len(geoms))], "households": values},
        geometry=geoms,
        crs="EPSG:4326",
    )


def write(tmp_path: Path, **layers: gpd.GeoDataFrame) -> Path:
    """The file ``in.gpkg`` with these layers (communities and buildings by default)."""
    path = tmp_path / "in.gpkg"
    frames = {"communities": communities(), "buildings": buildings()} | layers
    for name, frame in frames.items():
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return path


def roads() -> gpd.GeoDataFrame:
    """One primary road, ``ROAD``."""
    return gpd.GeoDataFrame({"road_class": ["primary"]}, geometry=[ROAD], crs="EPSG:4326")


def zipped(tmp_path: Path, encoding: str, *, folder: str = "") -> Path:
    """Shapefiles 社区, 房屋 and 道路 zipped with their names in ``encoding`` and no UTF-8 flag
    (Python's zipfile sets it for every name it cannot write in ASCII: the names are written
    as ASCII placeholders of the same length, then replaced byte for byte), in ``folder`` of
    the zip (an ASCII name; at its root when empty) as Windows zips a folder."""
    folder = tmp_path / "shp"
    folder.mkdir()
    frames = {"社区": communities(), "房屋": buildings(), "道路": roads()}
    path = tmp_path / "delivery.zip"
    swaps: dict[bytes, bytes] = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (name, frame) in enumerate(frames.items()):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # GDAL cuts building_id to building_i
                pyogrio.write_dataframe(frame, folder / f"l{number}.shp", encoding="UTF-8")
            raw = name.encode(encoding)
            placeholder = f"{chr(ord('Q') + number)}" * len(raw)
            for part in sorted(folder.glob(f"l{number}.*")):
                archive.write(part, f"{folder}/{placeholder}{part.suffix}".lstrip("/"))
                swaps[(placeholder + part.suffix).encode()] = raw + part.suffix.encode()
    data = path.read_bytes()
    for placeholder_name, raw_name in swaps.items():
        data = data.replace(placeholder_name, raw_name)
    path.write_bytes(data)
    with zipfile.ZipFile(path) as archive:  # the names as a Chinese Windows zip has them
        assert not any(info.flag_bits & 0x800 for info in archive.infolist())
    return path


def run_partition(path: Path, tmp_path: Path, *more: str) -> tuple[int, str, dict]:
    """``geogrid partition PATH`` as a process, writing p.gpkg and r.json in ``tmp_path``:
    the exit code, the last line on stderr and the report. Nothing but the summary and the
    error line on stderr (no traceback, no warning), and nothing written when refused."""
    out, report = tmp_path / "p.gpkg", tmp_path / "r.json"
    done = run_geogrid("partition", str(path), "--out", str(out), "--report", str(report), *more)
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr, done.stderr
    if done.returncode:
        assert not out.exists()
    return done.returncode, done.stderr.strip().splitlines()[-1], json.loads(report.read_text())
