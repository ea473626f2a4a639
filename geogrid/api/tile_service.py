"""The tile service: one per server process. Resolves a tile request to a layer, a plan and
the caller's jurisdiction, answers from the cache while the data versions the tile depends on
are unchanged, and builds it otherwise (PostGIS ``ST_AsMVT``, or the encoder on SpatiaLite).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import shapely
from shapely.geometry import box as bbox_polygon
from shapely.geometry.base import BaseGeometry
from starlette.concurrency import run_in_threadpool

from geogrid.api.access import Principal, jurisdiction_geometry
from geogrid.errors import NotFound, TileTooLarge
from geogrid.settings import TileSettings
from geogrid.store import Store, published_plan_id
from geogrid.store.grid_snapshot import Snapshot, changed_boxes, grid_snapshot
from geogrid.store.grid_stats import StatsRefresher
from geogrid.store.staff import RESULTS_LAYER, STAFF_LAYER, current_result_id, hotspot_method
from geogrid.store.tiles import TileQuery, features_spatialite, mvt_postgis
from geogrid.store.version_watch import VersionWatch
from geogrid.store.versions import INCIDENTS, plan_layer
from geogrid.tiles.cache import CachedTile, TileCache, Token, built_tile
from geogrid.tiles.encode import encode_features
from geogrid.tiles.layers import TileLayer, tile_layer
from geogrid.tiles.matrix import TileBox, tile_box

BOUNDARY_LAYERS = ("districts", "streets", "communities")
_SIMPLIFY_STEPS = (1.0, 4.0, 16.0)


@dataclass(frozen=True)
class Area:
    """A jurisdiction as tiles use it: the code prefix ('' covers everything) and its polygon
    (EPSG:4326, prepared; None when it covers everything, empty when the store lacks it)."""

    prefix: str
    geometry: BaseGeometry | None

    @cached_property
    def wkb(self) -> bytes | None:
        return None if self.geometry is None else shapely.to_wkb(self.geometry)


@dataclass(frozen=True)
class TileRequest:
    """A resolved tile: the layer (bound to its plan), the tile, and how to restrict it."""

    layer: TileLayer
    box: TileBox
    plan_id: int | None
    area: Area
    results: tuple[int | None, int | None] = (None, None)
    """Ids of the current hot-spot and coverage results a basic or micro grid tile carries."""


class TileService:
    """Builds and caches the tiles of one store."""

    def __init__(self, store: Store, settings: TileSettings) -> None:
        self.store = store
        self.settings = settings
        self.cache = TileCache(settings.cache_mb * 2**20)
        self.versions = VersionWatch(store, on_reset=self.cache.clear)
        self.stats = StatsRefresher(store.engine)
        self._published: tuple[int, int | None] | None = None
        self._areas: dict[tuple[Any, ...], Area] = {}
        self._grids: dict[tuple[int, str, Token], Snapshot] = {}
        self._results: dict[tuple[Any, ...], tuple[int | None, int | None]] = {}
        self._hints: dict[int, str] = {}

    def cached_area(self, principal: Principal) -> Area | None:
        """The principal's jurisdiction if known for the current boundaries (no I/O)."""
        return self._areas.get(self._area_key(principal))

    async def area(self, principal: Principal) -> Area:
        """The principal's jurisdiction as tiles use it, kept until the boundaries change."""
        key = self._area_key(principal)
        area = self._areas.get(key)
        if area is None:
            geometry = await run_in_threadpool(jurisdiction_geometry, self.store, principal)
            if geometry is not None:
                shapely.prepare(geometry)
            if len(self._areas) > 1000:  # old boundary versions, or very many jurisdictions
                self._areas.clear()
            area = self._areas[key] = Area(principal.jurisdiction, geometry)
        return area

    def _area_key(self, principal: Principal) -> tuple[Any, ...]:
        versions = self.versions.current()
        return (principal.jurisdiction, *(int(versions.get(n, 0)) for n in BOUNDARY_LAYERS))

    def start(self) -> None:
        """Start following the data versions (read them once)."""
        self.versions.start()

    def stop(self) -> None:
        """Stop following the data versions."""
        self.versions.stop()

    def published_plan(self, versions: Mapping[str, int]) -> int | None:
        """The published plan's id, asked again (one small query) only when the ``plans``
        version moves."""
        version = int(versions.get("plans", 0))
        if self._published is None or self._published[0] != version:
            self._published = (version, published_plan_id(self.store.engine))
        return self._published[1]

    def resolve(
        self,
        collection_id: str,
        tms_id: str,
        z: int,
        x: int,
        y: int,
        area: Area,
        *,
        hint: str | None = None,
    ) -> tuple[TileRequest, Token]:
        """The layer, tile and data versions of a request; NotFound below the layer's zoom.

        ``hint``: the ``v`` a client puts in a plan's tile URLs (the editor: the draft version
        its last edit answered with). A new one makes the versions be read from the table once,
        so a tile asked for right after an edit never comes from before it (on PostGIS the
        change is otherwise known only when its NOTIFY arrives, a moment later)."""
        layer = tile_layer(collection_id)
        box = tile_box(tms_id, z, x, y)
        if z < layer.minzoom:
            raise NotFound(f"{layer.id} is tiled from zoom {layer.minzoom}; zoom {z} has no tiles")
        versions = self.versions.current()
        plan = layer.plan_id
        if hint is not None and plan is not None and self._hints.get(plan) != hint:
            versions = self.versions.refresh()
            if len(self._hints) > 1000:
                self._hints.clear()
            self._hints[plan] = hint
        plan_id = layer.plan_id
        if plan_id is None and layer.source in ("grids", "incidents"):
            plan_id = self.published_plan(versions)
            if layer.source == "grids":
                if plan_id is None:
                    raise NotFound(f"no grid plan is published, so {layer.id} has no tiles")
                layer = layer.for_plan(plan_id)
        depends = (*layer.depends_on, *BOUNDARY_LAYERS)
        token = tuple(int(versions.get(name, 0)) for name in depends)
        results: tuple[int | None, int | None] = (None, None)
        if layer.source == "grids" and layer.level in ("basic", "micro") and plan_id is not None:
            # The result ids end the token: a tile is never carried over to other results.
            results = self.current_results(plan_id, str(layer.level), versions)
            token = (*token, *(r or 0 for r in results))
        return TileRequest(layer, box, plan_id, area, results), token

    def current_results(
        self, plan_id: int, level: str, versions: Mapping[str, int]
    ) -> tuple[int | None, int | None]:
        """Ids of the newest hot-spot and coverage results of a plan level and its current staff
        registry (incidents may have come in since), asked again only when a version they depend
        on moves (a result saved, the plan, incidents or staff)."""
        names = (RESULTS_LAYER, plan_layer(plan_id), INCIDENTS, STAFF_LAYER)
        key = (plan_id, level, *(int(versions.get(n, 0)) for n in names))
        found = self._results.get(key)
        if found is None:
            if len(self._results) > 256:
                self._results.clear()
            engine = self.store.engine
            # colours of the last analysis of this plan and staff, whatever came in since
            hotspots, coverage = (
                current_result_id(
                    engine, kind=kind, plan_id=plan_id, level=level, incidents_may_be_newer=True
                )
                for kind in ("hotspots", "coverage")
            )
            found = self._results[key] = (hotspots, coverage)
        return found

    def hotspot_method(self, collection_id: str) -> str | None:
        """How the ``gi_bin`` / ``hotspot`` attributes of a grid layer's tiles were made (the
        stored hot-spot result's ``method``: inference and correction), or None when the layer
        carries no hot-spot result. Blocking: call it from a worker thread."""
        layer = tile_layer(collection_id)
        if layer.source != "grids" or layer.level not in ("basic", "micro"):
            return None
        versions = self.versions.current()
        plan_id = layer.plan_id if layer.plan_id is not None else self.published_plan(versions)
        if plan_id is None:
            return None
        result_id = self.current_results(plan_id, str(layer.level), versions)[0]
        if result_id is None:
            return None
        return hotspot_method(self.store.engine, result_id)

    def cached(self, request: TileRequest, token: Token) -> CachedTile | None:
        """The tile if the cache holds it valid (no I/O)."""
        return self.cache.lookup(_key(request), token, time.time())

    async def tile(self, request: TileRequest, token: Token) -> CachedTile:
        """The tile from the cache while valid (or while no grid it could show has changed),
        else built (once however many ask)."""
        key, now = _key(request), time.time()
        tile = self.cache.lookup(key, token, now)
        if tile is None and request.layer.source == "grids":
            tile = await self._carry_over(request, key, token, now)
        if tile is not None:
            return tile
        return await self.cache.get(
            key, token, now, lambda: run_in_threadpool(self._build, request, token)
        )

    async def _carry_over(
        self, request: TileRequest, key: tuple[Any, ...], token: Token, now: float
    ) -> CachedTile | None:
        """The cached grid tile under new versions when no grid whose box meets the tile changed
        between the two (a write elsewhere in the plan, an incident in another grid)."""
        old = self.cache.peek(key)
        moved = len(request.layer.depends_on)  # the jurisdiction's boundaries must not move
        if old is None or old.token[moved:] != token[moved:]:
            return None
        if old.expires is not None and now >= old.expires:
            return None
        plan_id, level = int(request.plan_id or 0), str(request.layer.level)
        before = self._grids.get((plan_id, level, old.token))
        if before is None:
            return None
        after = await run_in_threadpool(self._snapshot, plan_id, level, token)
        box = request.box.lonlat
        for x0, y0, x1, y1 in changed_boxes(before, after):
            if x0 <= box[2] and x1 >= box[0] and y0 <= box[3] and y1 >= box[1]:
                return None
        tile = replace(old, token=token)
        self.cache.store(key, tile)
        return tile

    def _snapshot(self, plan_id: int, level: str, token: Token) -> Snapshot:
        """The grids of a plan level under ``token``, taken once, before any tile under it is
        built (so no tile is older than the snapshot it is compared by)."""
        key = (plan_id, level, token)
        snapshot = self._grids.get(key)
        if snapshot is None:
            self.refresh_stats()
            with self.store.engine.connect() as conn:
                taken = grid_snapshot(conn, plan_id, level, as_of=datetime.now(UTC))
            snapshot = self._grids.setdefault(key, taken)
            while len(self._grids) > 32:  # the oldest versions go first
                self._grids.pop(next(iter(self._grids)))
        return snapshot

    def refresh_stats(self) -> None:
        """Bring ``grid_stats`` up to the incidents and plans as they are now (no I/O when
        nothing moved and no deadline passed)."""
        versions = self.versions.current()
        moved = tuple(int(versions.get(name, 0)) for name in (INCIDENTS, "plans"))
        self.stats.ensure(moved, datetime.now(UTC))

    def _build(self, request: TileRequest, token: Token) -> CachedTile:
        layer, box, area = request.layer, request.box, request.area
        within = _restriction(area, box, by_code=layer.by_code)
        if within is False:
            return built_tile(b"", token=token, expires=None, features=0)
        if layer.source == "grids":
            self._snapshot(int(request.plan_id or 0), str(layer.level), token)
            self.refresh_stats()  # a deadline may have passed since the snapshot
        as_of = datetime.now(UTC)
        for step in _SIMPLIFY_STEPS:
            query = TileQuery(
                layer=layer,
                box=box,
                plan_id=request.plan_id,
                prefix=area.prefix or None,
                within=within if isinstance(within, bytes) else None,
                tolerance=box.unit() * self.settings.simplify_units * step,
                as_of=as_of,
                hotspots=request.results[0],
                coverage=request.results[1],
            )
            mvt, count, next_change = self._query(query)
            if len(mvt) <= self.settings.max_tile_bytes:
                expires = None if next_change is None else next_change.timestamp()
                return built_tile(
                    mvt,
                    token=token,
                    expires=expires,
                    features=count,
                    level=self.settings.gzip_level,
                )
        raise TileTooLarge(
            f"tile {box.z}/{box.y}/{box.x} of {layer.id} would hold {len(mvt):,} bytes, above "
            f"the limit of {self.settings.max_tile_bytes:,} (GEOGRID_TILES_MAX_TILE_BYTES); "
            "zoom in"
        )

    def _query(self, query: TileQuery) -> tuple[bytes, int, datetime | None]:
        with self.store.engine.connect() as conn:
            if self.store.kind == "postgis":
                return mvt_postgis(conn, query)
            features = features_spatialite(conn, query)
        mvt, count = encode_features(query.layer, features, query.box, tolerance=query.tolerance)
        return mvt, count, features.next_change


def _key(request: TileRequest) -> tuple[Any, ...]:
    box = request.box
    return (request.layer.id, request.plan_id, box.tms_id, box.z, box.x, box.y, request.area.prefix)


def _restriction(area: Area, box: TileBox, *, by_code: bool) -> bytes | bool | None:
    """How the jurisdiction limits one tile: False (nothing of it lies in the tile), None (the
    tile lies inside it, or the layer is limited by code alone), or the polygon's WKB."""
    if area.geometry is None:
        return None
    tile = bbox_polygon(*box.lonlat)
    if not area.geometry.intersects(tile):
        return False
    if by_code or area.geometry.contains(tile):
        return None
    return area.wkb
