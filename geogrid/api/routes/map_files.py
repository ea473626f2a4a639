"""``/maps/files/``: the offline maps ``geogrid map`` wrote, served from the folder named by
``GEOGRID_REPORT_MAPS_DIR`` (``geogrid demo`` names its own). Without that setting the route
answers 404 with a problem saying how to set it."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from geogrid.errors import NotFound
from geogrid.settings import Settings

router = APIRouter(include_in_schema=False)


@router.get("/maps/files/{path:path}")
def no_maps(path: str) -> None:
    """No maps folder is configured."""
    raise NotFound(
        "no offline maps are served here: write them with `geogrid map --out DIR` and set "
        "GEOGRID_REPORT_MAPS_DIR=DIR"
    )


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the maps folder at ``/maps/files`` (index.html first); call before the pages."""
    folder = settings.report.maps_dir
    if folder is not None and folder.is_dir():
        app.mount("/maps/files", StaticFiles(directory=str(folder), html=True), name="map_files")
    else:
        app.include_router(router)
