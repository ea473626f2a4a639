"""Import a Laoshan-scale synthetic city into SpatiaLite and PostGIS, side by side.

Usage: ``.venv/bin/python benchmarks/bench_import.py [--district 370212] [--seed 1]``.
PostGIS comes from ``GEOGRID_TEST_POSTGRES_URL`` (default postgres@127.0.0.1:5432); a throwaway
database is created and dropped (see ``_stores.py``). Results go to
``benchmarks/results/import.json``.

Two runs per store: the whole GeoPackage as ``geogrid synth`` writes it (every layer, one
transaction), then the buildings again without household counts, estimated and scaled to the
district's 2020 census (``--census``). Falls back to Liechtenstein when ``geogrid synth`` is
not available.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd

from geogrid.importer import ImportOptions, import_file
from geogrid.store import Store

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "benchmarks")]
from _stores import throwaway_store  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "import.json"
LIECHTENSTEIN = REPO / "tests" / "data" / "liechtenstein"


def _city(folder: Path, district: str, seed: int) -> tuple[Path, Path, dict[str, Any]]:
    """The city GeoPackage, its buildings without households, and what they hold."""
    try:
        from geogrid.synth import synth_city, write_city
    except ImportError:
        return _liechtenstein(folder)
    layers = synth_city(district, seed=seed)
    city = write_city(layers, folder / "city.gpkg")
    bare = folder / "buildings.gpkg"
    layers["buildings"].drop(columns=["households", "households_source"]).to_file(
        bare, layer="buildings", engine="pyogrio"
    )
    data = {
        "source": f"geogrid synth --district {district} --seed {seed}",
        "features": {name: len(frame) for name, frame in layers.items()},
        "census_district": district,
    }
    return city, bare, data


def _liechtenstein(folder: Path) -> tuple[Path, Path, dict[str, Any]]:
    city = folder / "li.gpkg"
    frame = gpd.read_file(LIECHTENSTEIN / "li_buildings.geojson")
    frame[["id", "geometry"]].rename(columns={"id": "building_id"}).to_file(
        city, layer="buildings", engine="pyogrio"
    )
    return (
        city,
        city,
        {
            "source": "liechtenstein_osm2013",
            "features": {"buildings": len(frame)},
            "census_district": None,
        },
    )


def _timed_import(store: Store, path: Path, options: ImportOptions) -> dict[str, Any]:
    stages: dict[str, float] = {}
    start = time.perf_counter()
    last: list[Any] = [start, None]

    def tick(what: str, _done: int, _total: int) -> None:
        now = time.perf_counter()
        if last[1] is not None:
            stages[last[1]] = round(now - last[0], 3)
        # "writing buildings" includes estimating their households
        last[:] = [now, what.split(" (")[0]]

    result = import_file(store, path, options, progress=tick)
    seconds = time.perf_counter() - start
    features = sum(result.written.values())
    return {
        "seconds": round(seconds, 2),
        "features": features,
        "features_per_second": round(features / seconds),
        "stages": stages,
        "findings": result.report.summary(),
    }


def _run(store: Store, city: Path, bare: Path, census: str | None) -> dict[str, Any]:
    store.migrate()
    runs = {"whole_city": _timed_import(store, city, ImportOptions())}
    if census is not None:
        runs["buildings_estimated_census"] = _timed_import(
            store, bare, ImportOptions(layer="buildings", census=census)
        )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--district", default="370212")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        city, bare, data = _city(folder, args.district, args.seed)
        results: dict[str, Any] = {}
        for kind in ("spatialite", "postgis"):
            with throwaway_store(kind, folder) as store:
                results[kind] = _run(store, city, bare, data["census_district"])
    payload = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "data": data,
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    for kind, runs in results.items():
        for name, run in runs.items():
            print(
                f"{kind:10} {name:28} {run['seconds']:7.2f} s  {run['features_per_second']:>7} features/s"
            )


if __name__ == "__main__":
    main()
