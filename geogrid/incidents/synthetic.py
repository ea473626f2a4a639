"""A realistic synthetic year of grid incidents over a plan (pure; every record labelled synthetic).

Report times follow a seasonal curve (a summer peak, a Spring Festival dip), a weekday rhythm
(fewer at weekends) and office-hours patrols; categories follow a city command centre's mix;
locations favour busy grids and a few planted hot spots; the workflow durations put most closures
well within the deadline, some overdue (more for a few weak departments), some reworked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geogrid.incidents.deadlines import CHINESE_WEEK, LOCAL_TZ, WorkCalendar, due_dates_array
from geogrid.incidents.taxonomy import Taxonomy, default_taxonomy

# Share of each category (by code) in a year of reports.
CATEGORY_MIX = {
    "01": 22,
    "02": 20,
    "03": 10,
    "04": 6,
    "05": 8,
    "06": 7,
    "07": 5,
    "08": 6,
    "09": 5,
    "10": 6,
    "11": 3,
    "12": 2,
}
SUMMER_CATEGORIES = ("02", "04", "11")  # sanitation, greenery, environment peak in summer
WEEKDAY = np.array([1.15, 1.1, 1.05, 1.05, 1.0, 0.7, 0.6])
HOUR = np.array(
    [1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 17, 12, 7, 9, 15, 16, 14, 10, 6, 4, 3, 2, 2, 1], float
)
SOURCES = (("patrol", 0.6), ("hotline", 0.15), ("app", 0.15), ("qr_code", 0.1))


def synthesize_incidents(
    basic: gpd.GeoDataFrame,
    *,
    year: int = 2025,
    count: int = 10_000,
    seed: int = 0,
    hot_spots: int = 5,
    taxonomy: Taxonomy | None = None,
    calendar: WorkCalendar | None = CHINESE_WEEK,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """``count`` incidents over the basic grids (EPSG:4326) in ``year``, with their workflow
    as of ``as_of`` (default: the end of the year); columns as :func:`intake.normalise` reads."""
    rng = np.random.default_rng(seed)
    taxonomy = taxonomy or default_taxonomy()
    grids = basic.to_crs("EPSG:4326").reset_index(drop=True)
    items = _pick_items(rng, taxonomy, count)
    reported = _report_times(
        rng, year, count, summer=np.isin([c[:2] for c in items], SUMMER_CATEGORIES)
    )
    lon, lat = _locations(rng, grids, count, hot_spots=hot_spots)
    entries = [taxonomy.resolve(c) for c in items]
    tiers = np.array([e.tier for e in entries])
    upgrade = rng.random(count) < 0.08  # dispatchers upgrade some incidents to red
    tiers = np.where(upgrade, "red", tiers)
    _, handling_due = due_dates_array(reported, tiers, taxonomy.tiers, calendar=calendar)
    end = int((as_of or datetime(year + 1, 1, 1, tzinfo=UTC)).timestamp())
    frame = pd.DataFrame(
        {
            "ref": [f"SYN{year}-{seed}-{i:07d}" for i in range(count)],
            "lon": lon,
            "lat": lat,
            "crs": "EPSG:4326",
            "category": items,
            "priority": tiers,
            "description": [f"（合成）{e.name}" for e in entries],
            "reporter": "synthetic",
            "source": rng.choice([s for s, _ in SOURCES], count, p=[p for _, p in SOURCES]),
            "department": [e.department for e in entries],
            "dispatch_level": [e.level for e in entries],
            "synthetic": True,
        }
    )
    _workflow(rng, frame, reported, handling_due, end)
    return frame


def _pick_items(rng: np.random.Generator, taxonomy: Taxonomy, count: int) -> list[str]:
    by_cat: dict[str, list[str]] = {}
    for item in taxonomy.items:
        by_cat.setdefault(item.category_code, []).append(item.code)
    cats = [c for c in by_cat if c in CATEGORY_MIX] or list(by_cat)
    weights = np.array([CATEGORY_MIX.get(c, 1) for c in cats], float)
    chosen = rng.choice(len(cats), count, p=weights / weights.sum())
    out = np.empty(count, dtype=object)
    for k, cat in enumerate(cats):
        mask = chosen == k
        codes = by_cat[cat]
        popularity = rng.dirichlet(np.full(len(codes), 0.6))  # a few items dominate
        out[mask] = rng.choice(codes, int(mask.sum()), p=popularity)
    return list(out)


def _report_times(
    rng: np.random.Generator, year: int, count: int, *, summer: NDArray[np.bool_]
) -> NDArray[np.int64]:
    days = pd.date_range(date(year, 1, 1), date(year, 12, 31), freq="D")
    doy = np.arange(len(days))
    season = 1.0 + 0.25 * np.sin(2 * np.pi * (doy - 105) / 365)  # peak in mid July
    festival = np.abs(doy - 30) < 5  # about the Spring Festival
    base = season * WEEKDAY[days.day_of_week] * np.where(festival, 0.5, 1.0)
    hot = base * (1.0 + 0.6 * np.clip(np.sin(2 * np.pi * (doy - 105) / 365), 0, None))
    day = np.empty(count, dtype=np.int64)
    for mask, weights in ((~summer, base), (summer, hot)):
        day[mask] = rng.choice(len(days), int(mask.sum()), p=weights / weights.sum())
    hour = rng.choice(24, count, p=HOUR / HOUR.sum())
    seconds = hour * 3600 + rng.integers(0, 3600, count)
    local = pd.DatetimeIndex(days[day]) + pd.to_timedelta(seconds, unit="s")
    return np.asarray(
        local.tz_localize(LOCAL_TZ).tz_convert("UTC").as_unit("s").asi8, dtype=np.int64
    )


def _locations(
    rng: np.random.Generator, grids: gpd.GeoDataFrame, count: int, *, hot_spots: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    activity = rng.lognormal(0.0, 0.6, len(grids))
    hot = rng.choice(len(grids), min(hot_spots, len(grids)), replace=False)
    activity[hot] *= 6.0
    pick = rng.choice(len(grids), count, p=activity / activity.sum())
    geoms = np.asarray(grids.geometry.values)
    lon, lat = np.empty(count), np.empty(count)
    todo = np.arange(count)
    for _ in range(50):
        if not len(todo):
            break
        bounds = shapely.bounds(geoms[pick[todo]])
        x = rng.uniform(bounds[:, 0], bounds[:, 2])
        y = rng.uniform(bounds[:, 1], bounds[:, 3])
        # hot spot reports cluster around a market or a crossing: half within ~60 m of its centre
        in_hot = np.isin(pick[todo], hot) & (rng.random(len(todo)) < 0.5)
        centre = shapely.get_coordinates(shapely.point_on_surface(geoms[pick[todo][in_hot]]))
        x[in_hot] = centre[:, 0] + rng.normal(0, 0.0006, len(centre))
        y[in_hot] = centre[:, 1] + rng.normal(0, 0.0005, len(centre))
        ok = shapely.contains_xy(geoms[pick[todo]], x, y)
        lon[todo[ok]], lat[todo[ok]] = x[ok], y[ok]
        todo = todo[~ok]
    if len(todo):  # thin slivers: fall back to a point on the surface
        centre = shapely.get_coordinates(shapely.point_on_surface(geoms[pick[todo]]))
        lon[todo], lat[todo] = centre[:, 0], centre[:, 1]
    return lon, lat


_STAGES = (
    "reported",
    "accepted",
    "dispatched",
    "handling",
    "handled",
    "verified",
    "closed",
    "evaluated",
)
"""Workflow states in order; each has its time stamp (handling: ``responded_at``)."""


def _workflow(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    reported: NDArray[np.int64],
    due: NDArray[np.int64],
    end: int,
) -> None:
    """Add the status, time stamps and counts each incident has reached by ``end``."""
    n = len(frame)
    stamps, late = _stage_times(rng, frame, reported, due)
    rework = np.where(rng.random(n) < 0.06, 1 + (rng.random(n) < 0.2), 0)
    rejected = rng.random(n) < 0.03
    evaluates = rng.random(n) < 0.7
    status = np.full(n, "reported", dtype=object)
    for name, stamp in zip(_STAGES, stamps.values(), strict=True):
        reached = stamp <= end
        if name == "evaluated":
            reached &= evaluates
        status[reached] = name
    status[rejected & (stamps["accepted_at"] <= end)] = "rejected"
    satisfied = np.where(late, rng.random(n) < 0.65, rng.random(n) < 0.93)
    _keep_reached_stamps(frame, stamps, status)
    frame["status"] = status
    reached_handling = np.isin(status, _STAGES[4:]) | (status == "handling")
    frame["rework_count"] = np.where(reached_handling, rework, 0)
    frame["escalation_count"] = (late & (frame["dispatch_level"] != "district")).astype(int)
    frame["dispatch_level"] = np.where(
        frame["escalation_count"] > 0,
        frame["dispatch_level"].map({"community": "street", "street": "district"}),
        frame["dispatch_level"],
    )
    frame["satisfied"] = pd.Series(satisfied, dtype=object).where(status == "evaluated", None)
    frame.loc[
        np.isin(status, ["reported", "accepted", "rejected"]), ["department", "dispatch_level"]
    ] = None


def _stage_times(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    reported: NDArray[np.int64],
    due: NDArray[np.int64],
) -> tuple[dict[str, NDArray[np.int64]], NDArray[np.bool_]]:
    """When each stage would be reached, and which incidents run late (weak departments more)."""
    n = len(frame)
    departments = frame["department"].unique()
    weakness = dict(zip(departments, rng.lognormal(0, 0.7, len(departments)), strict=True))
    late_p = np.clip(0.03 * frame["department"].map(weakness).to_numpy(), 0.005, 0.25)
    window = np.maximum(due - reported, 600)
    late = rng.random(n) < late_p
    share = np.where(late, 1.0 + rng.exponential(0.6, n), rng.beta(2.0, 5.0, n) * 0.97)
    accepted = reported + rng.exponential(900, n).astype(np.int64) + 60
    dispatched = accepted + rng.exponential(1200, n).astype(np.int64) + 60
    closed = reported + (share * window).astype(np.int64)
    closed = np.maximum(closed, dispatched + 1800)
    responded = dispatched + ((closed - dispatched) * rng.uniform(0.05, 0.3, n)).astype(np.int64)
    verified = closed - rng.integers(300, 3600, n)
    handled = verified - ((verified - responded) * rng.uniform(0.05, 0.4, n)).astype(np.int64)
    handled = np.maximum(handled, responded + 60)
    verified = np.maximum(verified, handled + 60)
    closed = np.maximum(closed, verified + 60)
    evaluated = closed + rng.exponential(6 * 3600, n).astype(np.int64)
    stamps = {
        "reported_at": reported,
        "accepted_at": accepted,
        "dispatched_at": dispatched,
        "responded_at": responded,
        "handled_at": handled,
        "verified_at": verified,
        "closed_at": closed,
        "evaluated_at": evaluated,
    }
    return stamps, late


def _keep_reached_stamps(
    frame: pd.DataFrame, stamps: dict[str, NDArray[np.int64]], status: NDArray[np.object_]
) -> None:
    """Time stamps of the stages reached (a rejection: report, acceptance, closed at once)."""
    ranks = {name: i for i, name in enumerate(_STAGES)} | {"rejected": -1}
    rank = pd.Series(status).map(ranks).to_numpy()
    for name, stamp in stamps.items():
        stage = _STAGES.index(name.removesuffix("_at")) if name != "responded_at" else 3
        kept = (rank >= stage) | ((rank == -1) & (name in ("reported_at", "accepted_at")))
        frame[name] = pd.to_datetime(pd.Series(stamp), unit="s", utc=True).where(kept)
    rejected = status == "rejected"
    frame.loc[rejected, "closed_at"] = pd.to_datetime(
        pd.Series(stamps["accepted_at"][rejected]), unit="s", utc=True
    ).to_numpy()
