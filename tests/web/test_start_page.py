"""The start page keeps the demo link's key and links the offline maps; no maps folder is a 404."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any


def test_start_page_stores_the_key_of_the_link(served_city: Any, open_page: object) -> None:
    web: Any = open_page(f"{served_city.base}/maps#key=demo-key-123")  # type: ignore[operator]
    page = web.page
    page.wait_for_selector("body[data-ready]")  # type: ignore[attr-defined]
    assert page.evaluate("localStorage.getItem('geogrid.apiKey')") == "demo-key-123"  # type: ignore[attr-defined]
    assert page.evaluate("location.hash") == ""  # type: ignore[attr-defined]
    assert "API key stored" in page.locator("#key-status").inner_text()  # type: ignore[attr-defined]
    hrefs = page.eval_on_selector_all("nav a", "links => links.map(a => a.getAttribute('href'))")  # type: ignore[attr-defined]
    assert "/maps/files/" in hrefs and "/maps/grids" in hrefs
    web.assert_clean()


def test_maps_files_without_a_folder_say_how_to_set_one(served_city: Any) -> None:
    try:
        urllib.request.urlopen(f"{served_city.base}/maps/files/plan.html")
    except urllib.error.HTTPError as error:
        assert error.code == 404
        assert "GEOGRID_REPORT_MAPS_DIR" in error.read().decode()
    else:
        raise AssertionError("no maps folder is configured: 404")
