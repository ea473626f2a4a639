"""Tables a person can read at 80 columns (folded, places named), or every row as CSV / JSON;
`incidents overdue` lists what it changes and can only look (--dry-run)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from _cli import run_geogrid
from incident_plans import COMMUNITY, square_plan
from shapely.geometry import box

from geogrid.settings import StoreSettings
from geogrid.store import open_store, publish_plan, write_layer


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SpatiaLite file: the 3 x 3 square plan published, its community and street named,
    and 300 synthetic incidents of 2025."""
    db = tmp_path_factory.mktemp("tables") / "g.sqlite"
    store = open_store(StoreSettings(database_url=f"sqlite:///{db}"))
    store.migrate()
    place = box(120.45, 36.10, 120.48, 36.13)
    with store.transaction() as conn:
        for kind, code, name in (
            ("streets", COMMUNITY[:9], "中韩街道"),
            ("communities", COMMUNITY, "张村河社区"),
        ):
            frame = gpd.GeoDataFrame({"code": [code], "name": [name]}, geometry=[place], crs=4326)
            write_layer(conn, kind, frame, source_file="test", source_crs="EPSG:4326")
        publish_plan(conn, square_plan(conn))
    store.dispose()
    done = run_geogrid("synth-incidents", "--plan", "1", "--count", "300", "--seed", "2", db=db)
    assert done.returncode == 0, done.stderr
    return db


def test_stats_fold_at_80_columns_and_name_the_places(db: Path) -> None:
    done = run_geogrid("incidents", "stats", "--by", "community", db=db, env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    assert "…" not in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
    assert "张村河社区" in done.stdout and COMMUNITY in done.stdout.replace("\n", "")


def test_stats_as_csv_and_json_have_every_row_with_names(db: Path) -> None:
    done = run_geogrid("incidents", "stats", "--by", "basic", "--format", "csv", db=db)
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(io.StringIO(done.stdout), dtype={"basic": str})
    assert len(frame) == 9 and frame["reported"].sum() == 300
    assert list(frame.columns[:3]) == ["basic", "name", "reported"]
    assert frame["name"].iloc[0] == f"张村河社区 grid {frame['basic'].iloc[0][12:]}"
    done = run_geogrid("incidents", "stats", "--by", "category", "--format", "json", db=db)
    rows = json.loads(done.stdout)
    assert sum(r["reported"] for r in rows) == 300 and all(r["name"] for r in rows)
    done = run_geogrid("plans", "list", "--format", "json", db=db)
    [plan] = json.loads(done.stdout)
    assert (plan["id"], plan["status"]) == (1, "published")


def test_overdue_lists_its_changes_and_dry_run_changes_nothing(db: Path) -> None:
    look = run_geogrid("incidents", "overdue", "--dry-run", "--format", "json", db=db)
    assert look.returncode == 0, look.stderr
    would = json.loads(look.stdout)
    assert would, "a synthetic year of 2025 has open incidents past their deadline by now"
    again = json.loads(
        run_geogrid("incidents", "overdue", "--dry-run", "--format", "json", db=db).stdout
    )
    assert again == would
    done = run_geogrid("incidents", "overdue", "--format", "json", db=db)
    assert json.loads(done.stdout) == would
    escalated = [r for r in would if r["change"].startswith("overdue, escalated to")]
    table = run_geogrid("incidents", "overdue", db=db)
    assert "0 incident(s) newly flagged overdue" in table.stdout
    assert len(would) >= len(escalated)
