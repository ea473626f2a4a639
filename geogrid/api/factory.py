"""``create_app(settings)``: the FastAPI application; the lifespan owns the store's engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from geogrid import __version__
from geogrid.api.errors import BodyLimit, install_error_handlers
from geogrid.api.feed import FeedHub
from geogrid.api.routes import (
    health,
    incident_feed,
    incident_stats,
    incidents,
    layers,
    open311,
    plans,
)
from geogrid.settings import Settings
from geogrid.store import open_store


def create_app(settings: Settings) -> FastAPI:
    """Build the API for ``settings``; nothing connects until the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(settings.store)
        store.migrate()
        app.state.store = store
        app.state.feed = FeedHub(store)
        await app.state.feed.start()
        try:
            yield
        finally:
            await app.state.feed.stop()
            store.dispose()

    app = FastAPI(title=settings.api.title, version=__version__, lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.api.max_body_bytes)
    for router in (health.router, layers.router, plans.router):
        app.include_router(router)
    app.include_router(incidents.router)
    app.include_router(incident_stats.router)
    app.include_router(incident_feed.router)
    app.include_router(open311.router)
    return app
