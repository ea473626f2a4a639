"""The command-centre big screen (/maps/screen) in real headless Chromium with the network cut.

The tiny test city (tests/_city.py: 31 incidents reported April to June 2025, none accepted) is
moved on through the API as a dispatcher would on Tuesday 15 July 2025 (Beijing), and the screen
reports on 18:00 of that day (``?as_of=``). The expected tiles are counted by hand:

- reported today: S-1, S-2 (west street) and S-3 (east street), filed that morning -> 3;
- closed today: S-1 (closed at 12:00, on time) and T-00 (reported 1 April, closed at 16:00) -> 2;
- overdue: the 30 city incidents still open, all long past their 24 working-hour deadline
  (S-2 and S-3 are due the next day) -> 30;
- settlement rate of the year: closed / accepted = 2 / 3 (S-1, T-00; S-3 accepted) -> 66.7%;
- on-time rate: on time / closed = 1 / 2 (S-1 yes, T-00 no) -> 50.0%.

Drilled down to the east street 370212002 (community 370212002001 "社区001"): reported today 1
(S-3), closed 0, overdue 10 (T-20..T-29), settlement 0 / 1 -> 0.0%, on-time rate with nothing
closed -> "—".
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest

from geogrid.roles import Role
from geogrid.store.access import create_api_key

DAY = "2025-07-15"
AS_OF = f"{DAY}T18:00:00"
WEST_GRID = (120.405, 36.11)  # 370212001001002
EAST_GRID = (120.47, 36.09)  # 370212002001003
CLOSE = ("accept", "dispatch", "respond", "finish", "verify", "close")
KPI_TILES = ("reported", "closed", "overdue", "settlement", "on-time")


if TYPE_CHECKING:  # tests/api has a conftest module too: import by name only for types
    from conftest import ServedCity, WebPage


def _dispatcher(served: ServedCity) -> str:
    with served.store.transaction() as conn:
        return create_api_key(conn, name="screen", role=Role("dispatcher"), jurisdiction="370212")


def _call(served: ServedCity, key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{served.base}{path}",
        data=json.dumps(body).encode(),
        headers={"X-API-Key": key, "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            result: dict[str, Any] = json.loads(answer.read())
            return result
    except urllib.error.HTTPError as error:
        raise AssertionError(f"{path}: {error.code} {error.read().decode()}") from error


def _report(served: ServedCity, key: str, ref: str, where: tuple[float, float], at: str) -> int:
    body = {"ref": ref, "lon": where[0], "lat": where[1], "category": "020101"}
    return int(_call(served, key, "/incidents", body | {"reported_at": at})["id"])


def _act(served: ServedCity, key: str, incident: int, actions: tuple[str, ...], hours: list[str]):  # type: ignore[no-untyped-def]
    for action, hour in zip(actions, hours, strict=True):
        body = {"at": f"{DAY}T{hour}+08:00"} | (
            {"level": "community"} if action == "dispatch" else {}
        )
        _call(served, key, f"/incidents/{incident}/actions/{action}", body)


def _incident_id(served: ServedCity, ref: str) -> int:
    with urllib.request.urlopen(f"{served.base}/incidents?limit=100") as answer:
        rows = json.loads(answer.read())["incidents"]
    return next(int(row["id"]) for row in rows if row["ref"] == ref)


@pytest.fixture
def moved_city(served_city: ServedCity) -> ServedCity:
    """The test city after the dispatcher's 15 July (see the module docstring)."""
    key = _dispatcher(served_city)
    s1 = _report(served_city, key, "S-1", WEST_GRID, f"{DAY}T09:00:00+08:00")
    _report(served_city, key, "S-2", WEST_GRID, f"{DAY}T09:30:00+08:00")
    s3 = _report(served_city, key, "S-3", EAST_GRID, f"{DAY}T10:00:00+08:00")
    hours = ["09:10:00", "09:20:00", "09:30:00", "11:00:00", "11:30:00", "12:00:00"]
    _act(served_city, key, s1, CLOSE, hours)
    later = ["14:00:00", "14:10:00", "14:20:00", "15:00:00", "15:30:00", "16:00:00"]
    _act(served_city, key, _incident_id(served_city, "T-00"), CLOSE, later)
    _act(served_city, key, s3, ("accept",), ["10:30:00"])
    return served_city


