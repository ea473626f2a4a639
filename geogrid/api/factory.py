"""``create_app(settings)``: the FastAPI application; the lifespan owns the store's engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from geogrid import __version__
from geogrid.api.docs import install_docs
from geogrid.api.errors import install_error_handlers
from geogrid.api.routes import health, layers, plans
from geogrid.settings import Settings
from geogrid.store import open_store


def create_app(settings: Settings) -> FastAPI:
    """Build the API for ``settings``; nothing connects until the app starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(settings.store)
        store.migrate()
        app.state.store = store
        try:
            yield
        finally:
            store.dispose()

    app = FastAPI(title=settings.api.title, version=__version__, lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    install_docs(app)
    for router in (health.router, layers.router, plans.router):
        app.include_router(router)
    return app
