"""The planners' editor (/maps/editor) in headless Chromium with the network cut, on both stores.

The draft is a copy of the small lattice city's published plan (tests/_draft_city.py: every
building holds 8 households, basic grids of community 370212001001 hold 384 households each,
urban band 300-500 for basic grids and 10-30 for micro grids).
"""

from __future__ import annotations

import json
import math
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import shapely
from _draft_city import WEST_CODE
from _draft_store import CityPlan, fill_store, partition_city, write_district
from _server import running_server
from shapely.geometry import shape
from sqlalchemy import update

from geogrid.plan_writes import copy_plan
from geogrid.roles import Role
from geogrid.store import Store, plan_info, publish_plan
from geogrid.store import tables as t
from geogrid.store.access import create_api_key

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


@pytest.fixture(scope="module")
def city_plan() -> CityPlan:
    return partition_city()


@pytest.fixture
def served_draft(store: Store, city_plan: CityPlan) -> Iterator[ServedDraft]:
    """The lattice city published, a draft copied from it, two planners' keys, the server."""
    published = fill_store(store, city_plan)
    write_district(store)  # the planners' jurisdiction: tiles are cut to its polygon
    with store.transaction() as conn:
        publish_plan(conn, published)
    draft = copy_plan(store, published, author="test", note="editor", on_write=lambda *_: None)
    with store.transaction() as conn:
        keys = tuple(
            create_api_key(conn, name=name, role=Role("planner"), jurisdiction="370212")
            for name in ("planner-wang", "planner-li")
        )
    url = store.engine.url.render_as_string(hide_password=False)
    with running_server(url) as base:
        yield ServedDraft(base, store, draft, published, keys)  # type: ignore[arg-type]


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
    page.evaluate(f"geogridEditor.map.jumpTo({{center: {lon_lat}, zoom: 17}})")
    page.wait_for_function("geogridEditor.map.loaded()")
    xy = page.evaluate(
        f"(() => {{ const p = geogridEditor.map.project({lon_lat}); return [p.x, p.y]; }})()"
    )
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])


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


def test_editor_loads_offline_and_draws_the_drafts_grids_from_tiles(
    served_draft: ServedDraft, open_page: Any
) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    web.assert_clean()
    # the lattice city's plan has 7 basic grids, all in the fitted view
    assert int(page.evaluate("document.body.dataset.ready")) >= 7
    assert page.inner_text("#status") == f"草案 {served_draft.draft} · 版本 0"
    # every grid out of band is listed: counted here from the grids themselves and the bands
    grids = served_draft.get(f"/plans/{served_draft.draft}/grids")["features"]
    band = {"basic": (300, 500), "micro": (10, 30)}
    out = sorted(
        g["properties"]["code"]
        for g in grids
        if g["properties"]["level"] in band
        and not band[g["properties"]["level"]][0]
        <= g["properties"]["households"]
        <= band[g["properties"]["level"]][1]
    )
    assert page.inner_text("#out-count") == str(len(out))
    listed = page.eval_on_selector_all(
        "#out-of-band li[data-code]", "n => n.map(x => x.dataset.code)"
    )
    assert sorted(listed) == out
    page.click("#lang")
    assert page.inner_text("#status") == f"Draft {served_draft.draft} · version 0"
    web.assert_clean()


def test_a_painted_unit_updates_the_panel_with_the_servers_numbers(
    served_draft: ServedDraft, open_page: Any
) -> None:
    web = _open(open_page, served_draft)
    unit, point = _border_point(served_draft, B1, B2)
    _click_unit(web, point, B2)
    # one cell of one building (8 households) leaves B1 (384 -> 376) for B2 (384 -> 392)
    b1, b2 = _row(web, B1), _row(web, B2)
    assert b1[1] == "376" and b2[1] == "392"
    assert b1[2] == str(round(376 * PERSONS_PER_HOUSEHOLD))
    assert b1[5] == "300–500 范围内" and b1[6] == "是"
    _moved_one_unit(web, served_draft, unit)