def _tiles(web: WebPage) -> list[str]:
    return [
        web.page.inner_text(f'[data-kpi="{tile}"] .kpi-value')  # type: ignore[attr-defined]
        for tile in KPI_TILES
    ]


def _ranked(web: WebPage) -> list[str]:
    return web.page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#area-ranking td.name .label", "nodes => nodes.map(n => n.textContent)"
    )


def test_screen_loads_clean_draws_grids_and_shows_the_kpis_then_drills_down(
    moved_city: ServedCity, open_page: Any
) -> None:
    web: WebPage = open_page(f"{moved_city.base}/maps/screen?as_of={AS_OF}", viewport=(1920, 1080))
    web.page.wait_for_selector("body[data-ready]", timeout=60_000)  # type: ignore[attr-defined]
    grids = int(web.page.evaluate("document.body.dataset.grids"))  # type: ignore[attr-defined]
    assert grids == 7  # the published plan's 7 basic grids, drawn from tiles (not their pieces)
    # the server tells the page its district's box (the published grids: x 120.40-120.48, y
    # 36.08-36.12) and the map opens on it; the other layers come on top of the grids after
    with urllib.request.urlopen(f"{moved_city.base}/maps/screen") as answer:
        html = answer.read().decode()
    config = json.loads(html.split('id="geogrid-config">', 1)[1].split("</script>", 1)[0])
    assert config["view"] == pytest.approx([120.40, 36.08, 120.48, 36.12])
    camera = web.page.evaluate("geogridScreen.map.getCenter().toArray()")  # type: ignore[attr-defined]
    assert camera == pytest.approx([120.44, 36.10], abs=1e-3)
    layers = web.page.evaluate("geogridScreen.map.getStyle().layers.map((l) => l.id)")  # type: ignore[attr-defined]
    assert layers == [
        "background", "grid-fill", "grid-line", "hot-line", "cold-line", "heat",
        "heat-district", "incident-dots", "outline", "live-dot", "area-label",
    ]  # fmt: skip
    assert _tiles(web) == ["3", "2", "30", "66.7%", "50.0%"]
    assert sorted(_ranked(web)) == ["中韩街道", "沙子口街道"]
    assert web.page.inner_text("#crumbs") == "崂山区"  # type: ignore[attr-defined]
    # at a real district's zoom (10: Laoshan spans 0.5 degrees) the heat map comes from the
    # incidents counted per cell: all 34 (31 of the city and S-1..S-3), none left out
    counted = web.page.evaluate(  # type: ignore[attr-defined]
        """async () => {
          const map = geogridScreen.map;
          map.jumpTo({ zoom: 10 });
          await new Promise((done) => map.once('idle', done));
          const cells = map.querySourceFeatures('density', { sourceLayer: 'incident_density' });
          return [map.getLayer('heat-district').maxzoom, cells.reduce((n, f) => n + f.properties.count, 0)];
        }"""
    )
    assert counted == [12, 34]
    web.page.click('#area-ranking tr[data-key="370212002"]')  # type: ignore[attr-defined]
    web.page.wait_for_selector('body[data-area="370212002"]', timeout=30_000)  # type: ignore[attr-defined]
    assert _tiles(web) == ["1", "0", "10", "0.0%", "—"]
    assert _ranked(web) == ["社区001"]
    assert web.page.inner_text("#crumbs").split() == ["崂山区", "›", "沙子口街道"]  # type: ignore[attr-defined]
    # on to the community, then a click on the map's centre: its middle grid, 002
    web.page.click('#area-ranking tr[data-key="370212002001"]')  # type: ignore[attr-defined]
    web.page.wait_for_selector('body[data-area="370212002001"]', timeout=30_000)  # type: ignore[attr-defined]
    box = web.page.locator("#map").bounding_box()  # type: ignore[attr-defined]
    web.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # type: ignore[attr-defined]
    web.page.wait_for_selector('body[data-area="370212002001002"]', timeout=30_000)  # type: ignore[attr-defined]
    # T-23..T-27 lie in it (x 120.454..120.466), all open and overdue, none accepted
    assert _tiles(web) == ["0", "0", "5", "—", "—"]
    crumbs = web.page.inner_text("#crumbs").split()  # type: ignore[attr-defined]
    assert crumbs == ["崂山区", "›", "沙子口街道", "›", "社区001", "›", "网格", "002"]
    # the English switch: the top categories by their English names (taxonomy name_en); the
    # grid's five incidents are all 020101, household waste: category 02
    assert json.loads(web.page.get_attribute("#categories", "data-labels")) == ["环境卫生"]  # type: ignore[attr-defined]
    web.page.click("#lang")  # type: ignore[attr-defined]
    assert json.loads(web.page.get_attribute("#categories", "data-labels")) == ["Sanitation"]  # type: ignore[attr-defined]
    web.assert_clean()


