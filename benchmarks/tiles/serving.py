"""Servers and load for the tile benchmark: a server process per side, a cold pass in Python
threads, ``wrk`` for repeated tiles, and the alternating rounds that compare the two."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from typing import Any

import mapbox_vector_tile
from tiles.city import LUA, OUT, log


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
