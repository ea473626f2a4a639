"""`geogrid demo --serve` as a process: it builds a small city end to end and the API answers."""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
from _cli import messages


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_health(url: str, process: subprocess.Popen[str], timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"demo exited early with {process.returncode}")
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return dict(response.json())
        except httpx.TransportError:
            pass
        time.sleep(1)
    raise AssertionError(f"{url} did not answer within {timeout_s} s")


def test_demo_builds_everything_and_serves_health(tmp_path: Path) -> None:
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}",
        "GEOGRID_API_PORT": str(port),
    }
    args = ["demo", "--district", "210203", "--incidents", "2000", "--out-dir", str(tmp_path)]
    log = tmp_path / "demo.log"  # a file, not a pipe: read while the server runs
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "geogrid", *args, "--serve"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        health = _wait_for_health(f"http://127.0.0.1:{port}/health", process, timeout_s=300)
        base = f"http://127.0.0.1:{port}"
        start = httpx.get(f"{base}/maps")
        index = httpx.get(f"{base}/maps/files/")
        plan_map = httpx.get(f"{base}/maps/files/plan.html", timeout=30)
        screen = httpx.get(f"{base}/maps/screen", timeout=30)
        plans = httpx.get(f"{base}/plans", timeout=30)
        copy_without_key = httpx.post(f"{base}/plans/1/copy", json={})
        printed = re.search(rf"http://127\.0\.0\.1:{port}/maps#key=(\S+)", log.read_text())
        assert printed, "the demo must print the start page's link with a key"
        copy_with_key = httpx.post(  # copying a plan takes a while on a loaded machine
            f"{base}/plans/1/copy", json={}, headers={"X-API-Key": printed.group(1)}, timeout=300
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
    output = log.read_text()
    assert health["store"] == "spatialite", output
    counts = health["counts"]
    assert counts["communities"] == 49  # Xigang's real NBS communities
    assert counts["buildings"] > 1000 and counts["roads"] > 0
    # the published plan and a draft copy of it, so the editor opens on something to edit
    assert counts["grid_plans"] == 2 and counts["grids"] > counts["communities"]
    assert "draft plan 2: a copy of plan 1 for the editor" in output
    assert plans.status_code == 200, plans.text
    assert {p["id"]: p["status"] for p in plans.json()} == {1: "published", 2: "draft"}
    # the demo's incidents are of 2025: the big screen reports on its last evening by default
    assert screen.status_code == 200 and '"asOf": "2025-12-31T18:00"' in screen.text
    assert counts["incidents"] == 2000
    assert (tmp_path / "city_210203_seed1.gpkg").exists()
    # not on a terminal: one time-stamped line per step, and the exact way back to the store
    steps = re.findall(r"^\d\d:\d\d:\d\d geogrid: (\w+)", output, flags=re.MULTILINE)
    assert steps == [
        "demo", "synthesising", "importing", "partitioning", "loading", "registering", "writing",
    ]  # fmt: skip
    assert f"geogrid --store {(tmp_path / 'demo.sqlite').resolve()} info" in output
    # the start page, the maps the demo wrote (served by the server) and the planner's key
    assert start.status_code == 200 and 'href="/maps/files/"' in start.text
    assert index.status_code == 200 and 'href="plan.html"' in index.text
    assert plan_map.status_code == 200 and "geogrid-legend" in plan_map.text
    assert "buildings and households: SYNTHETIC" in plan_map.text
    assert "incidents: SYNTHETIC (2,000 of 2,000)" in plan_map.text
    # a synthetic staff registry, so the coverage map shows people and the gaps between them
    assert re.search(r"staff: SYNTHETIC \(\d[\d,]* of \d[\d,]*\)", plan_map.text)
    coverage = _coverage(tmp_path / "demo.sqlite")
    basic = [row for row in coverage if len(row["code"]) == 15]
    unmanned = sum(row["unmanned"] == "True" for row in basic)
    assert 0 < unmanned < 0.2 * len(basic), (unmanned, len(basic))  # about 6% left vacant
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == [
        "coverage.html", "hotspots.html", "incidents.html", "index.html", "plan.html",
    ]  # fmt: skip
    assert copy_without_key.status_code == 403  # anonymous viewers read, only planners write
    assert copy_with_key.status_code == 201, copy_with_key.text


def _coverage(store: Path) -> list[dict[str, str]]:
    """``geogrid staff coverage`` of the demo's store, run as a process, as CSV rows."""
    answer = subprocess.run(
        [sys.executable, "-m", "geogrid", "--store", str(store), "staff", "coverage"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return list(csv.DictReader(io.StringIO(answer.stdout)))


def test_demo_refuses_a_store_that_holds_data(tmp_path: Path) -> None:
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'full.sqlite'}"}
    args = ["demo", "--district", "210203", "--incidents", "100", "--out-dir", str(tmp_path)]
    first = subprocess.run([sys.executable, "-m", "geogrid", *args], env=env, timeout=300)
    assert first.returncode == 0
    again = subprocess.run(
        [sys.executable, "-m", "geogrid", *args], env=env, capture_output=True, text=True
    )
    assert again.returncode == 1
    assert messages(again)[0].startswith("geogrid: error: the demo needs an empty store")
    assert "buildings" in again.stderr
