"""The OGC landing page, conformance declaration and the OpenAPI 3.0 document at ``/api``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.routing import NoMatchFound

from geogrid.api.ogc_links import GEOJSON, JSON, OPENAPI_JSON, link, url
from geogrid.errors import GeogridError

router = APIRouter(tags=["ogc"])

_OGC = "http://www.opengis.net/spec"
FEATURES_CONFORMANCE = (
    f"{_OGC}/ogcapi-features-1/1.0/conf/core",
    f"{_OGC}/ogcapi-features-1/1.0/conf/geojson",
    f"{_OGC}/ogcapi-features-1/1.0/conf/oas30",
    f"{_OGC}/ogcapi-features-2/1.0/conf/crs",
    f"{_OGC}/ogcapi-features-3/1.0/conf/filter",
    f"{_OGC}/ogcapi-features-3/1.0/conf/features-filter",
    f"{_OGC}/ogcapi-features-3/1.0/conf/queryables",
    f"{_OGC}/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    f"{_OGC}/cql2/1.0/conf/cql2-text",
    f"{_OGC}/cql2/1.0/conf/cql2-json",
    f"{_OGC}/cql2/1.0/conf/basic-cql2",
    f"{_OGC}/cql2/1.0/conf/advanced-comparison-operators",
    f"{_OGC}/cql2/1.0/conf/basic-spatial-functions",
    f"{_OGC}/cql2/1.0/conf/basic-spatial-functions-plus",
    f"{_OGC}/cql2/1.0/conf/spatial-functions",
    f"{_OGC}/cql2/1.0/conf/temporal-functions",
    f"{_OGC}/ogcapi-common-1/1.0/conf/core",
    f"{_OGC}/ogcapi-common-2/1.0/conf/collections",
)
TILES_CONFORMANCE = (
    f"{_OGC}/ogcapi-tiles-1/1.0/conf/core",
    f"{_OGC}/ogcapi-tiles-1/1.0/conf/tileset",
    f"{_OGC}/ogcapi-tiles-1/1.0/conf/tilesets-list",
    f"{_OGC}/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    f"{_OGC}/ogcapi-tiles-1/1.0/conf/mvt",
)


def has_tiles(request: Request) -> bool:
    """True when the vector tiles router is mounted: its ``get_tile_matrix_sets`` route
    (``/tileMatrixSets``) resolves."""
    try:
        request.app.url_path_for("get_tile_matrix_sets")
    except NoMatchFound:
        return False
    return True


def is_tiled(request: Request, collection_id: str) -> bool:
    """True when ``collection_id`` has vector tiles (asks the tiles package, when present)."""
    if not has_tiles(request):
        return False
    import importlib

    try:
        importlib.import_module("geogrid.tiles.layers").tile_layer(collection_id)
    except (ImportError, AttributeError, GeogridError):
        return False
    return True


@router.get("/", response_class=JSONResponse)
def landing(request: Request) -> dict[str, Any]:
    """The landing page: service-desc, conformance and data links (what QGIS and GDAL look for)."""
    links = [
        link(url(request, "/"), "self", JSON, "This document"),
        link(url(request, "/api"), "service-desc", OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
        link(url(request, "/docs"), "service-doc", "text/html", "The API documentation"),
        link(url(request, "/conformance"), "conformance", JSON, "Conformance classes"),
        link(url(request, "/conformance"), "http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON),
        link(url(request, "/collections"), "data", JSON, "Feature collections"),
        link(url(request, "/collections"), "http://www.opengis.net/def/rel/ogc/1.0/data", JSON),
    ]  # fmt: skip
    if has_tiles(request):
        links.append(link(url(request, "/tileMatrixSets"), "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", JSON, "Tile matrix sets"))  # fmt: skip
    settings = request.app.state.settings
    return {
        "title": settings.api.title,
        "description": "Grid division and map layers for grid-based grassroots governance: "
        "districts, streets, communities, buildings, grids of every plan and incidents.",
        "links": links,
    }


@router.get("/conformance", response_class=JSONResponse)
def conformance(request: Request) -> dict[str, list[str]]:
    """The conformance classes this server implements."""
    classes = list(FEATURES_CONFORMANCE)
    if has_tiles(request):
        classes += TILES_CONFORMANCE
    return {"conformsTo": classes}


@router.get("/api", response_class=JSONResponse, responses={200: {"content": {OPENAPI_JSON: {}}}})
def api_document(request: Request) -> JSONResponse:
    """The OpenAPI 3.0 document of this server (also at ``/openapi.json``)."""
    return JSONResponse(request.app.openapi(), media_type=OPENAPI_JSON)


__all__ = ["FEATURES_CONFORMANCE", "GEOJSON", "TILES_CONFORMANCE", "router"]
