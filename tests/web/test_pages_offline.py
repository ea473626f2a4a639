"""The shared page machinery: pages are served, load offline and draw grids from tiles."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tests/api has a conftest module too: import by name only for types
    from conftest import ServedCity, WebPage


def test_grids_page_draws_the_published_basic_grids_from_tiles_offline(
    served_city: ServedCity, open_page: object
) -> None:
    web: WebPage = open_page(f"{served_city.base}/maps/grids")  # type: ignore[operator]
    web.page.wait_for_selector("body[data-ready]", timeout=30_000)  # type: ignore[attr-defined]
    # The tiny city's published plan has 7 basic grids, all inside the fitted view.
    shown = web.page.evaluate("document.body.dataset.ready")  # type: ignore[attr-defined]
    assert int(shown) == 7  # grids, not the pieces tile edges cut them into
    web.assert_clean()


def test_a_page_reaching_outside_is_caught(served_city: ServedCity, open_page: object) -> None:
    # The guard itself must work, or every "no request left the machine" above means nothing.
    web: WebPage = open_page(f"{served_city.base}/health")  # type: ignore[operator]
    web.page.evaluate("fetch('https://unpkg.com/maplibre-gl').catch(() => null)")  # type: ignore[attr-defined]
    web.page.wait_for_timeout(300)  # type: ignore[attr-defined]
    assert web.blocked == ["https://unpkg.com/maplibre-gl"]


def test_pages_carry_the_server_settings_and_unknown_pages_are_404(
    served_city: ServedCity,
) -> None:
    with urllib.request.urlopen(f"{served_city.base}/maps/grids") as answer:
        html = answer.read().decode()
    config = json.loads(html.split('id="geogrid-config">', 1)[1].split("</script>", 1)[0])
    assert config == {"basemapUrl": None, "language": "zh", "anonymousRead": True}
    try:
        urllib.request.urlopen(f"{served_city.base}/maps/nosuchpage")
    except urllib.error.HTTPError as error:
        assert error.code == 404
        assert error.headers["Content-Type"] == "application/problem+json"
    else:
        raise AssertionError("an unknown page must be 404")
