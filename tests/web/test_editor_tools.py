"""The planners' editor's tools in headless Chromium with the network cut, on both stores: a
line that splits a grid, the lasso, the brush, merge, unlock and rebalance (the draft:
``_editor_page``)."""

from __future__ import annotations

import math
from typing import Any

from _draft_city import WEST_CODE
from _editor_page import (
    B1,
    B2,
    ServedDraft,
    _border_point,
    _border_units,
    _click_unit,
    _moved_one_unit,
    _open,
    _row,
    _screen_point,
    _touched,
)
from shapely.geometry import shape


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
    x, y = _screen_point(web, point, zoom=18)
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


def test_a_brush_stroke_paints_the_units_under_it(
    served_draft: ServedDraft, open_page: Any
) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    unit, point = _border_point(served_draft, B1, B2)
    page.fill("#target", B2)
    page.click("#tools button[data-tool=brush]")
    page.evaluate("document.getElementById('brush-size').value = '4'")
    x, y = _screen_point(web, point, zoom=18)
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


def test_rebalance_evens_out_the_selected_grids(served_draft: ServedDraft, open_page: Any) -> None:
    web = _open(open_page, served_draft)
    page: Any = web.page
    moved = _border_units(served_draft, B1, B2)
    page.evaluate(f"geogridEditor.paint({moved}, '{B2}')")
    page.wait_for_function("document.body.dataset.version === '1'", timeout=30_000)
    # six cells of one building each (8 households): B1 384 -> 336, B2 384 -> 432; the moved
    # cells joined the micro grid of B2 they border, of 24 households, that now holds 72
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