def test_an_edit_breaking_a_lock_is_refused_with_a_clear_message(
    served_draft: ServedDraft, open_page: Any
) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    page.evaluate(f"geogridEditor.select('{B2}', false)")
    page.click("#lock")
    page.wait_for_function("document.body.dataset.version === '1'")
    _, point = _border_point(served_draft, B1, B2)
    _click_unit(web, point, B2)
    page.wait_for_selector("#message.error")
    assert page.inner_text("#message") == (
        f"修改被拒绝（网格已锁定）：grid {B2} is locked and this move would change it; "
        "unlock it first"
    )
    # a merge that keeps the locked grid's code (the lowest) is refused the same way
    page.evaluate(f"geogridEditor.select('{B1}', false)")
    page.evaluate(f"geogridEditor.select('{B2}', true)")
    page.click("#merge")
    page.wait_for_function(
        "document.getElementById('message').textContent.includes('this merge would change it')"
    )
    assert served_draft.get(f"/plans/{served_draft.draft}/draft")["version"] == 1
    _clean_but(web, "422")


def test_undo_survives_a_reload_and_publish_asks_the_reason(
    served_draft: ServedDraft, open_page: Any
) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    _, point = _border_point(served_draft, B1, B2)
    _click_unit(web, point, B2)
    assert _row(web, B1)[1] == "376"
    page.click("#diff")
    page.wait_for_selector('#diff-view tr[data-level="basic"]')
    # B1 and B2 both changed shape; nothing added or removed
    assert page.locator('#diff-view tr[data-level="basic"] td').all_inner_texts()[1:4] == [
        "0",
        "0",
        "2",
    ]
    page.reload()
    page.wait_for_selector("body[data-ready][data-units]", timeout=60_000)
    assert page.is_enabled("#undo") and not page.is_enabled("#redo")
    page.click("#undo")
    page.wait_for_function("document.body.dataset.version === '2'")
    assert _row(web, B1)[1] == "384" and _row(web, B2)[1] == "384"
    assert page.is_enabled("#redo")
    _publish(page)
    page.wait_for_selector("body[data-published]")
    assert plan_info(served_draft.store.engine, served_draft.draft)["status"] == "published"
    assert plan_info(served_draft.store.engine, served_draft.published)["status"] == "archived"
    page.wait_for_function("document.querySelector('#status').textContent.endsWith('· 已发布')")
    web.assert_clean()


def test_two_planners_on_one_draft_the_stale_one_sees_the_conflict(
    served_draft: ServedDraft, open_page: Any
) -> None:
    wang, li = _open(open_page, served_draft, 0), _open(open_page, served_draft, 1)
    _, point = _border_point(served_draft, B1, B2)
    _click_unit(wang, point, B2)
    assert _row(wang, B1)[1] == "376"
    # Li still holds version 0 and edits: 409, told who changed what, and shown that change
    _click_unit(li, point, B2)
    page: Any = li.page
    page.wait_for_selector("#message.conflict")
    text = page.inner_text("#message")
    assert "planner-wang" in text and B1 in text and B2 in text and "1 处修改" in text
    page.wait_for_function("document.body.dataset.version === '1'")
    assert served_draft.get(f"/plans/{served_draft.draft}/draft")["version"] == 1
    wang.assert_clean()
    _clean_but(li, "409")


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


def test_a_grid_split_along_a_drawn_line(served_draft: ServedDraft, open_page: Any) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    grids = served_draft.get(f"/plans/{served_draft.draft}/grids?level=basic")["features"]
    b1 = shape(next(g for g in grids if g["properties"]["code"] == B1)["geometry"])
    west, south, east, north = b1.bounds
    page.evaluate(
        f"geogridEditor.map.fitBounds([[{west}, {south}], [{east}, {north}]], {{padding: 120, animate: false}})"
    )
    page.evaluate(f"geogridEditor.select('{B1}', false)")
    page.click("#tools button[data-tool=split]")
    x = b1.centroid.x
    span = north - south
    ends = [[x, south - span * 0.1], [x, north + span * 0.1]]
    box_ = page.locator("#map").bounding_box()
    points = [
        page.evaluate(
            f"(() => {{ const p = geogridEditor.map.project({e}); return [p.x, p.y]; }})()"
        )
        for e in ends
    ]
    for px, py in [*points, points[-1]]:  # the second click on the last point ends the line
        page.mouse.click(box_["x"] + px, box_["y"] + py)
        page.wait_for_timeout(150)
    page.wait_for_function("document.body.dataset.version === '1'", timeout=30_000)
    rows = page.eval_on_selector_all(
        "#touched tr[data-code]",
        "rows => rows.map(r => [r.dataset.code, r.children[1].textContent])",
    )
    basic = [(code, int(h)) for code, h in rows if len(code) == len(B1)]
    # B1's 384 households now in two basic grids of community 370212001001
    assert len(basic) == 2 and sum(h for _, h in basic) == 384
    assert all(code.startswith(WEST_CODE) for code, _ in basic)
    web.assert_clean()


