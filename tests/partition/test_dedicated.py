"""Institutions with dedicated grids: schools get basic grids of their own when asked for."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import assert_invariants
from partition_citygen import city
from typer.testing import CliRunner

from geogrid.errors import InputError
from geogrid.partition.engine import partition_plan
from geogrid.store import Store, plan_info, read_plan, write_layer

SCHOOL_BUILDINGS = 4


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    """A small city where a few buildings far apart are schools (some stand in a compound)."""
    out = city(communities=3, buildings=700, households=3300, seed=4)
    bld = out["buildings"].copy()
    metric = bld.to_crs("EPSG:32651")
    x = metric.geometry.centroid.x.to_numpy()
    picks = np.linspace(0, len(bld) - 1, SCHOOL_BUILDINGS).round().astype(int)
    picks = np.argsort(x, kind="stable")[picks]  # spread from west to east
    use = np.full(len(bld), "residential", dtype=object)
    use[picks] = "School "  # messy case and spaces are normalised
    bld["use"] = use
    out["buildings"] = bld
    return out


def _plan(layers: dict[str, gpd.GeoDataFrame], **options: object):  # type: ignore[no-untyped-def]
    return partition_plan(
        layers["communities"],
        layers["buildings"],
        roads=layers["roads"],
        waterways=layers["waterways"],
        seed=3,
        **options,  # type: ignore[arg-type]
    )


def _grid_of_buildings(grids: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> np.ndarray:
    """The code of the grid holding each building's interior point."""
    points = shapely.point_on_surface(buildings.to_crs(grids.crs).geometry.to_numpy())
    bi, gi = shapely.STRtree(grids.geometry.to_numpy()).query(points, predicate="intersects")
    out = np.full(len(points), "", dtype=object)
    out[bi[::-1]] = grids["code"].to_numpy()[gi[::-1]]
    return out


def test_each_school_gets_a_basic_grid_of_its_own(layers: dict[str, gpd.GeoDataFrame]) -> None:
    plan = _plan(layers, dedicated_uses=["school"])
    assert_invariants(plan, layers["communities"], layers["buildings"])
    dedicated = plan.report["basic"]["dedicated_grids"]
    assert dedicated, "no dedicated grids reported"
    assert {d["use"] for d in dedicated} == {"school"}
    assert sum(d["buildings"] for d in dedicated) == SCHOOL_BUILDINGS
    codes = {d["code"] for d in dedicated}
    assert len(codes) == len(dedicated)
    assert codes <= set(plan.grids["basic"]["code"])

    bld = layers["buildings"]
    grid = _grid_of_buildings(plan.grids["basic"], bld)
    school = bld["use"].str.strip().str.lower().eq("school").to_numpy()
    assert set(grid[school]) == codes, "a school building outside its dedicated grid"
    allowed = _school_companions(layers)
    for code in codes:
        inside = grid == code
        # only schools, buildings inseparable from them and their compounds share their grid
        assert allowed[inside].all(), code
        row = plan.grids["basic"].set_index("code").loc[code]
        assert row["buildings"] == int(inside.sum())


def _school_companions(layers: dict[str, gpd.GeoDataFrame]) -> np.ndarray:
    """Per building: a school, or in one unit with a school, or in such a building's compound.

    The engine never cuts a unit (the cells of buildings it cannot part), so a building there
    with a school, and the rest of the compound the school stands in, belong to its grid."""
    from geogrid.partition.inputs import parent_items
    from geogrid.partition.units import build_units

    bld = layers["buildings"].reset_index(drop=True)
    items, _ = parent_items(layers["communities"], bld, [layers["roads"], layers["waterways"]])
    # buildings reach the engine in a canonical order; each item names their input rows
    rows = [item.rows for item in items]
    allowed = np.zeros(len(bld), dtype=bool)
    compound = bld["compound_id"].to_numpy()
    for item, row in zip(items, rows, strict=True):
        units = build_units(
            item.geometry, item.points, item.households, item.compound, item.lines,
            item.footprints,
        )  # fmt: skip
        node = units.group[units.building_unit]
        school = np.asarray([u == "school" for u in item.uses])
        mates = np.isin(node, node[school])
        kept = {c for c in compound[row[mates]] if isinstance(c, str)}
        allowed[row[mates]] = True
        allowed[row[np.isin(compound[row], list(kept))]] = True
    return allowed


