"""One published plan at a time on both stores; database errors leave the store as domain errors."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box
from sqlalchemy import text, update

from geogrid.errors import Conflict, NotFound, StoreError
from geogrid.settings import StoreSettings
from geogrid.store import Store, list_plans, open_store, plan_info, publish_plan, save_plan
from geogrid.store.tables import GridPlan, table_of


def _draft(store: Store) -> int:
    basic = gpd.GeoDataFrame(
        {"code": ["37021200100101"], "parent_code": ["370212001001"]},
        geometry=[box(120.45, 36.10, 120.46, 36.11)],
        crs=4326,
    )
    with store.transaction() as conn:
        return save_plan(conn, {"basic": basic}, author="planner")


def _publish(store: Store, plan_id: int) -> str:
    try:  # publishing asks not to wait: a SpatiaLite writer would wait for the write lock
        with store.transaction(wait=False) as conn:
            publish_plan(conn, plan_id)
    except Conflict as exc:
        return f"conflict: {exc}"
    return "published"


def test_two_concurrent_publishes_exactly_one_wins(store: Store) -> None:
    first, second = _draft(store), _draft(store)
    with ThreadPoolExecutor(1) as other, store.transaction() as conn:
        publish_plan(conn, first)  # not committed yet: the second publish runs meanwhile
        loser = other.submit(_publish, store, second).result(timeout=30)
    # PostGIS: the publish lock; SpatiaLite: the file's one write lock, taken at BEGIN
    assert loser.startswith(
        (
            f"conflict: grid plan {second} was not published: another plan",
            "conflict: another write to the store is under way",
        )
    )
    statuses = {p["id"]: p["status"] for p in list_plans(store.engine)}
    assert statuses == {first: "published", second: "draft"}
    assert _publish(store, second) == "published"  # once the first is done, it may go ahead
    statuses = {p["id"]: p["status"] for p in list_plans(store.engine)}
    assert statuses == {first: "archived", second: "published"}


def test_the_database_itself_refuses_a_second_published_plan(store: Store) -> None:
    first, second = _draft(store), _draft(store)
    plans = table_of(GridPlan)
    with store.transaction() as conn:
        conn.execute(update(plans).where(plans.c.id == first).values(status="published"))
    with pytest.raises(Conflict, match="refused"), store.transaction() as conn:
        conn.execute(update(plans).where(plans.c.id == second).values(status="published"))
    assert plan_info(store.engine, second)["status"] == "draft"


@pytest.mark.parametrize("plan_id", [2**63, 2**64 + 5, 0, -1])
def test_an_impossible_plan_id_is_not_found(store: Store, plan_id: int) -> None:
    with pytest.raises(NotFound, match=f"grid plan {plan_id} does not exist"):
        plan_info(store.engine, plan_id)
    with pytest.raises(NotFound), store.transaction() as conn:
        publish_plan(conn, plan_id)


def test_a_database_error_is_a_store_error(store: Store) -> None:
    with pytest.raises(StoreError, match="the store failed"), store.transaction() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))


def test_an_unreachable_postgis_is_a_store_error() -> None:
    store = open_store(StoreSettings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    with pytest.raises(StoreError, match="the store failed"):
        store.migrate()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_sqlite_store_is_refused(url: str) -> None:
    with pytest.raises(StoreError, match=r"in-memory SQLite store .* use sqlite:///FILE"):
        open_store(StoreSettings(database_url=url))


def test_a_locked_spatialite_file_is_a_store_error(tmp_path: Path) -> None:
    settings = StoreSettings(database_url=f"sqlite:///{tmp_path / 'g.sqlite'}")
    holder, other = open_store(settings), open_store(settings)
    holder.migrate()
    try:
        with holder.transaction() as conn:
            conn.execute(text("UPDATE grid_plans SET note = note"))
            with other.engine.connect() as blocked:
                blocked.exec_driver_sql("PRAGMA busy_timeout = 10")
                with pytest.raises(StoreError, match="database is locked"):
                    blocked.execute(text("INSERT INTO data_versions VALUES ('x', 1, '2025')"))
    finally:
        holder.dispose()
        other.dispose()
