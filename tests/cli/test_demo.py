"""`geogrid demo --serve` as a process: it builds a small city end to end and the API answers."""

from __future__ import annotations

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
    process = subprocess.Popen(
        [sys.executable, "-m", "geogrid", *args, "--serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = _wait_for_health(f"http://127.0.0.1:{port}/health", process, timeout_s=300)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert health["store"] == "spatialite", output
    counts = health["counts"]
    assert counts["communities"] == 49  # Xigang's real NBS communities
    assert counts["buildings"] > 1000 and counts["roads"] > 0
    assert counts["grid_plans"] == 1 and counts["grids"] > counts["communities"]
    assert counts["incidents"] == 2000
    assert (tmp_path / "city_210203_seed1.gpkg").exists()
    # not on a terminal: one time-stamped line per step, and the exact way back to the store
    steps = re.findall(r"^\d\d:\d\d:\d\d geogrid: (\w+)", output, flags=re.MULTILINE)
    assert steps == ["demo", "synthesising", "importing", "partitioning", "loading"], output
    assert f"geogrid --store {(tmp_path / 'demo.sqlite').resolve()} info" in output


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
