"""Benchmark: the basic-grid tiles of a Laoshan-scale published plan, with per-grid statistics
as attributes, from geogrid and from tipg side by side on the same PostGIS data, same tiles,
same concurrency, same server stack (uvicorn with uvloop and httptools, same worker count).

    .venv/bin/python benchmarks/bench_tiles.py [--workers 2] [--concurrency 16] [--seconds 15]

The demo city (``geogrid demo``: synthetic Laoshan, partitioned, published, 60,000 incidents)
is built once into the PostGIS database ``--database`` and reused. tipg (``pip install tipg``
into benchmarks/out/tipg-venv, not geogrid's venv) serves a table holding the same basic grids
with the same statistics as columns (precomputed: tipg has no joins). Load comes from ``wrk``
(Debian package) cycling through the tile list. Writes benchmarks/results/tiles.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from typing import Any

from tiles.city import (
    OUT,
    PG,
    REPO,
    RESULTS,
    TIPG_TABLE,
    TIPG_VENV,
    TIPG_VERSION,
    ensure_city,
    log,
    tile_list,
)
from tiles.serving import compare, features, load_average, server


def ensure_tipg() -> None:
    if not (TIPG_VENV / "bin" / "uvicorn").exists():
        log(f"installing tipg {TIPG_VERSION} and uvicorn[standard] into {TIPG_VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        subprocess.run(
            [
                str(TIPG_VENV / "bin/pip"),
                "install",
                "-q",
                f"tipg=={TIPG_VERSION}",
                "uvicorn[standard]",
            ],
            check=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="geogrid_bench_tiles")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15, help="length of each loaded run")
    parser.add_argument(
        "--per-zoom", type=int, default=200, help="at most this many tiles per zoom"
    )
    parser.add_argument("--zooms", default="12-16")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurement rounds")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    ensure_tipg()
    city = ensure_city(args.database)
    z0, z1 = (int(v) for v in args.zooms.split("-"))
    tiles = tile_list(city.pop("grid_boxes"), range(z0, z1 + 1), args.per_zoom, args.seed)
    log(f"{city['basic_grids']} basic grids, {len(tiles)} tiles at z{z0}-{z1}")
    dsn = f"{PG}/{args.database}"
    stack = ["--workers", str(args.workers), "--no-access-log"]
    geogrid_cmd = [str(REPO / ".venv/bin/geogrid"), "serve", "--port", "8811", *stack]
    geogrid_env = {
        "DATABASE_URL": dsn.replace("postgresql:", "postgresql+psycopg:"),
        "GEOGRID_API_ANONYMOUS_READ": "true",
    }
    tipg_cmd = [
        str(TIPG_VENV / "bin/uvicorn"),
        "tipg.main:app",
        "--port",
        "8812",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        *stack,
    ]
    tipg_env = {
        "DATABASE_URL": dsn,
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": f'["public.{TIPG_TABLE}"]',
        "TIPG_MAX_FEATURES_PER_TILE": "100000",
    }
    geogrid_paths = [
        f"/collections/basic_grids/tiles/WebMercatorQuad/{z}/{y}/{x}" for z, x, y in tiles
    ]
    tipg_paths = [
        f"/collections/public.{TIPG_TABLE}/tiles/WebMercatorQuad/{z}/{x}/{y}" for z, x, y in tiles
    ]
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_start": load_average(),
        },
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
        ).stdout.strip(),
        "city": city,
        "tiles": {
            "count": len(tiles),
            "zooms": args.zooms,
            "per_zoom_cap": args.per_zoom,
            "seed": args.seed,
        },
        "settings": {
            "rounds": args.rounds,
            "workers": args.workers,
            "concurrency": args.concurrency,
            "seconds": args.seconds,
            "server": "uvicorn[standard] (uvloop, httptools), no access log",
            "client": "wrk, 2 threads, Accept-Encoding: gzip",
        },
        "tipg_version": TIPG_VERSION,
    }
    with (
        server("geogrid", geogrid_cmd, geogrid_env, 8811, "/health"),
        server("tipg", tipg_cmd, tipg_env, 8812, "/healthz"),
    ):
        check = [(z, x, y) for z, x, y in tiles[:: max(1, len(tiles) // 25)]]
        same = extra = 0
        for z, x, y in check:
            ours = features(
                f"http://127.0.0.1:8811/collections/basic_grids/tiles/WebMercatorQuad/{z}/{y}/{x}",
                "basic_grids",
            )
            theirs = features(
                f"http://127.0.0.1:8812/collections/public.{TIPG_TABLE}/tiles/WebMercatorQuad/{z}/{x}/{y}",
                f"public.{TIPG_TABLE}",
            )
            # tipg selects by the bare tile, geogrid by the tile plus its 64-unit buffer
            if not {r[0] for r in theirs} <= {r[0] for r in ours}:
                raise SystemExit(f"tile {z}/{x}/{y}: tipg holds grids geogrid does not")
            kept = [r for r in ours if r[0] in {t[0] for t in theirs}]
            same += kept == theirs
            extra += len(ours) - len(kept)
        results["same_features_checked"] = {
            "tiles": len(check),
            "identical_grids_and_statistics": same,
            "geogrid_extra_buffer_features": extra,
        }
        log(
            f"{same} of {len(check)} sampled tiles identical (+{extra} buffer-only features in geogrid's)"
        )
        results |= compare(
            {"tipg": 8812, "geogrid": 8811},
            {"tipg": tipg_paths, "geogrid": geogrid_paths},
            args,
        )
    results["machine"]["load_average_end"] = load_average()
    ratio = results["geogrid"]["median_tiles_per_s"] / results["tipg"]["median_tiles_per_s"]
    results["speedup_repeated"] = round(ratio, 2)
    results["speedup_per_round"] = [
        round(g["repeated"]["tiles_per_s"] / t["repeated"]["tiles_per_s"], 2)
        for g, t in zip(results["geogrid"]["rounds"], results["tipg"]["rounds"], strict=True)
    ]
    results["speedup_cold_pass"] = round(
        results["geogrid"]["cold_pass"]["tiles_per_s"]
        / results["tipg"]["cold_pass"]["tiles_per_s"],
        2,
    )
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    log(f"geogrid / tipg on repeated tiles: {ratio:.2f}x; written to {RESULTS}")


if __name__ == "__main__":
    main()
