"""Run the real CLI as a process, the way a user or a script does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def run_geogrid(
    *args: str, db: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m geogrid ARGS`` with ``DATABASE_URL`` pointing at ``db`` when given."""
    full_env = os.environ | {"COLUMNS": "200"} | (env or {})
    if db is not None:
        full_env["DATABASE_URL"] = f"sqlite:///{db}"
    return subprocess.run(
        [sys.executable, "-m", "geogrid", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


_STEP = re.compile(r"^\d\d:\d\d:\d\d geogrid: ")


def messages(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines of stderr other than the store line and the step log (what went wrong)."""
    return [
        line
        for line in result.stderr.strip().splitlines()
        if not line.startswith("geogrid: store: ") and not _STEP.match(line)
    ]


def store_line(result: subprocess.CompletedProcess[str]) -> str:
    """The line that says which store the command opened."""
    [line] = [x for x in result.stderr.splitlines() if x.startswith("geogrid: store: ")]
    return line
