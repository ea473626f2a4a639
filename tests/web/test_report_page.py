"""One grid, one code: a resident files a report from a grid's QR page on a phone, offline."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _city import City, build_city
from _server import running_server
from sqlalchemy import text

from geogrid.store import Store

GRID = "370212001001001"  # tests/_city.py: the box 120.40-120.42 E, 36.08-36.10 N
# WGS 84 (120.405, 36.09) as a phone in WeChat reports it, in GCJ-02 (the published formula).
# Read as WGS 84 without converting, it would fall in the grid's other micro grid (x > 120.41).
GCJ02 = {"longitude": 120.41013199, "latitude": 36.09028965}
WECHAT = (
    "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F35) NetType/WIFI"
)


@pytest.fixture
def served(store: Store, tmp_path: Path) -> Iterator[tuple[str, Store, City, Path]]:
    city = build_city(store)
    photos = tmp_path / "photos"
    url = store.engine.url.render_as_string(hide_password=False)
    with running_server(url, GEOGRID_REPORT_PHOTO_DIR=str(photos)) as base:
        yield base, store, city, photos


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_report_from_a_phone_arrives_as_an_incident_of_the_grid(
    served: tuple[str, Store, City, Path], open_page: object
) -> None:
    base, store, _, photos = served
    web: Any = open_page(  # type: ignore[operator]
        viewport=(390, 844),
        locale="zh-CN",
        geolocation=GCJ02,
        permissions=["geolocation"],
        user_agent=WECHAT,
        is_mobile=True,
        has_touch=True,
    )
    page = web.page
    page.goto(f"{base}/report/{GRID}")  # type: ignore[attr-defined]
    page.wait_for_selector("body[data-ready]")  # type: ignore[attr-defined]
    assert page.locator("#grid-code").inner_text() == GRID  # type: ignore[attr-defined]
    page.wait_for_function("document.getElementById('location').textContent.includes('GCJ-02')")  # type: ignore[attr-defined]
    page.select_option("#category", "0201")  # type: ignore[attr-defined]
    page.fill("#description", "楼下垃圾桶满了，三天没人清运")  # type: ignore[attr-defined]
    page.set_input_files(
        "#photo", files=[{"name": "bin.png", "mimeType": "image/png", "buffer": _png()}]
    )  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#result.ok", timeout=20_000)  # type: ignore[attr-defined]
    ref = page.locator("#result").get_attribute("data-ref")  # type: ignore[attr-defined]
    web.assert_clean()

    with store.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT i.id, i.source, i.category_code, i.subcategory_code, i.description,"
                " i.location_crs, i.flags, i.photos, g.basic_code, g.micro_code"
                " FROM incidents i JOIN incident_grids g ON g.incident_id = i.id"
                " WHERE i.ref = :ref"
            ),
            {"ref": ref},
        ).one()
        audit = conn.execute(
            text("SELECT actor, action, target, details FROM audit_log WHERE target = :ref"),
            {"ref": ref},
        ).one()
    from geogrid.store.incidents import get_incident

    incident = get_incident(store.engine, row.id)
    # converted from GCJ-02 back to the WGS 84 point the phone stood on
    assert incident["lon"] == pytest.approx(120.405, abs=1e-6)
    assert incident["lat"] == pytest.approx(36.09, abs=1e-6)
    assert (row.source, row.category_code, row.subcategory_code) == ("qr", "02", "0201")
    assert row.description == "楼下垃圾桶满了，三天没人清运"
    assert row.location_crs == "gcj02"
    assert row.flags == ""
    assert row.basic_code == GRID
    assert row.micro_code == "370212001001001001"  # the west half of the grid (x < 120.41)
    [photo] = incident["photos"]
    assert photo.startswith("report-photos/") and photo.endswith(".png")
    # kept re-encoded without metadata: the same picture, 64 x 48 red
    from PIL import Image

    with Image.open(photos / photo.removeprefix("report-photos/")) as kept:
        assert (kept.format, kept.size, kept.getpixel((10, 10))) == ("PNG", (64, 48), (200, 30, 30))
    details = audit.details if isinstance(audit.details, dict) else json.loads(audit.details)
    assert (audit.actor, audit.action) == ("resident", "incident.report")
    assert details["channel"] == "qr" and details["grid"] == GRID and details["inside_grid"] is True


def test_the_page_speaks_english_on_the_switch_categories_and_grid_too(
    served: tuple[str, Store, City, Path], open_page: object
) -> None:
    base = served[0]
    web: Any = open_page(viewport=(390, 844), locale="zh-CN", is_mobile=True, has_touch=True)  # type: ignore[operator]
    page = web.page
    page.goto(f"{base}/report/{GRID}")
    page.wait_for_selector("body[data-ready]")
    # tests/_city.py: community 370212001001 is named "社区001"; the grid is its number 001
    assert page.locator("#grid-name").inner_text() == "社区001 网格 001"
    page.select_option("#category", "0201")
    label = "document.querySelector('#category option[value=\"0201\"]').parentNode.label"
    assert (page.evaluate(label), page.locator("#category option:checked").inner_text()) == ("02 环境卫生", "生活垃圾")  # fmt: skip
    page.click("#lang")
    assert page.locator("#grid-name").inner_text() == "社区001 grid 001"
    assert (page.evaluate(label), page.locator("#category option:checked").inner_text()) == ("02 Sanitation", "Household waste")  # fmt: skip
    assert page.locator("#category").input_value() == "0201"  # the choice survives the switch
    web.assert_clean()


def test_an_unknown_code_shows_whom_to_call_in_chinese_and_english(
    served: tuple[str, Store, City, Path], open_page: object
) -> None:
    base = served[0]
    web: Any = open_page(viewport=(390, 844), locale="zh-CN", is_mobile=True, has_touch=True)  # type: ignore[operator]
    page = web.page
    answer = page.goto(f"{base}/report/370212001001009")
    assert answer.status == 404
    page.wait_for_selector("body[data-ready]")
    assert page.locator("#report").is_hidden()
    text = page.locator("#unknown").inner_text()
    assert "二维码上的网格编号 370212001001009 不是现行的网格。" in text
    assert "如需反映问题，请拨打 12345，或联系所在社区居委会。" in text
    assert page.locator("#unknown a").get_attribute("href") == "tel:12345"
    page.click("#lang")
    text = page.locator("#unknown").inner_text()
    assert "This QR code's grid code 370212001001009 is not a grid in use." in text
    assert "To report a problem, call 12345, or contact your residents' committee." in text
    # the page's own 404 is the only console line: the script itself ran without an error
    assert [e for e in web.console_errors if "404" not in e] == [] and web.blocked == []
