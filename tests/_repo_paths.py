"""The suite carries its own data: nothing under tests/ or geogrid/ may read beside the repository.

Two guards, because GDAL opens files in C where Python cannot watch:
- at run time, an audit hook records every file Python opens outside the repository but next to
  it (``../shared/...``); the session fails when there is one (see ``conftest.py``);
- in the source, :func:`path_escapes` finds ``".."`` path pieces, ``parents[k]`` reaching above
  the repository root and ``REPO.parent``.
"""

from __future__ import annotations

import ast
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
_TEMP = Path(tempfile.gettempdir()).resolve()
opened_outside: list[str] = []


def leaves_repo(path: str | os.PathLike[str]) -> bool:
    """True for a path beside the repository (in its parent folder but not in it, nor in temp)."""
    p = Path(os.path.abspath(os.fspath(path)))
    if p.is_relative_to(REPO) or p.is_relative_to(_TEMP):
        return False
    return p.is_relative_to(REPO.parent)


def _on_audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not args or not isinstance(args[0], str | bytes | os.PathLike):
        return
    path = os.fsdecode(args[0])
    if leaves_repo(path):
        opened_outside.append(path)


_installed = False


def install() -> None:
    """Start recording (once per process; audit hooks cannot be removed)."""
    global _installed
    if not _installed:
        sys.addaudithook(_on_audit)
        _installed = True


@contextmanager
def recorded() -> Iterator[list[str]]:
    """What is recorded inside the block, kept apart from the session's list (for the guard's
    own test)."""
    before = len(opened_outside)
    caught: list[str] = []
    try:
        yield caught
    finally:
        caught.extend(opened_outside[before:])
        del opened_outside[before:]


def path_escapes(source: str, file: Path) -> list[str]:
    """Places in ``source`` (the text of ``file``) whose path would leave the repository."""
    depth = len(file.resolve().parent.relative_to(REPO).parts)
    found = []
    for node in ast.walk(ast.parse(source)):
        where = f"{file.relative_to(REPO)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            pieces = node.value.replace("\\", "/").split("/")
            if ".." in pieces and len(node.value) < 200:
                found.append(f"{where}: path piece '..' in {node.value!r}")
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "parents"
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, int)
            and node.slice.value > depth
        ):
            found.append(f"{where}: parents[{node.slice.value}] is above the repository root")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "parent"
            and isinstance(node.value, ast.Name)
            and node.value.id in {"REPO", "ROOT", "REPO_ROOT"}
        ):
            found.append(f"{where}: {node.value.id}.parent is outside the repository")
    return sorted(
        found, key=lambda hit: int(hit.split(":")[1]) if hit.split(":")[1].isdigit() else 0
    )
