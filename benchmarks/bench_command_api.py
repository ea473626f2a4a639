"""Benchmark: 50 big-screen clients polling KPIs and holding the live feed over a year of
Laoshan-scale incidents, against two API processes on one PostGIS (or one on SpatiaLite).

Bar (issue 8): KPI p99 under 200 ms; a new incident on every feed within 1 s.

Steps: a throwaway store; 1,444 basic grids in 8 streets / 80 communities; ``--count``
synthetic incidents of 2025 imported (COPY); API keys for 50 screens (10 district-wide, 20 street,
20 community level); ``--processes`` ``geogrid serve`` subprocesses on 127.0.0.1. Every client
holds ``/incidents/feed`` and polls ``/incidents/kpis?as_of=2025-12-31T18:00`` every
``--poll`` seconds (clients spread over the processes); a writer posts a new incident every
``--post-every`` seconds, alternating processes, which moves the incidents' data version (so
KPI caches go stale and refresh while the screens poll). Feed latency: from just before the
POST is sent to the moment each client reads the event. Bounded: ``--duration`` seconds of load.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2

from geogrid.incidents.deadlines import WorkCalendar
from geogrid.incidents.synthetic import synthesize_incidents
from geogrid.store import publish_plan, save_plan
from geogrid.store.incident_bulk import import_incidents
from geogrid.store.incident_feed import sees
from geogrid.store.incident_kpis import command_kpis

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "benchmarks"), str(REPO / "tests" / "incidents"), str(REPO / "tests")]
from _stores import throwaway_store  # noqa: E402
from api._api import issue_key  # noqa: E402
from api._feed import api_process  # noqa: E402
from incident_plans import grid_center, square_grids  # noqa: E402

RESULTS = REPO / "benchmarks" / "results" / "command_api.json"
RUN_KEY = ("store", "incidents", "clients", "poll_s", "processes")  # a new run replaces its twin
DISTRICT = "370212"
AS_OF = "2025-12-31T18:00:00+08:00"
GRID_N, GRID_SIZE, ORIGIN = 38, 0.006, (120.40, 36.05)


def _community(k: int) -> str:
    """Community of basic grid k: 20 grids a community, 10 communities a street."""
    return f"{DISTRICT}{1 + k // 200:03d}{1 + (k // 20) % 10:03d}"


def jurisdictions(clients: int) -> list[str]:
    """One jurisdiction per client: a fifth district-wide, two fifths street, two fifths
    community level (as district, street and community command centres)."""
    out = []
    for c in range(clients):
        if c % 5 == 0:
            out.append(DISTRICT)
        elif c % 5 in (1, 2):
            out.append(f"{DISTRICT}{1 + c % 4:03d}")
        else:
            out.append(f"{DISTRICT}{1 + c % 4:03d}{1 + c % 10:03d}")
    return out


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


class Load:
    """Shared state of one run: what was posted when, and what each client saw."""

    def __init__(self) -> None:
        self.posted: dict[str, tuple[float, str | None]] = {}  # ref -> (sent, basic code)
        self.committed: dict[str, float] = {}  # ref -> when the 201 came back
        self.arrived: list[dict[str, float]] = []
        self.kpi_ms: list[float] = []
        self.kpi_server_ms: list[float] = []  # the route's own time (Server-Timing)
        self.server_lag_ms: list[float] = []  # the server's loop lag (worst of its last second)
        self.client_lag_ms: list[float] = []  # how late this process's own event loop wakes
        self.kpi_cache: dict[str, int] = {}
        self.kpi_errors = 0
        self.cold_ms: list[float] = []
        self.first_request_s = 0.0  # perf_counter when the first KPI request left
        self.stop = asyncio.Event()


async def feed_client(base: str, key: str, seen: dict[str, float], ready: asyncio.Event) -> None:
    headers = {"X-API-Key": key}
    timeout = httpx2.Timeout(30.0, read=60.0)
    async with (
        httpx2.AsyncClient(timeout=timeout) as client,
        client.stream("GET", f"{base}/incidents/feed", headers=headers) as response,
    ):
        data = None
        async for line in response.aiter_lines():
            if line.startswith(": feed from"):
                ready.set()
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and data is not None:
                seen.setdefault(data["ref"], time.monotonic())
                data = None


async def warm_up(base: str, key: str) -> float:
    """One KPI request before the load (a cold cache computes while the caller waits)."""
    async with httpx2.AsyncClient(timeout=120.0, headers={"X-API-Key": key}) as client:
        t0 = time.perf_counter()
        response = await client.get(f"{base}/incidents/kpis", params={"as_of": AS_OF})
        response.raise_for_status()
        return (time.perf_counter() - t0) * 1000


async def kpi_client(base: str, key: str, load: Load, poll: float, phase: float) -> None:
    """Poll every ``poll`` seconds, the first time after ``phase`` seconds: screens started
    at different moments do not poll in step (their simultaneous first requests are the
    separate cold figure, ``kpi_cold_max_ms``)."""
    async with httpx2.AsyncClient(timeout=30.0, headers={"X-API-Key": key}) as client:
        await asyncio.sleep(phase)
        while not load.stop.is_set():
            t0 = time.perf_counter()
            try:
                response = await client.get(f"{base}/incidents/kpis", params={"as_of": AS_OF})
                ok = response.status_code == 200
            except httpx2.HTTPError:
                ok = False
            load.kpi_ms.append((time.perf_counter() - t0) * 1000)
            if ok:
                timing = _timing(response.headers.get("server-timing", ""))
                if "kpi" in timing:
                    load.kpi_server_ms.append(timing["kpi"])
                if "loop" in timing:
                    load.server_lag_ms.append(timing["loop"])
                state = response.json().get("cache", "?")
                load.kpi_cache[state] = load.kpi_cache.get(state, 0) + 1
            else:
                load.kpi_errors += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(load.stop.wait(), poll)


def _timing(header: str) -> dict[str, float]:
    """``Server-Timing: kpi;dur=8.1, loop;dur=3.0`` as {"kpi": 8.1, "loop": 3.0}."""
    out = {}
    for part in header.split(","):
        name, _, rest = part.strip().partition(";dur=")
        if rest:
            out[name] = float(rest)
    return out


async def writer(bases: list[str], key: str, load: Load, every: float, count: int) -> None:
    async with httpx2.AsyncClient(timeout=30.0, headers={"X-API-Key": key}) as client:
        for n in range(count):
            lon, lat = grid_center(n % GRID_N, (7 * n) % GRID_N, size=GRID_SIZE, origin=ORIGIN)
            ref = f"BENCH-{n}"
            sent = time.monotonic()
            response = await client.post(
                f"{bases[n % len(bases)]}/incidents",
                json={"ref": ref, "lon": lon, "lat": lat, "category": "030101"},
            )
            if response.status_code != 201:
                raise RuntimeError(f"posting {ref} failed: {response.text}")
            load.posted[ref] = (sent, response.json()["basic_code"])
            load.committed[ref] = time.monotonic()
            await asyncio.sleep(every)


async def lag_probe(load: Load, every: float = 0.1) -> None:
    """How late the benchmark's own event loop runs a timer: the clients' measurements include
    it (one process holds every stream and poller)."""
    while not load.stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(every)
        load.client_lag_ms.append((time.perf_counter() - t0 - every) * 1000)


async def run_load(bases: list[str], keys: list[str], writer_key: str, args: Any) -> Load:
    load = Load()
    load.arrived = [{} for _ in keys]
    ready = [asyncio.Event() for _ in keys]
    feeds = [
        asyncio.create_task(feed_client(bases[c % len(bases)], key, load.arrived[c], ready[c]))
        for c, key in enumerate(keys)
    ]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 60)
    load.first_request_s = time.perf_counter()
    load.cold_ms = await asyncio.gather(
        *(warm_up(bases[(c + 1) % len(bases)], key) for c, key in enumerate(keys))
    )
    pollers = [
        asyncio.create_task(
            kpi_client(bases[(c + 1) % len(bases)], key, load, args.poll, args.poll * c / len(keys))
        )
        for c, key in enumerate(keys)
    ]
    pollers.append(asyncio.create_task(lag_probe(load)))
    posts = max(1, int(args.duration / args.post_every))
    # the first incident is posted once every screen polls (one interval): posted while fifty
    # screens open their connections at once, it took 1.2 s from its POST to the screens
    await asyncio.sleep(args.poll)
    await writer(bases, writer_key, load, args.post_every, posts)
    await asyncio.sleep(3.0)  # let the last events arrive
    load.stop.set()
    await asyncio.gather(*pollers)
    for task in feeds:
        task.cancel()
    await asyncio.gather(*feeds, return_exceptions=True)
    return load


def spread(name: str, values: list[float], percents: tuple[int, ...]) -> dict[str, float]:
    """``{name}_p{k}_ms`` for each percentile k and ``{name}_max_ms``, in ms to 0.1."""
    out = {f"{name}_p{k}_ms": round(percentile(values, k), 1) for k in percents}
    return out | {f"{name}_max_ms": round(max(values, default=float("nan")), 1)}


def summarise(load: Load, scopes: list[str]) -> dict[str, Any]:
    latencies, after_commit, missing, expected, leaked = [], [], 0, 0, 0
    for seen, scope in zip(load.arrived, scopes, strict=True):
        for ref, (sent, code) in load.posted.items():
            if not sees(scope, code):
                leaked += ref in seen
                continue
            expected += 1
            if ref in seen:
                latencies.append(seen[ref] - sent)
                after_commit.append(seen[ref] - load.committed[ref])
            else:
                missing += 1
    return {
        "kpi_cold_max_ms": round(max(load.cold_ms, default=float("nan"))),
        "kpi_requests": len(load.kpi_ms),
        "kpi_errors": load.kpi_errors,
        "kpi_cache": load.kpi_cache,
        **spread("kpi", load.kpi_ms, (50, 95, 99)),
        **spread("kpi_server", load.kpi_server_ms, (50, 99)),
        **spread("server_loop_lag", load.server_lag_ms, (50, 99)),
        **spread("client_loop_lag", load.client_lag_ms, (50, 99)),
        "posted": len(load.posted),
        "deliveries_expected": expected,
        "deliveries_missing": missing,
        "deliveries_outside_jurisdiction": leaked,
        "feed_p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "feed_p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "feed_max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
        "feed_within_1s": sum(1 for x in latencies if x < 1.0),
        "post_ms": [round((load.committed[r] - s) * 1000, 1) for r, (s, _) in load.posted.items()],
        "post_p50_ms": round(
            percentile([load.committed[r] - s for r, (s, _) in load.posted.items()], 50) * 1000, 1
        ),
        "feed_after_201_p50_ms": round(percentile(after_commit, 50) * 1000, 1),
        "feed_after_201_p99_ms": round(percentile(after_commit, 99) * 1000, 1),
        "load_average": os.getloadavg()[0],
    }


def prepare(store: Any, count: int, seed: int) -> dict[str, float]:
    store.migrate()
    grids = square_grids(
        n=GRID_N, size=GRID_SIZE, origin=ORIGIN, community=_community, per_community=20
    )
    with store.transaction() as conn:
        publish_plan(conn, save_plan(conn, grids, report={}, author="bench"))
    t0 = time.perf_counter()
    frame = synthesize_incidents(
        grids["basic"], year=2025, count=count, seed=seed, calendar=WorkCalendar()
    )
    with store.transaction() as conn:
        import_incidents(conn, frame, source_file="synthetic", fmt="synthetic", synthetic=True)
    load_s = time.perf_counter() - t0
    as_of = datetime.fromisoformat(AS_OF).astimezone(UTC)
    t0 = time.perf_counter()
    command_kpis(store.engine, as_of=as_of)
    district_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    command_kpis(store.engine, as_of=as_of, within=f"{DISTRICT}001001")
    community_s = time.perf_counter() - t0
    return {
        "load_s": round(load_s, 1),
        "kpis_uncached_district_ms": round(district_s * 1000),
        "kpis_uncached_community_ms": round(community_s * 1000),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("postgis", "spatialite"), default="postgis")
    parser.add_argument("--count", type=int, default=300_000, help="incidents in the store")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--processes", type=int, default=None, help="default 2 (PostGIS), 1")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of posting")
    parser.add_argument("--post-every", type=float, default=2.0)
    parser.add_argument("--poll", type=float, default=2.0, help="KPI poll interval per client")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--wait-warm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="start the load once every process's /health says warm (--no-wait-warm: at once,"
        " measuring the start-up transient too)",
    )
    args = parser.parse_args()
    processes = args.processes or (2 if args.store == "postgis" else 1)
    with tempfile.TemporaryDirectory() as tmp, throwaway_store(args.store, Path(tmp)) as store:
        print(f"loading {args.count:,} incidents into {args.store} ...", flush=True)
        setup = prepare(store, args.count, args.seed)
        print(f"setup: {setup}", flush=True)
        scopes = jurisdictions(args.clients)
        keys = [
            issue_key(store, role="viewer", jurisdiction=j, name=f"screen-{c}")
            for c, j in enumerate(scopes)
        ]
        writer_key = issue_key(store, role="dispatcher", jurisdiction=DISTRICT, name="writer")
        url = store.engine.url.render_as_string(hide_password=False)
        with api_processes(url, processes) as bases:
            t0 = time.perf_counter()
            warm_s = wait_warm(bases) if args.wait_warm else None
            load = asyncio.run(run_load(bases, keys, writer_key, args))
            wall = time.perf_counter() - t0
            computed = _computed(store)
    result = {
        "store": args.store,
        "processes": processes,
        "incidents": args.count,
        "clients": args.clients,
        "duration_s": args.duration,
        "post_every_s": args.post_every,
        "poll_s": args.poll,
        "wall_s": round(wall, 1),
        "servers_warm_after_s": warm_s,
        "kpi_first_request_after_servers_up_s": round(load.first_request_s - t0, 1),
        "kpi_answers_stored": computed,
        **setup,
        **summarise(load, scopes),
    }
    print(json.dumps(result, indent=1))
    _save(result)


@contextlib.contextmanager
def api_processes(url: str, processes: int) -> Any:
    """``processes`` API processes on one store, warming up the screens' ``as_of`` at start
    (as a command centre configures its screens); yields their base URLs."""
    env = {"GEOGRID_API_KPI_WARMUP_AS_OF": json.dumps([AS_OF])}
    with contextlib.ExitStack() as exits:
        yield [exits.enter_context(api_process(url, **env)) for _ in range(processes)]


def wait_warm(bases: list[str], timeout: float = 300.0) -> float:
    """Seconds until every process's ``/health`` says ``warm`` (its start-up warm-up ended)."""
    t0 = time.perf_counter()
    with httpx2.Client(timeout=30.0) as client:
        for base in bases:
            while not client.get(f"{base}/health").json().get("warm", True):
                if time.perf_counter() - t0 > timeout:
                    raise RuntimeError(f"{base} did not warm up within {timeout:.0f} s")
                time.sleep(0.2)
    return round(time.perf_counter() - t0, 1)


def _computed(store: Any) -> int:
    """How many answers the processes stored in ``kpi_answers`` (one per jurisdiction and
    ``as_of`` computed at least once; PostGIS only)."""
    if store.kind != "postgis":
        return 0
    with store.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM kpi_answers").scalar_one())


def _save(result: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"results": []}
    runs = [
        r
        for r in previous["results"]
        if [r.get(k) for k in RUN_KEY] != [result[k] for k in RUN_KEY]
    ]
    document = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores (shared), Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at the end",
        "results": [*runs, result],
    }
    RESULTS.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