def test_feed_shows_an_incident_created_through_the_api_within_2_s(
    served_city: ServedCity, open_page: Any
) -> None:
    key = _dispatcher(served_city)
    web: WebPage = open_page(f"{served_city.base}/maps/screen", viewport=(1920, 1080))
    web.page.wait_for_selector('body[data-ready][data-feed="live"]', timeout=60_000)  # type: ignore[attr-defined]
    started = time.monotonic()
    _report(served_city, key, "FEED-1", EAST_GRID, "2025-07-15T09:00:00+08:00")
    web.page.wait_for_selector('#feed li[data-ref="FEED-1"]', timeout=2_000)  # type: ignore[attr-defined]
    assert time.monotonic() - started < 2.0
    row = web.page.inner_text('#feed li[data-ref="FEED-1"]')  # type: ignore[attr-defined]
    # the action, the sub-category (生活垃圾, household waste) and the community and grid number
    assert row.split() == [row.split()[0], "上报", "FEED-1", "生活垃圾", "社区001", "003"]
    # the English switch writes the rows already shown again (the place names are data)
    web.page.click("#lang")  # type: ignore[attr-defined]
    row = web.page.inner_text('#feed li[data-ref="FEED-1"]')  # type: ignore[attr-defined]
    assert row.split()[1:5] == ["reported", "FEED-1", "Household", "waste"]
    web.assert_clean()


def test_english_switch_and_a_4k_wall(served_city: ServedCity, open_page: Any) -> None:
    web: WebPage = open_page(f"{served_city.base}/maps/screen", viewport=(3840, 2160))
    web.page.wait_for_selector('body[data-ready][data-feed="live"]', timeout=60_000)  # type: ignore[attr-defined]
    web.page.click("#lang")  # type: ignore[attr-defined]
    assert web.page.inner_text("#feed-state") == "Live"  # type: ignore[attr-defined]
    assert web.page.inner_text('[data-kpi="reported"] .kpi-label') == "Reported today"  # type: ignore[attr-defined]
    size = web.page.evaluate(  # type: ignore[attr-defined]
        "parseFloat(getComputedStyle(document.querySelector('.kpi-value')).fontSize)"
    )
    assert size == pytest.approx(2.8 * 32)  # twice the 1920-wide size: readable on a 4K wall
    web.assert_clean()


def test_an_unknown_area_is_named_on_the_status_line_not_shown_as_zeros(
    served_city: ServedCity, open_page: Any
) -> None:
    # 370212999: no such street in the district (tests/_city.py has 370212001 and 370212002)
    web: WebPage = open_page(f"{served_city.base}/maps/screen?area=370212999", viewport=(1920, 1080))  # fmt: skip
    web.page.wait_for_selector("body[data-ready]", timeout=60_000)  # type: ignore[attr-defined]
    assert web.page.inner_text("#error") == "未知区域编码 370212999 · 显示全区"  # type: ignore[attr-defined]
    assert web.page.evaluate("document.body.dataset.area") == "370212"  # type: ignore[attr-defined]
    assert web.page.inner_text("#crumbs") == "崂山区"  # type: ignore[attr-defined]
    web.page.click("#lang")  # type: ignore[attr-defined]
    assert web.page.inner_text("#error") == "Area not known: 370212999 · showing the whole district"  # type: ignore[attr-defined]
    web.assert_clean()
