"""A script that calls the engine with workers at its top level (no ``__main__`` guard): the
workers cannot start, and the plan is made in the script's process with a warning that says
why, instead of a ``BrokenProcessPool`` traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CASE = Path(__file__).parent.parent / "data" / "cases" / "c15"

UNGUARDED = textwrap.dedent(
    """
    import geopandas as gpd
    from geogrid.partition.engine import partition_plan

    case = {case!r}
    plan = partition_plan(
        gpd.read_file(case + "/communities.geojson"),
        gpd.read_file(case + "/buildings.geojson"),
        roads=gpd.read_file(case + "/roads.geojson"),
        workers=2,
    )
    print("grids", plan.grids["basic"]["households"].sort_values().tolist())
    """
)


def test_an_unguarded_script_gets_its_plan_and_a_warning(tmp_path: Path) -> None:
    script = tmp_path / "plan_it.py"
    script.write_text(UNGUARDED.format(case=str(CASE)))
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    # c15: 1,400 households in four basic grids along the main and side roads
    assert done.stdout.strip().splitlines()[-1] == "grids [300, 300, 400, 400]"
    assert "worker processes could not start; planning in this process instead" in done.stderr
    assert 'if __name__ == "__main__":' in done.stderr


CLI_SCRIPT = textwrap.dedent(
    """
    import time
    from geogrid.cli import main  # the first line of the ``geogrid`` console script

    if __name__ == "__main__":
        from geogrid.partition.pool import parent_pool

        with parent_pool(2) as pool:
            print("cpu", max(pool.submit(time.process_time).result() for _ in range(4)))
    """
)


def test_workers_of_the_console_script_start_with_the_cli_loaded(tmp_path: Path) -> None:
    # each worker runs the caller's script again on start; the CLI it imports is loaded in
    # the server the workers fork from, so a worker has spent next to no CPU when its first
    # task runs (importing the CLI itself took 0.65 s of CPU per worker)
    script = tmp_path / "geogrid_like.py"
    script.write_text(CLI_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.split()[-1]) < 0.3


def test_the_server_preloads_the_cli_only_where_the_caller_runs_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from geogrid.partition import pool

    monkeypatch.delitem(sys.modules, "geogrid.cli", raising=False)
    assert pool._preload() == ["geogrid.partition.parent"]
    monkeypatch.setitem(sys.modules, "geogrid.cli", sys)
    assert pool._preload() == ["geogrid.partition.parent", "geogrid.cli"]
