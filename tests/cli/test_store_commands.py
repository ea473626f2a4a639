"""The CLI run as a process: info and plans on a fresh SpatiaLite file; errors on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _geogrid(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.run(
        [sys.executable, "-m", "geogrid", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_info_on_a_new_store(tmp_path: Path) -> None:
    result = _geogrid("info", "--json", db=tmp_path / "g.sqlite")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["store"] == "spatialite"
    assert body["counts"]["communities"] == 0
    assert (tmp_path / "g.sqlite").exists()


def test_failure_is_one_line_on_stderr_and_nonzero_exit(tmp_path: Path) -> None:
    result = _geogrid("plans", "publish", "7", db=tmp_path / "g.sqlite")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == ["geogrid: error: grid plan 7 does not exist"]


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    env = os.environ | {"DATABASE_URL": "mysql://nobody@127.0.0.1/geogrid"}
    result = subprocess.run(
        [sys.executable, "-m", "geogrid", "info"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 1
    assert "unsupported database" in result.stderr