def test_without_the_option_nothing_changes(layers: dict[str, gpd.GeoDataFrame]) -> None:
    with_use = _plan(layers)
    without = dict(layers, buildings=layers["buildings"].drop(columns="use"))
    plain = _plan(without)
    assert with_use.report["basic"]["dedicated_grids"] == []
    for level in ("basic", "micro"):
        a, b = with_use.grids[level], plain.grids[level]
        assert a["code"].tolist() == b["code"].tolist()
        assert a.geometry.to_wkb().tolist() == b.geometry.to_wkb().tolist()


def test_a_use_no_building_has_and_no_table_knows_is_refused(
    layers: dict[str, gpd.GeoDataFrame],
) -> None:
    # --dedicated schol ran, made no dedicated grid and said nothing
    with pytest.raises(InputError, match="no building has the use 'schol' asked for dedicated"):
        partition_plan(layers["communities"], layers["buildings"], dedicated_uses=["schol"])


def test_a_use_in_chinese_asks_for_the_same_grids(layers: dict[str, gpd.GeoDataFrame]) -> None:
    chinese = layers["buildings"].assign(use=layers["buildings"]["use"].replace("School ", "学校"))
    english = _plan(layers, dedicated_uses=["school"]).report["basic"]["dedicated_grids"]
    assert len(english) == SCHOOL_BUILDINGS
    for asked in (["school"], ["学校"]):
        plan = _plan(dict(layers, buildings=chinese), dedicated_uses=asked)
        assert plan.report["basic"]["dedicated_grids"] == english


def test_dedicated_uses_need_a_use_field(layers: dict[str, gpd.GeoDataFrame]) -> None:
    bare = layers["buildings"].drop(columns="use")
    with pytest.raises(InputError, match="'use' field"):
        partition_plan(layers["communities"], bare, dedicated_uses=["school"])


def test_cli_dedicated_option(layers: dict[str, gpd.GeoDataFrame], tmp_path: Path) -> None:
    from geogrid.cli import app

    source = tmp_path / "city.gpkg"
    for name in ("communities", "buildings", "roads", "waterways"):
        layers[name].to_file(source, layer=name, driver="GPKG")
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        app,
        ["partition", str(source), "--report", str(report), "--seed", "3",
         "--dedicated", "school,hospital"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    dedicated = json.loads(report.read_text())["basic"]["dedicated_grids"]
    assert sum(d["buildings"] for d in dedicated) == SCHOOL_BUILDINGS
    assert "dedicated institution grid" in result.output


def test_dask_path_gives_the_same_dedicated_grids(layers: dict[str, gpd.GeoDataFrame]) -> None:
    single = _plan(layers, dedicated_uses=["school"])
    spread = _plan(layers, dedicated_uses=["school"], scheduler="local")
    assert spread.report["basic"]["dedicated_grids"] == single.report["basic"]["dedicated_grids"]
    a, b = single.grids["basic"], spread.grids["basic"]
    assert a.geometry.to_wkb().tolist() == b.geometry.to_wkb().tolist()


def test_a_redraw_refuses_dedicated_uses(layers: dict[str, gpd.GeoDataFrame]) -> None:
    from geogrid.partition_jobs import run_partition

    first = _plan(layers)
    with pytest.raises(InputError, match="first plan"):
        run_partition(layers, current=first.grids, dedicated_uses=["school"])


def test_partition_store_saves_dedicated_grids(
    store: Store, layers: dict[str, gpd.GeoDataFrame]
) -> None:
    from geogrid.partition_jobs import partition_store

    with store.transaction() as conn:
        for name in ("communities", "buildings", "roads", "waterways"):
            write_layer(conn, name, layers[name], source_file="test", source_crs="EPSG:4326")
    plan_id, report = partition_store(store, seed=3, dedicated_uses=["school"])
    stored = plan_info(store.engine, plan_id)["report"]["basic"]["dedicated_grids"]
    assert stored == report["basic"]["dedicated_grids"]
    assert sum(d["buildings"] for d in stored) == SCHOOL_BUILDINGS
    basic = read_plan(store.engine, plan_id, "basic")
    assert {d["code"] for d in stored} <= set(basic["code"])