def test_a_lasso_paints_the_units_it_encloses(served_draft: ServedDraft, open_page: Any) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    unit, point = _border_point(served_draft, B1, B2)
    page.fill("#target", B2)
    page.click("#tools button[data-tool=lasso]")
    page.evaluate(f"geogridEditor.map.jumpTo({{center: {point}, zoom: 18}})")
    page.wait_for_function("geogridEditor.map.loaded()")
    x, y = page.evaluate(
        f"(() => {{ const p = geogridEditor.map.project({point}); return [p.x, p.y]; }})()"
    )
    box_ = page.locator("#map").bounding_box()
    x, y = box_["x"] + x, box_["y"] + y
    # a free-hand ring of 60 px around the unit's centre (a cell is ~200 px wide at zoom 18):
    # click, move round in small steps, click to close
    ring = [
        (x + 60 * math.cos(k * math.pi / 8), y + 60 * math.sin(k * math.pi / 8)) for k in range(17)
    ]
    page.mouse.click(*ring[0])
    for px, py in ring[1:]:
        page.mouse.move(px, py, steps=3)
        page.wait_for_timeout(30)
    page.mouse.click(*ring[-1])
    page.wait_for_function("document.body.dataset.version === '1'", timeout=30_000)
    assert _row(web, B1)[1] == "376" and _row(web, B2)[1] == "392"
    units = served_draft.get(f"/plans/{served_draft.draft}/units")["features"]
    moved = next(f for f in units if f["properties"]["unit_id"] == unit)
    assert moved["properties"]["micro_code"].startswith(B2)
    web.assert_clean()


def _touched(page: Any) -> dict[str, str]:
    """The panel's touched grids: code -> households."""
    rows = page.eval_on_selector_all(
        "#touched tr[data-code]",
        "rows => rows.map(r => [r.dataset.code, r.children[1].textContent])",
    )
    return dict(rows)


def test_a_brush_stroke_paints_the_units_under_it(
    served_draft: ServedDraft, open_page: Any
) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    unit, point = _border_point(served_draft, B1, B2)
    page.fill("#target", B2)
    page.click("#tools button[data-tool=brush]")
    page.evaluate("document.getElementById('brush-size').value = '4'")
    page.evaluate(f"geogridEditor.map.jumpTo({{center: {point}, zoom: 18}})")
    page.wait_for_function("geogridEditor.map.loaded()")
    x, y = page.evaluate(
        f"(() => {{ const p = geogridEditor.map.project({point}); return [p.x, p.y]; }})()"
    )
    box_ = page.locator("#map").bounding_box()
    x, y = box_["x"] + x, box_["y"] + y
    # a short stroke inside the one unit (a cell is ~200 px wide at zoom 18, the brush 8 px)
    page.mouse.move(x - 10, y)
    page.mouse.down()
    page.mouse.move(x + 10, y, steps=5)
    page.mouse.up()
    page.wait_for_function("document.body.dataset.version === '1'", timeout=30_000)
    # one cell of one building (8 households) leaves B1 (384 -> 376) for B2 (384 -> 392)
    assert _row(web, B1)[1] == "376" and _row(web, B2)[1] == "392"
    _moved_one_unit(web, served_draft, unit)


