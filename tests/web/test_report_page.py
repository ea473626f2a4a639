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
