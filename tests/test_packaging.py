"""The wheel carries everything geogrid needs: built, installed in a fresh venv, it runs `synth`
(which reads the packaged seed boundaries) far from the source tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

REPO = Path(__file__).resolve().parents[1]
_NOT_SHIPPED = (".venv", ".git", "out", "build", "tests", "benchmarks", "maps", "*.egg-info")


def _run(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, f"{args}: {done.stderr[-2000:]}"
    return done.stdout


@pytest.mark.slow
def test_the_wheel_installed_in_a_fresh_venv_runs_synth(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the repository
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(*_NOT_SHIPPED))
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "-q",
        "-w",
        tmp_path / "dist",
        source,
        cwd=tmp_path,
    )
    [wheel] = (tmp_path / "dist").glob("geogrid-*.whl")
    shutil.rmtree(source)
    venv = tmp_path / "venv"
    _run(sys.base_prefix + "/bin/python3", "-m", "venv", venv, cwd=tmp_path)
    _run(venv / "bin" / "pip", "install", "-q", wheel, cwd=tmp_path)
    where = _run(
        venv / "bin" / "python", "-c", "import geogrid; print(geogrid.__file__)", cwd=tmp_path
    )
    assert where.startswith(str(venv))
    out = tmp_path / "city.gpkg"
    _run(
        venv / "bin" / "geogrid",
        "synth",
        "--district",
        "210203",
        "--seed",
        "1",
        "--out",
        out,
        cwd=tmp_path,
    )
    layers = [str(name) for name in pyogrio.list_layers(out)[:, 0]]
    assert layers[:3] == ["districts", "streets", "communities"]
    assert pyogrio.read_info(out, layer="communities")["features"] == 49  # Xigang's NBS list