def test_merging_two_grids_keeps_the_lower_code_with_both_households(
    served_draft: ServedDraft, open_page: Any
) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    page.evaluate(f"geogridEditor.select('{B1}', false)")
    page.evaluate(f"geogridEditor.select('{B2}', true)")
    page.click("#merge")
    page.wait_for_function("document.body.dataset.version === '1'", timeout=30_000)
    touched = _touched(page)
    # 384 + 384 households in B1 now: above the urban band of 300-500
    assert touched[B1] == "768" and B2 not in touched
    assert page.inner_text(f'#touched tr[data-code="{B1}"] td:nth-child(6)') == "300–500 高于"
    codes = {
        g["code"] for g in served_draft.get(f"/plans/{served_draft.draft}/draft/grids")["grids"]
    }
    assert B1 in codes and B2 not in codes
    # B1 is listed out of band, with a link to jump to it
    page.wait_for_selector(f'#out-of-band li[data-code="{B1}"]')
    web.assert_clean()


def test_an_unlocked_grid_takes_units_again(served_draft: ServedDraft, open_page: Any) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    page.evaluate(f"geogridEditor.select('{B2}', false)")
    page.click("#lock")
    page.wait_for_function("document.body.dataset.version === '1'")
    assert served_draft.get(f"/plans/{served_draft.draft}/draft")["locked"] == [B2]
    page.click("#unlock")
    page.wait_for_function("document.body.dataset.version === '2'")
    assert served_draft.get(f"/plans/{served_draft.draft}/draft")["locked"] == []
    _, point = _border_point(served_draft, B1, B2)
    _click_unit(web, point, B2)
    page.wait_for_function("document.body.dataset.version === '3'", timeout=30_000)
    assert _row(web, B1)[1] == "376" and _row(web, B2)[1] == "392"
    web.assert_clean()


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


def test_rebalance_evens_out_the_selected_grids(served_draft: ServedDraft, open_page: Any) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    moved = _border_units(served_draft, B1, B2)
    page.evaluate(f"geogridEditor.paint({moved}, '{B2}')")
    page.wait_for_function("document.body.dataset.version === '1'", timeout=30_000)
    # six cells of one building each (8 households): B1 384 -> 336, B2 384 -> 432; the moved
    # cells joined a micro grid of B2 that now holds 72 households
    assert len(moved) == 6
    assert _row(web, B1)[1] == "336" and _row(web, B2)[1] == "432"
    page.evaluate(f"geogridEditor.select('{B1}', false)")
    page.evaluate(f"geogridEditor.select('{B2}', true)")
    page.click("#rebalance")
    page.wait_for_function("document.body.dataset.version === '2'", timeout=30_000)
    # the engine moves that 72-household micro grid back to B1 (one move: 336 + 72 = 408,
    # 432 - 72 = 360), closer to even than before (48 apart instead of 96); the moved micro
    # grid gets a code of B1 and is flagged above its band of 10-30
    touched = _touched(page)
    assert (touched[B1], touched[B2]) == ("408", "360")
    assert {c: h for c, h in touched.items() if len(c) > len(B1)} == {B1 + "020": "72"}
    assert page.inner_text("#message") == (
        f"已保存：版本 2\n{B1}020: above band: 72 households > 30"
    )
    web.assert_clean()


def test_a_plan_that_cannot_be_edited_is_said_on_the_page(
    served_draft: ServedDraft, open_page: Any
) -> None:
    # the published plan, not a draft: the status line says why instead of "loading" for ever
    url = (
        f"{served_draft.base}/maps/editor?plan={served_draft.published}#key={served_draft.keys[0]}"
    )
    web: WebPage = open_page(url, viewport=(1400, 900))
    status = web.page.locator("#status")
    expected = f"无法打开草案：grid plan {served_draft.published} is published"
    status.filter(has_text=expected).wait_for(timeout=60_000)
    assert web.blocked == []


def test_a_stale_publish_says_the_draft_moved_on_without_an_empty_list(
    served_draft: ServedDraft, open_page: Any
) -> None:
    wang, li = _open(open_page, served_draft, 0), _open(open_page, served_draft, 1)
    _, point = _border_point(served_draft, B1, B2)
    _click_unit(wang, point, B2)
    page: Any = li.page  # Li still holds version 0 and publishes
    _publish(page)
    page.wait_for_selector("#message.conflict")
    text = page.inner_text("#message")
    assert "已过期" in text and "0 处修改" not in text and "—" not in text
    assert plan_info(served_draft.store.engine, served_draft.draft)["status"] == "draft"
    _clean_but(li, "409")


