"""The CLI run as a process: info and plans on a fresh SpatiaLite file; errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli import messages, run_geogrid, store_line


def test_info_on_a_new_store(tmp_path: Path) -> None:
    path = (tmp_path / "g.sqlite").resolve()
    created = run_geogrid("migrate", db=tmp_path / "g.sqlite")
    assert created.returncode == 0, created.stderr
    assert store_line(created) == f"geogrid: store: SpatiaLite file {path} (new, empty)"
    result = run_geogrid("info", "--json", db=tmp_path / "g.sqlite")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["store"] == "spatialite"
    assert body["counts"]["communities"] == 0
    assert store_line(result) == f"geogrid: store: SpatiaLite file {path}"


def test_the_global_store_option_names_the_store(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    path = tmp_path / "elsewhere" / "s.sqlite"
    result = run_geogrid("--store", str(path), "migrate")
    assert result.returncode == 0, result.stderr
    assert path.exists()
    assert store_line(result) == f"geogrid: store: SpatiaLite file {path.resolve()} (new, empty)"
    result = run_geogrid("--store", str(path), "info", "--json")
    assert store_line(result) == f"geogrid: store: SpatiaLite file {path.resolve()}"


@pytest.mark.parametrize(
    "command",
    [
        ["info"],
        ["plans", "list"],
        ["users", "list"],
        ["incidents", "stats"],
        ["incidents", "unlocated"],
        ["export", "--layer", "communities", "--out", "out.geojson"],
        ["map", "--out", "maps"],
    ],
)
def test_a_read_only_command_refuses_a_missing_store(tmp_path: Path, command: list[str]) -> None:
    """A mistyped --store used to create an empty file and report it empty."""
    path = tmp_path / "new.sqlite"
    result = run_geogrid("--store", str(path), *command)
    assert result.returncode == 1
    assert messages(result) == [
        f"geogrid: error: no store at {path.resolve()}: this command only reads a store; name "
        "an existing one with --store FILE (or DATABASE_URL), or create one with 'geogrid "
        "import' or 'geogrid demo'"
    ]
    assert not path.exists()


def test_failure_is_one_line_on_stderr_and_nonzero_exit(tmp_path: Path) -> None:
    result = run_geogrid("plans", "publish", "7", db=tmp_path / "g.sqlite")
    assert result.returncode == 1
    assert messages(result) == ["geogrid: error: grid plan 7 does not exist"]


def test_unreachable_database_is_a_clear_error() -> None:
    result = run_geogrid("info", env={"DATABASE_URL": "mysql://nobody@127.0.0.1/geogrid"})
    assert result.returncode == 1
    assert "unsupported database" in result.stderr
