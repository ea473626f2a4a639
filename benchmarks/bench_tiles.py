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
import random
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import morecantile
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
RESULTS = REPO / "benchmarks" / "results" / "tiles.json"
LUA = REPO / "benchmarks" / "tiles" / "load.lua"
TIPG_VENV = OUT / "tipg-venv"
TIPG_VERSION = "1.6.1"
_ADMIN = make_url(
    os.environ.get("GEOGRID_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
)
PG = _ADMIN.set(drivername="postgresql").render_as_string(hide_password=False).rsplit("/", 1)[0]
TIPG_TABLE = "tipg_basic_grids"
STATS_SQL = """
CREATE TABLE tipg_basic_grids AS
WITH s AS (
  SELECT f.basic_code AS code, count(*) AS incidents,
    count(*) FILTER (WHERE f.state <= 1) AS incidents_open,
    count(*) FILTER (WHERE f.handling_s > f.due_s
                       OR (f.state <= 1 AND f.handling_due < now())) AS incidents_overdue,
    count(*) FILTER (WHERE f.state IN (1, 2)) AS accepted,
    count(f.handling_s) AS closed
  FROM incident_grids f WHERE f.plan_id = :plan GROUP BY f.basic_code)
SELECT g.id, g.code, g.parent_code, g.name, g.level, g.households, g.buildings, g.area_m2,
  coalesce(s.incidents, 0) AS incidents, coalesce(s.incidents_open, 0) AS incidents_open,
  coalesce(s.incidents_overdue, 0) AS incidents_overdue,
  CASE WHEN s.accepted > 0 THEN CAST(s.closed AS DOUBLE PRECISION) / s.accepted END
    AS settlement_rate,
  g.geom
FROM grids g LEFT JOIN s ON s.code = g.code
WHERE g.plan_id = :plan AND g.level = 'basic'
"""


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


def ensure_city(database: str) -> dict[str, Any]:
    """The demo city in ``database`` (built with ``geogrid demo`` when missing)."""
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    engine = create_engine(f"{PG}/{database}".replace("postgresql:", "postgresql+psycopg:"))
    with engine.connect() as conn:
        ready = conn.execute(
            text("SELECT count(*) FROM pg_tables WHERE tablename = 'grid_plans'")
        ).scalar()
        plan = (
            conn.execute(text("SELECT id FROM grid_plans WHERE status = 'published'")).scalar()
            if ready
            else None
        )
    built_in = None
    if plan is None:
        log(f"building the demo city into {database} (geogrid demo)")
        started = time.perf_counter()
        subprocess.run(
            [str(REPO / ".venv/bin/geogrid"), "demo", "--out-dir", str(OUT / "demo")],
            env={
                **os.environ,
                "DATABASE_URL": f"{PG}/{database}".replace("postgresql:", "postgresql+psycopg:"),
            },
            check=True,
        )
        built_in = round(time.perf_counter() - started, 1)
    with engine.begin() as conn:
        plan = conn.execute(text("SELECT id FROM grid_plans WHERE status = 'published'")).scalar()
        conn.execute(text(f"DROP TABLE IF EXISTS {TIPG_TABLE}"))
        conn.execute(text(STATS_SQL), {"plan": plan})
        conn.execute(text(f"ALTER TABLE {TIPG_TABLE} ADD PRIMARY KEY (id)"))
        conn.execute(text(f"CREATE INDEX ON {TIPG_TABLE} USING gist (geom)"))
        conn.execute(text(f"ANALYZE {TIPG_TABLE}"))
        counts = conn.execute(
            text(
                "SELECT count(*), sum(households), sum(incidents), "
                "ST_XMin(ST_Extent(geom)), ST_YMin(ST_Extent(geom)), "
                "ST_XMax(ST_Extent(geom)), ST_YMax(ST_Extent(geom)) FROM tipg_basic_grids"
            )
        ).one()
        boxes = conn.execute(
            text(
                "SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) "
                "FROM tipg_basic_grids ORDER BY id"
            )
        ).all()
        buildings = conn.execute(text("SELECT count(*) FROM buildings")).scalar()
        incidents = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
    engine.dispose()
    return {
        "plan_id": plan,
        "basic_grids": counts[0],
        "households": int(counts[1]),
        "incidents_in_grids": int(counts[2]),
        "incidents": incidents,
        "buildings": buildings,
        "extent": [round(v, 5) for v in counts[3:]],
        "grid_boxes": [tuple(b) for b in boxes],
        "demo_built_seconds": built_in,
    }


def tile_list(
    boxes: list[tuple[float, ...]], zooms: range, per_zoom: int, seed: int
) -> list[tuple[int, int, int]]:
    """Every tile a basic grid's box meets at each zoom, sampled down to ``per_zoom`` (seeded)."""
    tms = morecantile.tms.get("WebMercatorQuad")
    rng = random.Random(seed)
    chosen: list[tuple[int, int, int]] = []
    for z in zooms:
        tiles = sorted({(t.z, t.x, t.y) for b in boxes for t in tms.tiles(*b, [z])})
        chosen += tiles if len(tiles) <= per_zoom else sorted(rng.sample(tiles, per_zoom))
    return chosen


@contextmanager
def server(name: str, command: list[str], env: dict[str, str], port: int, health: str):
    """A server process in its own process group, stopped (group-wide, by its id) at the end."""
    logfile = open(OUT / f"{name}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdout=logfile,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{health}", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited; see {logfile.name}") from None
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{name} did not start; see {logfile.name}")
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        logfile.close()


def fetch(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read()


def features(url: str, layer: str) -> list[tuple[Any, ...]]:
    status, body = fetch(url)
    if status == 204 or not body:
        return []
    decoded = mapbox_vector_tile.decode(body)
    rows = decoded.get(layer, {}).get("features", [])
    return sorted(
        (
            f["properties"]["code"],
            f["properties"]["households"],
            f["properties"]["incidents"],
            f["properties"]["incidents_overdue"],
        )
        for f in rows
    )


def wrk(port: int, paths: list[str], *, concurrency: int, seconds: int) -> dict[str, Any]:
    """``wrk`` cycling through ``paths`` for ``seconds``: throughput and latency percentiles."""
    listing = OUT / f"tiles-{port}.txt"
    listing.write_text("\n".join(paths) + "\n")
    threads = min(2, concurrency)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}",
        "--",
        str(threads),
    ]
    result = subprocess.run(
        command,
        env={**os.environ, "TILES_FILE": str(listing)},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    data: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    data["tiles_per_s"] = round(data["requests"] / data["seconds"], 1)
    return data


def one_pass(port: int, paths: list[str], *, concurrency: int) -> dict[str, Any]:
    """Every tile once, ``concurrency`` keep-alive connections (Python threads): the cold pass."""
    import http.client
    import threading
    from concurrent.futures import ThreadPoolExecutor

    local = threading.local()
    statuses: dict[str, int] = {}
    lock = threading.Lock()

    def get(path: str) -> None:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local.conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = local.conn.getresponse()
        response.read()
        with lock:
            statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(get, paths))
    seconds = time.perf_counter() - started
    return {
        "requests": len(paths),
        "seconds": round(seconds, 3),
        "statuses": statuses,
        "tiles_per_s": round(len(paths) / seconds, 1),
    }


def warm(name: str, port: int, paths: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """The first (cold) pass over the tiles, then two more so every worker holds them."""
    log(f"{name}: first pass over {len(paths)} tiles (cold), concurrency {args.concurrency}")
    cold = one_pass(port, paths, concurrency=args.concurrency)
    log(f"{name}: {cold['tiles_per_s']} tiles/s cold; warming with two more passes")
    for _ in range(2):
        one_pass(port, paths, concurrency=args.concurrency)
    return cold


def measure(name: str, port: int, paths: list[str], args: argparse.Namespace) -> dict[str, Any]:
    """Repeated tiles: throughput at ``--concurrency``, then latency on one connection."""
    loaded = wrk(port, paths, concurrency=args.concurrency, seconds=args.seconds)
    single = wrk(port, paths, concurrency=1, seconds=max(2, args.seconds // 3))
    log(
        f"{name}: {loaded['tiles_per_s']} tiles/s (p99 {loaded['p99_ms']} ms) at concurrency "
        f"{args.concurrency}; one connection p50 {single['p50_ms']} ms, p99 {single['p99_ms']} ms"
    )
    return {"repeated": loaded, "repeated_one_connection": single, "load_average": load_average()}


def compare(
    ports: dict[str, int], paths: dict[str, list[str]], args: argparse.Namespace
) -> dict[str, Any]:
    """Cold passes, then ``--rounds`` rounds of tipg and geogrid measured in turn (the load of a
    shared machine drifts; alternating exposes both to it alike)."""
    out: dict[str, Any] = {
        name: {"cold_pass": warm(name, ports[name], paths[name], args), "rounds": []}
        for name in ports
    }
    for round_ in range(args.rounds):
        log(f"round {round_ + 1} of {args.rounds}")
        for name in ports:
            out[name]["rounds"].append(measure(name, ports[name], paths[name], args))
    for name in ports:
        rates = sorted(r["repeated"]["tiles_per_s"] for r in out[name]["rounds"])
        out[name]["median_tiles_per_s"] = rates[len(rates) // 2]
        p99 = sorted(r["repeated_one_connection"]["p99_ms"] for r in out[name]["rounds"])
        out[name]["median_p99_one_connection_ms"] = p99[len(p99) // 2]
    return out


def load_average() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


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
