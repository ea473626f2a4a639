"""The server-side tile cache: built tiles kept in memory, valid while their data is.

A cached tile carries the data versions it was built from (``token``) and, when its content
changes with the clock (an open incident passing its deadline), the time it stops being valid.
A tile is served from the cache only when the current versions equal its token and that time
has not come; otherwise it is built again. Builds of the same tile run once: concurrent requests
for a tile being built wait for that build (no stampede on a cold or just-invalidated tile).
The ETag is a digest of the tile's bytes, so it changes exactly when the tile does.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

Token = tuple[int, ...]


@dataclass(frozen=True)
class CachedTile:
    """One built tile: gzip-compressed bytes (``b""`` when empty), its ETag, the versions it was
    built from, when it expires by itself (epoch seconds, or None), and its feature count."""

    body: bytes
    etag: str
    token: Token
    expires: float | None
    features: int

    @property
    def empty(self) -> bool:
        return self.features == 0


def built_tile(
    mvt: bytes, *, token: Token, expires: float | None, features: int, level: int = 6
) -> CachedTile:
    """Compress a tile once (deterministically: no timestamp in the gzip header) and tag it."""
    etag = '"' + hashlib.blake2b(mvt, digest_size=16).hexdigest() + '"'
    body = gzip.compress(mvt, compresslevel=level, mtime=0) if features else b""
    return CachedTile(body, etag, token, expires, features)


class TileCache:
    """An LRU of built tiles bounded by their compressed size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[Hashable, CachedTile] = OrderedDict()
        self._size = 0
        self._building: dict[tuple[Hashable, Token], asyncio.Future[CachedTile]] = {}
        self.hits = 0
        self.builds = 0

    def __len__(self) -> int:
        return len(self._tiles)

    def lookup(self, key: Hashable, token: Token, now: float) -> CachedTile | None:
        """The cached tile of ``key`` if it was built from ``token`` and has not expired."""
        tile = self._tiles.get(key)
        if (
            tile is None
            or tile.token != token
            or (tile.expires is not None and now >= tile.expires)
        ):
            return None
        self._tiles.move_to_end(key)
        self.hits += 1
        return tile

    def peek(self, key: Hashable) -> CachedTile | None:
        """The cached tile of ``key`` whatever versions it was built from."""
        return self._tiles.get(key)

    def store(self, key: Hashable, tile: CachedTile) -> None:
        """Keep ``tile`` (replacing an older one), evicting the least recently used."""
        old = self._tiles.pop(key, None)
        if old is not None:
            self._size -= len(old.body)
        if len(tile.body) > self.max_bytes:
            return
        self._tiles[key] = tile
        self._size += len(tile.body)
        while self._size > self.max_bytes:
            _, evicted = self._tiles.popitem(last=False)
            self._size -= len(evicted.body)

    def clear(self) -> None:
        """Forget every tile (after versions went backwards: a store emptied by hand)."""
        self._tiles.clear()
        self._size = 0

    async def get(
        self,
        key: Hashable,
        token: Token,
        now: float,
        build: Callable[[], Awaitable[CachedTile]],
    ) -> CachedTile:
        """The valid cached tile, or the result of ``build`` (run once however many wait)."""
        tile = self.lookup(key, token, now)
        if tile is not None:
            return tile
        pending = self._building.get((key, token))
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[CachedTile] = asyncio.get_running_loop().create_future()
        self._building[(key, token)] = future
        try:
            tile = await build()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here, so an unawaited failure logs nothing
            raise
        finally:
            del self._building[(key, token)]
        self.builds += 1
        self.store(key, tile)
        future.set_result(tile)
        return tile
