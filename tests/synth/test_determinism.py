"""The same seed gives a byte-identical GeoPackage; another seed another city."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyogrio
import typer
from typer.testing import CliRunner

from geogrid.cli.synth_cmd import register
from geogrid.synth import SYNTH_LAYERS


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """Keep ``synth`` a subcommand."""

    return app


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes_other_seed_other_city(tmp_path: Path) -> None:
    runner = CliRunner()
    app = _app()
    paths = [tmp_path / "a.gpkg", tmp_path / "b.gpkg", tmp_path / "c.gpkg"]
    for path, seed in zip(paths, ("1", "1", "2"), strict=True):
        result = runner.invoke(
            app, ["synth", "--district", "210203", "--seed", seed, "--out", str(path)]
        )
        assert result.exit_code == 0, result.output
        assert "synthetic" in result.output
    assert _digest(paths[0]) == _digest(paths[1])
    assert _digest(paths[0]) != _digest(paths[2])
    layers = [name for name, _ in pyogrio.list_layers(paths[0])]
    assert layers == list(SYNTH_LAYERS)


def test_writing_again_replaces_the_file(tmp_path: Path) -> None:
    runner = CliRunner()
    app = _app()
    out = tmp_path / "city.gpkg"
    runner.invoke(
        app,
        ["synth", "--district", "210203", "--seed", "1", "--out", str(out), "--households", "5000"],
    )
    first = _digest(out)
    result = runner.invoke(
        app,
        ["synth", "--district", "210203", "--seed", "1", "--out", str(out), "--households", "5000"],
    )
    assert result.exit_code == 0, result.output
    assert _digest(out) == first
    frame = pyogrio.read_dataframe(out, layer="buildings")
    assert int(frame["households"].sum()) == 5000