def test_an_edit_without_a_planners_key_says_how_to_get_one(
    served_draft: ServedDraft, open_page: Any
) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    page.evaluate("localStorage.removeItem('geogrid.apiKey')")  # the key forgotten (or never had)
    _, point = _border_point(served_draft, B1, B2)
    _click_unit(web, point, B2)
    page.wait_for_selector("#message.error")
    assert "规划员密钥" in page.inner_text("#message") and "#key=" in page.inner_text("#message")
    assert served_draft.get(f"/plans/{served_draft.draft}/draft")["version"] == 0
    assert web.blocked == []  # (the console has the keyless tile and edit requests refused)


def test_a_stroke_onto_the_grid_it_is_in_changes_nothing_and_says_so(
    served_draft: ServedDraft, open_page: Any
) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    unit, _ = _border_point(served_draft, B1, B2)
    units = served_draft.get(f"/plans/{served_draft.draft}/units")["features"]
    micro = next(f for f in units if f["properties"]["unit_id"] == unit)["properties"]["micro_code"]
    page.evaluate(f"geogridEditor.paint([], '{B2}')")  # an empty stroke: no request, no error
    page.evaluate(f"geogridEditor.paint([{unit}], '{micro}')")
    page.wait_for_selector("#message.info")
    assert page.inner_text("#message") == "未作修改：网格已是如此，没有生成新版本。"
    assert page.evaluate("document.body.dataset.version") == "0"
    assert not page.is_enabled("#undo")
    draft = served_draft.get(f"/plans/{served_draft.draft}/draft")
    assert draft["version"] == 0 and draft["undo"] == 0
    assert served_draft.get(f"/plans/{served_draft.draft}/edits") == []
    web.assert_clean()


def test_a_single_building_over_band_is_listed_apart_and_asks_no_reason(
    served_draft: ServedDraft, open_page: Any
) -> None:
    # one micro grid made a tower of 120 households in one building (the band is 10-30)
    tower = f"{B1}001"
    grids = t.table_of(t.Grid)
    with served_draft.store.transaction() as conn:
        conn.execute(
            update(grids)
            .where((grids.c.plan_id == served_draft.draft) & (grids.c.code == tower))
            .values(households=120, buildings=1)
        )
    web = _open(open_page, served_draft)
    page: Any = web.page
    assert page.inner_text("#exempt-count") == "1"
    assert page.eval_on_selector_all(
        "#exempt li[data-code]", "n => n.map(x => x.dataset.code)"
    ) == [tower]
    assert page.inner_text("#out-count") == "0"  # every other grid of the lattice is in band
    page.click("#publish")  # no reason asked: the page publishes at once
    page.wait_for_selector("body[data-published]")
    assert plan_info(served_draft.store.engine, served_draft.draft)["status"] == "published"
    web.assert_clean()


def test_with_no_draft_left_the_editor_offers_a_new_one(
    served_draft: ServedDraft, open_page: Any
) -> None:
    with served_draft.store.transaction() as conn:
        publish_plan(conn, served_draft.draft)  # the draft published: no draft is left
    url = f"{served_draft.base}/maps/editor#key={served_draft.keys[0]}"
    web: WebPage = open_page(url, viewport=(1400, 900))
    page: Any = web.page
    page.wait_for_selector("#status #offer", timeout=60_000)
    assert f"已发布方案 {served_draft.draft} 可复制为新草案" in page.inner_text("#status")
    page.click("#status #offer")
    page.wait_for_selector("body[data-ready][data-units]", timeout=60_000)
    copy = served_draft.draft + 1
    assert page.evaluate("location.search") == f"?plan={copy}"
    assert plan_info(served_draft.store.engine, copy)["status"] == "draft"
    assert page.inner_text("#status") == f"草案 {copy} · 版本 0"
    web.assert_clean()
