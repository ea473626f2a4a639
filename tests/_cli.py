"""Run the real CLI as a process, the way a user or a script does."""

from __future__ import annotations

import os
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
