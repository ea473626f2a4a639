"""Statistics in SQL agree with the pandas reference on a synthetic year, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from incident_plans import COMMUNITY, square_plan

from geogrid.incidents.deadlines import WorkCalendar
from geogrid.incidents.intake import normalise
from geogrid.incidents.synthetic import synthesize_incidents
from geogrid.layers.incident_stats import COUNTS, summarise
from geogrid.store import Store, publish_plan, read_plan
from geogrid.store.incident_bulk import import_incidents
from geogrid.store.incident_kpis import command_kpis
from geogrid.store.incident_stats import department_ranking, incident_stats, incident_trend

AS_OF = datetime(2025, 12, 20, tzinfo=UTC)


@pytest.fixture
def year(store: Store) -> tuple[Store, pd.DataFrame]:
    with store.transaction() as conn:
        plan = square_plan(conn, n=4)
        publish_plan(conn, plan)
        basic = read_plan(conn, plan, "basic")
    frame = synthesize_incidents(basic, year=2025, count=3000, seed=7, as_of=AS_OF)
    with store.transaction() as conn:
        import_incidents(
            conn,
            frame,
            source_file="synthetic",
            fmt="synthetic",
            calendar=WorkCalendar(),
            synthetic=True,
        )
    return store, frame


def _reference(frame: pd.DataFrame, basic: gpd.GeoDataFrame, *, as_of: datetime) -> pd.DataFrame:
    points = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=4326
    )
    joined = gpd.sjoin(points, basic[["code", "geometry"]], predicate="within", how="left")
    rows = joined.rename(columns={"code": "key"})
    due = normalise(frame, calendar=WorkCalendar()).records["handling_due"].to_numpy()
    rows["handling_due"] = pd.to_datetime(due, unit="s", utc=True)
    return summarise(rows, as_of=as_of).set_index("key")


def test_grid_statistics_match_the_reference(year: tuple[Store, pd.DataFrame]) -> None:
    store, frame = year
    with store.engine.connect() as conn:
        plan = conn.exec_driver_sql("SELECT id FROM grid_plans").scalar_one()
    basic = read_plan(store.engine, plan, "basic")
    got = incident_stats(store.engine, by="basic", as_of=AS_OF).set_index("key")
    want = _reference(frame, basic, as_of=AS_OF)
    assert list(got.index) == list(want.index)
    for column in COUNTS:
        assert (got[column] == want[column]).all(), column
    for column in ("settlement_rate", "on_time_rate", "median_response_h", "median_handling_h"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-4, atol=1e-3)
    # a realistic year: most closed, most on time, a few overdue and reworked
    total = got.sum()
    assert 0.9 < total["closed"] / total["accepted"] <= 1
    assert 0.85 < total["on_time"] / total["closed"] < 0.995
    assert 0 < total["reworked"] < 0.15 * total["accepted"]


def test_window_category_and_hierarchy(year: tuple[Store, pd.DataFrame]) -> None:
    store, frame = year
    summer = dict(start=datetime(2025, 6, 1, tzinfo=UTC), end=datetime(2025, 9, 1, tzinfo=UTC))
    got = incident_stats(store.engine, by="district", categories=["01"], as_of=AS_OF, **summer)
    reported = pd.to_datetime(frame["reported_at"], utc=True)
    expected = (
        (reported >= summer["start"])
        & (reported < summer["end"])
        & frame["category"].str.startswith("01")
    ).sum()
    assert list(got["key"]) == ["370212"] and int(got["reported"].iloc[0]) == expected
    streets = incident_stats(store.engine, by="street", as_of=AS_OF)
    communities = incident_stats(store.engine, by="community", within=COMMUNITY, as_of=AS_OF)
    assert streets["reported"].sum() == communities["reported"].sum() == len(frame)
    sub = incident_stats(store.engine, by="category", categories=["0101", "020101"], as_of=AS_OF)
    assert set(sub["key"]) <= {"01", "02"}


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_trends_add_up_and_follow_the_calendar(
    year: tuple[Store, pd.DataFrame], period: str
) -> None:
    store, frame = year
    trend = incident_trend(store.engine, period=period)
    assert trend["reported"].sum() == len(frame)
    local = pd.to_datetime(frame["reported_at"], utc=True).dt.tz_convert("Asia/Shanghai")
    if period == "month":
        assert len(trend) == 12 and trend["period"].iloc[0] == "2025-01-01"
        assert int(trend["reported"].iloc[6]) == int((local.dt.month == 7).sum())
    if period == "week":
        assert all(pd.Timestamp(p).day_of_week == 0 for p in trend["period"])
    if period == "day":
        weekday = (
            trend.assign(dow=pd.to_datetime(trend["period"]).dt.day_of_week)
            .groupby("dow")["reported"]
            .mean()
        )
        assert weekday[[0, 1, 2, 3, 4]].mean() > weekday[[5, 6]].mean()  # the weekday rhythm


def test_department_red_and_black_list(year: tuple[Store, pd.DataFrame]) -> None:
    store, _ = year
    ranking = department_ranking(store.engine, as_of=AS_OF, top=3)
    assert list(ranking["rank"]) == list(range(1, len(ranking) + 1))
    assert (ranking["list"] == "red").sum() == 3 and (ranking["list"] == "black").sum() == 3
    assert ranking["penalty"].is_monotonic_increasing
    assert ranking.iloc[0]["list"] == "red" and ranking.iloc[-1]["list"] == "black"


def test_a_past_moment_counts_what_was_open_then(year: tuple[Store, pd.DataFrame]) -> None:
    """``as_of`` in the past replays it: an incident closed after the moment was open then."""
    store, frame = year
    moment = datetime(2025, 6, 1, 2, tzinfo=UTC)
    got = incident_stats(store.engine, by="district", end=moment, as_of=moment).iloc[0]
    reported = pd.to_datetime(frame["reported_at"], utc=True)
    closed_at = pd.to_datetime(frame["closed_at"], utc=True)
    due = pd.to_datetime(
        normalise(frame, calendar=WorkCalendar()).records["handling_due"], unit="s", utc=True
    )
    before = (reported < moment).to_numpy()
    closed = frame["status"].isin(["closed", "evaluated"]).to_numpy() & (closed_at <= moment)
    open_ = (~frame["status"].isin(["closed", "evaluated", "rejected"]).to_numpy()) | (
        frame["status"].isin(["closed", "evaluated"]).to_numpy() & (closed_at > moment)
    )
    closed, open_ = closed & before, open_ & before
    overdue = (closed & (closed_at > due)) | (open_ & (due < moment))
    assert got["closed"] == int(closed.sum())
    assert got["open"] == int(open_.sum())
    assert got["overdue"] == int(overdue.sum())
    assert got["on_time"] == int((closed & (closed_at <= due)).sum())
    # June's open work includes incidents closed since: more than are open today
    open_today = ~frame["status"].isin(["closed", "evaluated", "rejected"]).to_numpy() & before
    assert got["open"] > int(open_today.sum())
    # the big screen's "open now" and "overdue" tiles replay the same moment
    today = command_kpis(store.engine, as_of=moment)["today"]
    assert (today["open"], today["overdue"]) == (
        int(open_.sum()),
        int((open_ & (due < moment)).sum()),
    )
