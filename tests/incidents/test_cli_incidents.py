"""The incident commands end to end on a SpatiaLite file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import typer
from incident_plans import grid_center, square_plan
from typer.testing import CliRunner

from geogrid.cli.incidents_cmd import register
from geogrid.errors import ValidationFailed
from geogrid.settings import StoreSettings
from geogrid.store import open_store, publish_plan


@pytest.fixture
def cli(tmp_path: Path) -> tuple[typer.Typer, str]:
    url = f"sqlite:///{tmp_path / 'g.sqlite'}"
    store = open_store(StoreSettings(database_url=url))
    store.migrate()
    with store.transaction() as conn:
        publish_plan(conn, square_plan(conn))
    store.dispose()
    app = typer.Typer()
    register(app)
    return app, url


def test_synth_stats_import_and_a_refused_import(
    cli: tuple[typer.Typer, str], tmp_path: Path
) -> None:
    app, url = cli
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["synth-incidents", "--plan", "1", "--count", "400", "--seed", "3", "--database-url", url],
    )
    assert result.exit_code == 0, result.output
    assert "imported 400 synthetic incidents" in result.output
    out = tmp_path / "streets.csv"
    result = runner.invoke(
        app, ["incidents", "stats", "--by", "street", "--out", str(out), "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    streets = pd.read_csv(out, dtype={"street": str})
    assert list(streets["street"]) == ["370212001"] and int(streets["reported"].iloc[0]) == 400
    lon, lat = grid_center(1, 1)
    good = tmp_path / "good.csv"
    pd.DataFrame(
        [
            {
                "id": "X-1",
                "lon": lon,
                "lat": lat,
                "category": "010101",
                "reported_at": "2025-03-01 09:00",
            }
        ]
    ).to_csv(good, index=False)
    result = runner.invoke(app, ["incidents", "import", str(good), "--database-url", url])
    assert result.exit_code == 0 and "imported 1 incident from" in result.output
    result = runner.invoke(app, ["incidents", "import", str(good), "--database-url", url])
    assert isinstance(result.exception, ValidationFailed)
    result = runner.invoke(app, ["incidents", "ranking", "--database-url", url])
    assert result.exit_code == 0 and "red" in result.output and "black" in result.output
