"""Browser fixtures: Debian's Chromium driven by Python Playwright, with the network cut.

``chromium`` is one browser per session, started from the system's ``chromium`` through
``executable_path`` (no browser download) and told to resolve no host but this machine.
``open_page(url, viewport=..., locale=...)`` opens a page in a fresh context that also aborts
every request not addressed to 127.0.0.1 / localhost, and records what it blocked and every
console error; when the test ends it saves a screenshot under ``test-artifacts/web/`` for a
person to look at. ``served_city`` runs the real server (``geogrid serve`` in a process) on the
tiny test city of ``tests/_city.py``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from _city import City, build_city
from _draft_store import CityPlan, fill_store, partition_city, write_district
from _editor_page import ServedDraft
from _server import running_server

from geogrid.plan_writes import copy_plan
from geogrid.roles import Role
from geogrid.store import Store, publish_plan
from geogrid.store.access import create_api_key

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Chromium resolves nothing but loopback: a request that slips past the route below still fails.
CUT_NETWORK = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"


@dataclass
class WebPage:
    """A page under test, with what it tried to fetch from outside and what it logged as errors."""

    page: object  # playwright.sync_api.Page; kept loose so this module imports without it
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        """No request left the machine and the console shows no error."""
        assert self.blocked == [], f"requests to outside: {self.blocked}"
        assert self.console_errors == [], f"console errors: {self.console_errors}"


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", CUT_NETWORK, "--use-gl=angle", "--use-angle=swiftshader"],
        )
        yield browser
        browser.close()


def _slug(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1])[:120]


@pytest.fixture
def open_page(chromium: object, request: pytest.FixtureRequest) -> Iterator[Callable[..., WebPage]]:
    """A factory: ``open_page(url, viewport=(1280, 800), locale="zh-CN", **context)``."""
    contexts: list[tuple[object, WebPage]] = []

    def make(
        url: str | None = None,
        *,
        viewport: tuple[int, int] = (1280, 800),
        locale: str = "zh-CN",
        **options: object,
    ) -> WebPage:
        context = chromium.new_context(  # type: ignore[attr-defined]
            viewport={"width": viewport[0], "height": viewport[1]}, locale=locale, **options
        )
        page = context.new_page()
        web = WebPage(page)

        def guard(route: object) -> None:
            target = route.request.url  # type: ignore[attr-defined]
            parts = urlsplit(target)
            # file: is a map written to disk (``geogrid map``): local, like loopback
            if parts.scheme in {"data", "blob", "file"} or parts.hostname in LOCAL_HOSTS:
                route.continue_()  # type: ignore[attr-defined]
            else:
                web.blocked.append(target)
                route.abort()  # type: ignore[attr-defined]

        context.route("**/*", guard)
        page.on("console", lambda msg: msg.type == "error" and web.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: web.console_errors.append(f"uncaught: {exc}"))
        contexts.append((context, web))
        if url is not None:
            page.goto(url)
        return web

    yield make
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for number, (context, web) in enumerate(contexts):
        suffix = f"-{number}" if number else ""
        try:
            web.page.screenshot(path=str(ARTIFACTS / f"{_slug(request.node.nodeid)}{suffix}.png"))  # type: ignore[attr-defined]
        finally:
            context.close()  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ServedCity:
    base: str
    store: Store
    city: City


@pytest.fixture
def served_city(store: Store) -> Iterator[ServedCity]:
    """The test city behind ``geogrid serve`` (anonymous read on), on each kind of store."""
    city = build_city(store)
    url = store.engine.url.render_as_string(hide_password=False)
    with running_server(url, GEOGRID_API_ANONYMOUS_READ="true") as base:
        yield ServedCity(base, store, city)


# the planners' editor (test_editor*.py): the lattice city published and a draft of it served
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
