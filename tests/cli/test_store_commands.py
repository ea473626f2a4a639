"""The CLI run as a process: info and plans on a fresh SpatiaLite file; errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from _cli import messages, run_geogrid, store_line


def test_info_on_a_new_store(tmp_path: Path) -> None:
    result = run_geogrid("info", "--json", db=tmp_path / "g.sqlite")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["store"] == "spatialite"
    assert body["counts"]["communities"] == 0
    assert (tmp_path / "g.sqlite").exists()
    path = (tmp_path / "g.sqlite").resolve()
    assert store_line(result) == f"geogrid: store: SpatiaLite file {path} (new, empty)"
    again = run_geogrid("info", "--json", db=tmp_path / "g.sqlite")
    assert store_line(again) == f"geogrid: store: SpatiaLite file {path}"


def test_the_global_store_option_names_the_store(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    result = run_geogrid("--store", str(tmp_path / "elsewhere" / "s.sqlite"), "info", "--json")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "elsewhere" / "s.sqlite"
    assert path.exists()
    assert store_line(result) == f"geogrid: store: SpatiaLite file {path.resolve()} (new, empty)"


def test_failure_is_one_line_on_stderr_and_nonzero_exit(tmp_path: Path) -> None:
    result = run_geogrid("plans", "publish", "7", db=tmp_path / "g.sqlite")
    assert result.returncode == 1
    assert messages(result) == ["geogrid: error: grid plan 7 does not exist"]


def test_unreachable_database_is_a_clear_error() -> None:
    result = run_geogrid("info", env={"DATABASE_URL": "mysql://nobody@127.0.0.1/geogrid"})
    assert result.returncode == 1
    assert "unsupported database" in result.stderr
