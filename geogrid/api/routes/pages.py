"""The web pages (``/maps``, ``/maps/{page}``) and their static bundles (``/static``).

A page is an HTML shell from ``geogrid/web/pages`` with the server's page settings written into
a JSON ``<script id="geogrid-config">``; its script and styles come from ``/static/dist``, built
locally by ``make web``. Nothing a page loads leaves this server unless the operator sets a
basemap URL of their own.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from geogrid.api.access import PLAN_WRITERS, Principal, find_api_key, presented_key
from geogrid.api.feature_params import scope_for
from geogrid.api.plan_deps import get_sessions
from geogrid.api.routes.features import collection_extent  # one cache for both
from geogrid.errors import GeogridError, NotFound, Unavailable
from geogrid.incidents.taxonomy import default_taxonomy
from geogrid.roles import Role
from geogrid.settings import Settings
from geogrid.store.feature_catalog import collection
from geogrid.store.plans import published_plan_id
from geogrid.store.staff import current_result_id, hotspot_method
from geogrid.web import PAGES_DIR, STATIC_DIR, built_pages

router = APIRouter(include_in_schema=False)


def page_config(settings: Settings, **extra: Any) -> dict[str, Any]:
    """What every page reads from ``#geogrid-config``."""
    return {
        "basemapUrl": settings.api.basemap_url,
        "language": settings.api.page_language,
        "anonymousRead": settings.api.anonymous_read,
        **extra,
    }


def render_page(name: str, settings: Settings, **extra: Any) -> HTMLResponse:
    """The shell of page ``name`` with its config; 404 for an unknown page, 503 when not built."""
    shell = PAGES_DIR / f"{name}.html"
    if not name.replace("_", "").isalnum() or not shell.is_file():
        raise NotFound(f"no page named {name!r}; see /maps for the pages there are")
    html = shell.read_text(encoding="utf-8")
    if f"/static/dist/{name}.js" in html and name not in built_pages():
        raise Unavailable(f"page {name!r} is not built: run `make web` (npm ci and esbuild)")
    config = json.dumps(page_config(settings, **extra), ensure_ascii=False).replace("</", "<\\/")
    html = html.replace("{{config}}", config)
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/maps")
def start_page(request: Request) -> HTMLResponse:
    """The start page: links to the editor, the big screen and the folium maps."""
    return render_page("start", request.app.state.settings)


@router.get("/maps/")
def start_page_slash() -> RedirectResponse:
    return RedirectResponse("/maps", status_code=308)


def screen_view(request: Request) -> list[float] | None:
    """Where the big screen opens: the lon/lat box ``[west, south, east, north]`` of the basic
    grids an anonymous reader sees (the screen's district, as its ``/collections/basic_grids``
    extent), so its map asks for the tiles it shows before it knows its areas. None when
    anonymous reading is off (the key is only known in the browser) or nothing is published;
    the page then starts at a default view and fits the district once its areas arrive."""
    settings: Settings = request.app.state.settings
    if not settings.api.anonymous_read:
        return None
    store = request.app.state.store
    anonymous = Principal(None, Role.viewer, settings.api.anonymous_jurisdiction)
    try:
        coll = collection(store.engine, "basic_grids")
        bounds, _ = collection_extent(request, coll, scope_for(store, anonymous, coll), store)
    except GeogridError:  # no published plan yet: the page finds out itself and says so
        return None
    return None if bounds is None else [float(b) for b in bounds]


def screen_hotspot_method(request: Request) -> str | None:
    """How the hot-spot colours of the big screen were made (the current basic hot-spot
    result of the published plan: inference and correction), for its legend; None without one."""
    store = request.app.state.store
    plan_id = published_plan_id(store.engine)
    if plan_id is None:
        return None
    found = current_result_id(
        store.engine, kind="hotspots", plan_id=plan_id, level="basic", incidents_may_be_newer=True
    )
    return hotspot_method(store.engine, found) if found is not None else None


@router.get("/maps/{page}")
def page(page: str, request: Request) -> HTMLResponse:
    """One page by name (``editor``, ``screen``, ...). The editor's draft (``?plan=N``) starts
    loading into memory while the browser fetches the page's scripts (a Laoshan-scale draft
    takes seconds to load, and its first request would otherwise wait for all of it), but only
    for a request whose API key may edit plans: the page itself is public, and a draft load is
    seconds of work and memory that nobody else may ask this server for. A browser keeps its
    key in the URL fragment, which it never sends; its editor loads the draft on its first
    authenticated request instead. The big screen gets its district's box
    (:func:`screen_view`) as ``view``."""
    plan = request.query_params.get("plan", "")
    if page == "editor" and plan.isdigit() and len(plan) <= 9 and _may_edit_plans(request):
        get_sessions(request, request.app.state.store).warm(int(plan))
    if page == "screen":
        settings: Settings = request.app.state.settings
        return render_page(
            page,
            settings,
            view=screen_view(request),
            asOf=settings.api.screen_as_of,
            categories=category_names(),
            hotspotMethod=screen_hotspot_method(request),
        )
    return render_page(page, request.app.state.settings)


@cache
def category_names() -> dict[str, list[str]]:
    """The Chinese and English name of each category and sub-category code of the
    responsibility list (the English is the Chinese where the list gives none)."""
    taxonomy = default_taxonomy()
    return {
        c.code: [c.name, c.name_en or c.name]
        for c in (*taxonomy.categories, *taxonomy.subcategories)
    }


def _may_edit_plans(request: Request) -> bool:
    """Whether the request carries the API key of a role that edits plans (planner, admin)."""
    key = presented_key(request)
    if key is None:
        return False
    record = find_api_key(request.app.state.store.engine, key)
    return record is not None and record.role in PLAN_WRITERS


def install(app: FastAPI) -> None:
    """Add the page routes and serve ``/static`` (bundles, fonts, MapLibre's worker)."""
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(router)
