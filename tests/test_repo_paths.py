"""The suite and the package read nothing beside the repository: a clone has nothing there."""

from __future__ import annotations

from pathlib import Path

import pytest
from _repo_paths import REPO, leaves_repo, path_escapes, recorded

_GUARD = {"_repo_paths.py", "test_repo_paths.py"}  # they name the ways out on purpose


def _sources() -> list[Path]:
    files = [*(REPO / "tests").rglob("*.py"), *(REPO / "geogrid").rglob("*.py")]
    return sorted(f for f in files if f.name not in _GUARD)


def test_no_source_path_leaves_the_repository() -> None:
    found = [hit for f in _sources() for hit in path_escapes(f.read_text(encoding="utf-8"), f)]
    assert found == []


def test_the_source_check_catches_the_old_ways_out() -> None:
    file = REPO / "tests" / "io" / "x.py"
    source = (
        'DATA = Path(__file__).resolve().parents[3] / "shared"\n'
        'OTHER = REPO / ".." / "shared" / "data"\n'
        'LI = REPO.parent / "shared"\n'
        'OK = Path(__file__).resolve().parents[2] / "data"\n'
    )
    found = path_escapes(source, file)
    assert [hit.split(": ", 1)[0] for hit in found] == [
        "tests/io/x.py:1",
        "tests/io/x.py:2",
        "tests/io/x.py:3",
    ]


def test_leaves_repo_tells_beside_from_inside_and_temp(tmp_path: Path) -> None:
    assert leaves_repo(REPO.parent / "shared" / "data" / "x.geojson")
    assert leaves_repo(REPO / ".." / "shared")
    assert not leaves_repo(REPO / "tests" / "data" / "liechtenstein" / "NOTICE.md")
    assert not leaves_repo(tmp_path / "x")


def test_opening_a_file_beside_the_repository_is_recorded() -> None:
    beside = REPO.parent / "shared" / "data" / "nothing-here.geojson"
    with recorded() as caught:
        with pytest.raises(OSError):
            beside.open(encoding="utf-8")
        (REPO / "README.md").read_text(encoding="utf-8")
    assert caught == [str(beside)]
