"""A script that calls the engine with workers at its top level (no ``__main__`` guard): the
workers cannot start, and the plan is made in the script's process with a warning that says
why, instead of a ``BrokenProcessPool`` traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

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
