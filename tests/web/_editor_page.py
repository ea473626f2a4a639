"""The planners' editor in a browser: the served draft (its fixtures, ``city_plan`` and
``served_draft``, are in conftest) and the planner's gestures that the editor tests share
(tests/web/test_editor*.py).

The draft is a copy of the small lattice city's published plan (tests/_draft_city.py: every
building holds 8 households, basic grids of community 370212001001 hold 384 households each,
urban band 300-500 for basic grids and 10-30 for micro grids).
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

import shapely
from _draft_city import WEST_CODE
from shapely.geometry import shape

from geogrid.store import Store

WebPage = Any  # conftest.WebPage; not imported: tests/api also has a module named conftest

B1, B2 = WEST_CODE + "001", WEST_CODE + "002"
# Persons per household the draft API uses: Laoshan's own 2020 census figure
# (census2020_district.csv, avg_household_size), not the national 2.62.
PERSONS_PER_HOUSEHOLD = 2.38


@dataclass(frozen=True)
class ServedDraft:
    base: str
    store: Store
    draft: int
    published: int
    keys: tuple[str, str]

    def url(self, key: int = 0) -> str:
        return f"{self.base}/maps/editor?plan={self.draft}#key={self.keys[key]}"

    def get(self, path: str) -> Any:
        request = urllib.request.Request(self.base + path, headers={"X-API-Key": self.keys[0]})
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)


def _open(open_page: Any, served: ServedDraft, key: int = 0) -> WebPage:
    web: WebPage = open_page(served.url(key), viewport=(1400, 900))
    web.page.wait_for_selector("body[data-ready][data-units]", timeout=60_000)  # type: ignore[attr-defined]
    return web


def _border_point(served: ServedDraft, src: str, dst: str) -> tuple[int, list[float]]:
    """A unit of basic grid ``src`` sharing an edge with ``dst``, and a point inside it."""
    feats = served.get(f"/plans/{served.draft}/units")["features"]
    theirs = shapely.union_all(
        [shape(f["geometry"]) for f in feats if f["properties"]["micro_code"].startswith(dst)]
    )
    for f in feats:
        unit = shape(f["geometry"])
        if f["properties"]["micro_code"].startswith(src) and unit.intersection(theirs).length > 0:
            centre = unit.centroid  # what the lasso tests (units are building cells: boxes)
            point = centre if unit.contains(centre) else unit.point_on_surface()
            return int(f["properties"]["unit_id"]), [point.x, point.y]
    raise AssertionError(f"{src} does not touch {dst}")


def _click_unit(web: WebPage, lon_lat: list[float], to: str) -> None:
    """The planner's way: target typed in, the click tool, a click on the unit on the map."""
    page: Any = web.page
    page.fill("#target", to)
    page.click("#tools button[data-tool=click]")
    page.mouse.click(*_screen_point(web, lon_lat, zoom=17))


def _screen_point(web: WebPage, lon_lat: list[float], *, zoom: int) -> tuple[float, float]:
    """The map centred on ``lon_lat`` at ``zoom``, once loaded: where that point is on the
    screen (page pixels), for the mouse."""
    page: Any = web.page
    page.evaluate(f"geogridEditor.map.jumpTo({{center: {lon_lat}, zoom: {zoom}}})")
    page.wait_for_function("geogridEditor.map.loaded()")
    x, y = page.evaluate(
        f"(() => {{ const p = geogridEditor.map.project({lon_lat}); return [p.x, p.y]; }})()"
    )
    box = page.locator("#map").bounding_box()
    return box["x"] + x, box["y"] + y


def _moved_one_unit(web: WebPage, served: ServedDraft, unit: int) -> None:
    """The page says one unit moved (version 1), the server has ``unit`` in B2, no errors."""
    assert "已保存：版本 1，移动 1 个单元" in web.page.inner_text("#message")  # type: ignore[attr-defined]
    units = served.get(f"/plans/{served.draft}/units")["features"]
    moved = next(f for f in units if f["properties"]["unit_id"] == unit)
    assert moved["properties"]["micro_code"].startswith(B2)
    web.assert_clean()


def _row(web: WebPage, code: str) -> list[str]:
    cells = web.page.locator(f'#touched tr[data-code="{code}"] td')  # type: ignore[attr-defined]
    cells.first.wait_for(timeout=30_000)
    return [c.strip() for c in cells.all_inner_texts()]


def _publish(page: Any) -> None:
    """Publish as a planner does: the reason typed in when grids are out of their band."""
    out = int(page.inner_text("#out-count"))
    page.click("#publish")
    if out:  # micro grids out of their band need a reason
        page.fill("#reason-text", "多层住宅楼栋不可拆分")
        page.click("#reason-ok")


def _clean_but(web: WebPage, status: str) -> None:
    """No request left the machine; the only console errors are the browser's report of the
    refused write (Chromium logs every 4xx answer to fetch)."""
    assert web.blocked == []
    assert web.console_errors and all(status in e for e in web.console_errors), web.console_errors


def _touched(page: Any) -> dict[str, str]:
    """The panel's touched grids: code -> households."""
    rows = page.eval_on_selector_all(
        "#touched tr[data-code]",
        "rows => rows.map(r => [r.dataset.code, r.children[1].textContent])",
    )
    return dict(rows)


def _border_units(served: ServedDraft, src: str, dst: str) -> list[int]:
    """Every unit of basic grid ``src`` sharing an edge with ``dst``."""
    feats = served.get(f"/plans/{served.draft}/units")["features"]
    theirs = shapely.union_all(
        [shape(f["geometry"]) for f in feats if f["properties"]["micro_code"].startswith(dst)]
    )
    return [
        int(f["properties"]["unit_id"])
        for f in feats
        if f["properties"]["micro_code"].startswith(src)
        and shape(f["geometry"]).intersection(theirs).length > 0
    ]
