"""The planners' editor (/maps/editor) in headless Chromium with the network cut, on both stores:
loading, painting, locks, undo, conflicts, publishing and what the page says (the draft:
``_editor_page``)."""

from __future__ import annotations

import time
from typing import Any

from _draft_store import set_micro_buildings
from _editor_page import (
    B1,
    B2,
    PERSONS_PER_HOUSEHOLD,
    ServedDraft,
    WebPage,
    _border_point,
    _clean_but,
    _click_unit,
    _moved_one_unit,
    _open,
    _publish,
    _row,
)

from geogrid.store import plan_info, publish_plan


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
    # the click returns before the edit lands: under load Li published first (a race)
    wang.page.wait_for_function(
        "() => !document.querySelector('#message') || "
        "!document.querySelector('#message').classList.contains('busy')"
    )
    for _ in range(300):
        if served_draft.get(f"/plans/{served_draft.draft}/draft")["version"] == 1:
            break
        time.sleep(0.1)
    assert served_draft.get(f"/plans/{served_draft.draft}/draft")["version"] == 1
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
    # one micro grid made a tower of 120 households and sheds of none (the band is 10-30)
    tower = f"{B1}001"
    set_micro_buildings(served_draft.store, served_draft.draft, tower, [120])
    web = _open(open_page, served_draft)
    page: Any = web.page
    assert page.inner_text("#exempt-count") == "1"
    assert page.eval_on_selector_all(
        "#exempt li[data-code]", "n => n.map(x => x.dataset.code)"
    ) == [tower]
    assert "(单栋楼超出范围)" in page.text_content(f"#exempt li[data-code='{tower}']")  # why
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
