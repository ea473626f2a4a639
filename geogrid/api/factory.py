"""``create_app(settings)``: the FastAPI application; the lifespan owns the store's engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from geogrid import __version__
from geogrid.api.docs import install_docs
from geogrid.api.errors import BodyLimit, install_error_handlers
from geogrid.api.feed import FeedHub
from geogrid.api.kpi_service import KpiService
from geogrid.api.openapi30 import install_openapi_30
from geogrid.api.routes import (
    editor,
    exports,
    features,
    health,
    incident_feed,
    incident_stats,
    incidents,
    layers,
    map_files,
    ogc,
    open311,
    pages,
    partition_jobs,
    plan_drafts,
    plan_versions,
    plans,
    report,
    tiles,
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
        app.state.kpis = KpiService(store, settings, app.state)
        app.state.feed.on_wake.append(app.state.kpis.written)
        await app.state.kpis.start()
        try:
            yield
        finally:
            await app.state.kpis.stop()
            runner = getattr(app.state, "job_runner", None)
            if runner is not None:  # partition jobs run in a worker process: stop it too
                runner.close()
            await app.state.feed.stop()
            store.dispose()

    app = FastAPI(title=settings.api.title, version=__version__, lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.api.max_body_bytes)
    install_docs(app)
    for router in (health.router, layers.router, plans.router):
        app.include_router(router)
    app.include_router(ogc.router)
    app.include_router(features.router)
    app.include_router(exports.router)
    app.include_router(plan_drafts.router)
    app.include_router(plan_versions.router)
    app.include_router(editor.router)
    app.include_router(partition_jobs.router)
    app.include_router(incidents.router)
    app.include_router(incident_stats.router)
    app.include_router(incident_feed.router)
    app.include_router(open311.router)
    app.include_router(report.router)
    tiles.install(app)
    map_files.install(app, settings)
    pages.install(app)
    install_openapi_30(app)
    return app
