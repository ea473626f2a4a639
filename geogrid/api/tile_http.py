"""Tile responses (gzip, 204, ETag/304) and the cached-tile fast path: plain ASGI in front of
FastAPI.

Serving a cached tile takes microseconds; FastAPI's routing, parameter validation and
dependency resolution take several times that. This middleware answers only a request that
carries no key (``current_principal`` then needs no I/O: anonymous read or Unauthorized) for a
tile the cache holds valid, with exactly the response the route gives; everything else (keys,
misses, errors, other paths) goes on to the application unchanged.
"""

from __future__ import annotations

import gzip
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from geogrid.api.access import Principal, current_principal
from geogrid.api.tile_service import TileService
from geogrid.errors import GeogridError
from geogrid.tiles.cache import CachedTile
from geogrid.tiles.layers import TileLayer

MVT = "application/vnd.mapbox-vector-tile"
_TILE = re.compile(r"/collections/([^/]+)/tiles/([^/]+)/(\d{1,2})/(\d{1,9})/(\d{1,9})")


class TileFastPath:
    """ASGI middleware serving valid cached tiles to unkeyed requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.served = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = _TILE.fullmatch(scope["path"])
            if match is not None and await self._serve(scope, receive, send, match):
                return
        await self.app(scope, receive, send)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, match: re.Match[str]
    ) -> bool:
        state = scope["app"].state
        service: TileService | None = getattr(state, "tiles", None)
        headers = dict(scope["headers"])
        if service is None or b"x-api-key" in headers or b"authorization" in headers:
            return False
        request = Request(scope, receive)
        try:
            principal = current_principal(request, state.store, state.settings)
            area = service.cached_area(principal)
            if area is None:
                return False
            collection, tms_id, z, y, x = match.groups()
            hint = request.query_params.get("v")
            tile_request, token = service.resolve(
                collection, tms_id, int(z), int(x), int(y), area, hint=hint
            )
        except GeogridError:
            return False  # the application answers with the problem document
        tile = service.cached(tile_request, token)
        if tile is None:
            return False
        self.served += 1
        await tile_response(tile, tile_request.layer, request, principal)(scope, receive, send)
        return True


def tile_response(
    tile: CachedTile, layer: TileLayer, request: Request, principal: Principal
) -> Response:
    """200 with the gzip body, 204 when empty, 304 when the client's ETag matches."""
    scope = "public" if principal.name is None else "private"
    age = f"max-age={layer.max_age}" if layer.max_age else "no-cache"
    headers = {"ETag": tile.etag, "Cache-Control": f"{scope}, {age}", "Vary": "Accept-Encoding"}
    if _matches(request.headers.get("if-none-match"), tile.etag):
        return Response(status_code=304, headers=headers)
    if tile.empty:
        return Response(status_code=204, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(tile.body, media_type=MVT, headers=headers)
    return Response(gzip.decompress(tile.body), media_type=MVT, headers=headers)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of If-None-Match against our ETag (``*`` matches any)."""
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags
