"""The data of the tile benchmark: the demo city in PostGIS (built once with ``geogrid demo``),
tipg's table of the same basic grids with their statistics as columns, and the tile list."""

from __future__ import annotations

import os
import random
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import morecantile
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
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
    # Both sides start from prepared statistics: geogrid's per-grid table brought up to date
    # (as a running server keeps it), tipg's precomputed table below.
    from geogrid.store.grid_stats import refresh_grid_stats

    started = time.perf_counter()
    refreshed = refresh_grid_stats(engine, now=datetime.now(UTC))
    log(f"grid_stats: {refreshed.grids} grids recounted in {time.perf_counter() - started:.1f} s")
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
