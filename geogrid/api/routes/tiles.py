"""OGC API - Tiles for every map layer: tile matrix sets, tilesets, TileJSON 3.0 and Mapbox
Vector Tiles at ``/collections/{collectionId}/tiles/{tileMatrixSetId}/{z}/{y}/{x}``.

Tiles are gzip-compressed (when the client accepts it), 204 when empty, and carry a strong
ETag (a digest of the tile) so ``If-None-Match`` answers 304; every tile only shows what the
caller's jurisdiction covers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from geogrid.api.access import Principal, current_principal
from geogrid.api.tile_http import MVT, TileFastPath, tile_response
from geogrid.api.tile_meta import tilejson, tileset, tilesets, tms_list
from geogrid.api.tile_service import TileService
from geogrid.tiles.matrix import tile_matrix_set


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One tile service per process, on the store the app's lifespan opened."""
    service = TileService(app.state.store, app.state.settings.tiles)
    await run_in_threadpool(service.start)
    app.state.tiles = service
    try:
        yield
    finally:
        service.stop()


router = APIRouter(tags=["tiles"], lifespan=lifespan)
Z = Annotated[int, Path(ge=0, le=30, description="tileMatrix (zoom)")]
ROW = Annotated[int, Path(ge=0, description="tileRow (y, from the top)")]
COL = Annotated[int, Path(ge=0, description="tileCol (x, from the left)")]


async def tile_principal(request: Request) -> Principal:
    """The access rule's principal (``current_principal``), without a thread hop when the
    request carries no key: tiles are the hottest path and a cached tile takes microseconds.
    Keyed requests look the key up in a worker thread, as the rule does everywhere."""
    store, settings = request.app.state.store, request.app.state.settings
    keyed = "x-api-key" in request.headers or "authorization" in request.headers
    if keyed:
        return await run_in_threadpool(current_principal, request, store, settings)
    return current_principal(request, store, settings)


TilePrincipal = Annotated[Principal, Depends(tile_principal)]


def install(app: FastAPI) -> None:
    """Add the tile routes and the cached-tile fast path to ``app``."""
    app.include_router(router)
    app.add_middleware(TileFastPath)


def _service(request: Request) -> TileService:
    service: TileService = request.app.state.tiles
    return service


@router.get("/tileMatrixSets")
def get_tile_matrix_sets(request: Request) -> dict[str, Any]:
    """The tile matrix sets served (WebMercatorQuad, CGCS2000Quad)."""
    return tms_list(str(request.base_url))


@router.get("/tileMatrixSets/{tms_id}")
def get_tile_matrix_set(tms_id: str) -> dict[str, Any]:
    """One tile matrix set (OGC 2D TMS 2.0 JSON)."""
    tms: dict[str, Any] = tile_matrix_set(tms_id).model_dump(mode="json", exclude_none=True)
    return tms


@router.get("/collections/{collection_id}/tiles")
def get_tilesets(request: Request, collection_id: str) -> dict[str, Any]:
    """The tilesets of a collection: one per tile matrix set."""
    return tilesets(str(request.base_url), collection_id)


@router.get("/collections/{collection_id}/tiles/{tms_id}")
def get_tileset(request: Request, collection_id: str, tms_id: str) -> dict[str, Any]:
    """A tileset's metadata: tile matrix set, zoom limits, the layer and its fields."""
    return tileset(str(request.base_url), collection_id, tms_id)


@router.get("/collections/{collection_id}/tiles/{tms_id}/tilejson.json")
async def get_tilejson(
    request: Request, principal: TilePrincipal, collection_id: str, tms_id: str
) -> dict[str, Any]:
    """TileJSON 3.0 of a collection (WebMercatorQuad), bounded by the caller's jurisdiction; a
    grid layer with a current hot-spot result says how its bins were made."""
    service = _service(request)
    area = await service.area(principal)
    method = await run_in_threadpool(service.hotspot_method, collection_id)
    return tilejson(str(request.base_url), collection_id, tms_id, area.geometry, hotspots=method)


@router.get(
    "/collections/{collection_id}/tiles/{tms_id}/{z}/{y}/{x}",
    response_class=Response,
    responses={
        200: {"content": {MVT: {}}, "description": "A Mapbox Vector Tile (gzip)"},
        204: {"description": "Nothing of the layer lies in this tile"},
        304: {"description": "The tile has not changed since the ETag sent"},
    },
)
async def get_tile(
    request: Request,
    principal: TilePrincipal,
    collection_id: str,
    tms_id: str,
    z: Z,
    y: ROW,
    x: COL,
) -> Response:
    """One vector tile of a collection."""
    service = _service(request)
    area = await service.area(principal)
    hint = request.query_params.get("v")  # the editor's draft version: see resolve
    tile_request, token = service.resolve(collection_id, tms_id, z, x, y, area, hint=hint)
    tile = await service.tile(tile_request, token)
    return tile_response(tile, tile_request.layer, request, principal)
