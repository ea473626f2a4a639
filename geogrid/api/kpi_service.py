"""The big-screen KPIs of one API process: answers served from memory, brought from the shared
``kpi_answers`` table or computed off the request path, and warmed up at start.

- **Requests never wait on I/O for a usable answer.** The data versions come from a
  :class:`~geogrid.store.version_watch.VersionWatch` (PostGIS: LISTEN on the versions' channel;
  SpatiaLite: ``PRAGMA data_version``); which basic grids changed is read by a background task
  as soon as the versions move; the answer is held as encoded JSON and sent as it is, with the
  per-request fields spliced in. Before this, every request hopped to a worker thread to read
  the versions and encoded the answer again: under load the hop alone took up to seconds.
- **One computation per key for all processes** (:func:`geogrid.store.kpi_answers.shared_answer`):
  the answer is stored with its data version; other processes adopt it instead of computing.
- **Off the API process's GIL**: on PostGIS the computation runs in one worker process (spawned,
  its own engine); on SpatiaLite (one process anyway) on a thread of its own.
- **Warm-up at start**, in the background: stored answers are loaded (a restarted server answers
  at once when the data did not change), then the anonymous jurisdiction's and every street's
  answer for each ``kpi_warmup_as_of`` is brought up to date, and the basic grids' and incident
  density tiles of the zooms the big screen opens on are built (when anonymous reading is on,
  as for a wall screen).

Staleness is bounded: an answer served for a newer data version is recomputed once it is
``kpi_refresh_s`` old (so normally it is at most that plus one computation old) and never
served older than ``kpi_max_stale_s``; every answer says so: ``computed_at``,
``data_version`` (what it counted) and ``current_data_version``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import multiprocessing
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from concurrent.futures.thread import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import morecantile
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from geogrid.api.access import Principal, current_principal, presented_key
from geogrid.api.incident_deps import local_time
from geogrid.api.kpi_cache import GridChanges, KpiCache
from geogrid.roles import Role
from geogrid.settings import Settings
from geogrid.store import Store
from geogrid.store.access import KEYS_LAYER
from geogrid.store.feature_catalog import collection
from geogrid.store.feature_query import Scope, extent
from geogrid.store.grid_stats import StatsRefresher
from geogrid.store.kpi_answers import (
    Key,
    StoredAnswer,
    Wanted,
    compute_in_worker,
    minute_key,
    read_answers,
    shared_answer,
    street_codes,
)
from geogrid.store.version_watch import VersionWatch
from geogrid.store.versions import INCIDENTS
from geogrid.worker_exit import exit_with_parent

log = logging.getLogger(__name__)
T = TypeVar("T")
WARM_ZOOMS = (10, 11)
"""Zooms of the tiles built at start: the big screen opens a district at 10-11."""
WARM_LAYERS = ("basic_grids", "incident_density")
"""Tile layers built at start, in this order: the screen's grids, then its district heat map
(built on the first screen's request otherwise, competing with it for the CPU)."""
_FOLLOW_S = 0.1  # how often the follower looks at the (in-memory) versions
_PRINCIPALS_KEPT = 10_000  # keys remembered per process
_FOLLOW_WAIT_S = 0.5  # how long a request waits for the grids that changed to be read


class KpiService:
    """Owns the process's KPI cache, its version follower, its computing worker and warm-up."""

    def __init__(self, store: Store, settings: Settings, app_state: Any) -> None:
        self.store = store
        self.settings = settings
        self._state = app_state  # the tile service (for warm-up and its stats refresher)
        self.versions = VersionWatch(store)
        self.changes: GridChanges | None = None
        self.cache = KpiCache(
            self._refresh,
            min_refresh_s=settings.api.kpi_refresh_s,
            max_stale_s=settings.api.kpi_max_stale_s,
        )
        self._principals: dict[bytes, tuple[int, Principal]] = {}
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpi-io")
        self._compute = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpi-compute")
        self._pool: ProcessPoolExecutor | None = None
        self._followed: tuple[int, int] | None = None
        self._grids: tuple[int | None, int] | None = None
        self._following = asyncio.Lock()
        self._written = False
        self._tasks: list[asyncio.Task[None]] = []
        self.warmed = asyncio.Event()  # set when the warm-up has ended (tests, benchmarks)
        self._lags: deque[float] = deque(maxlen=10)

    async def start(self) -> None:
        """Follow the versions, load the stored answers, start the warm-up; returns at once
        after two small reads (the warm-up runs in the background)."""
        await self._run_io(self.versions.start)
        self.cache.load(await self._run_io(read_answers, self.store.engine))
        self._tasks.append(asyncio.create_task(self._follow_loop()))
        self._tasks.append(asyncio.create_task(self._lag_loop()))
        warm_up = self.settings.api.kpi_warmup
        if warm_up is None:  # SQLite has one writer: the warm-up's writes would race requests'
            warm_up = self.store.kind == "postgis"
        if warm_up:
            self._tasks.append(asyncio.create_task(self._warm_up()))
        else:
            self.warmed.set()

    async def stop(self) -> None:
        """Stop the background tasks, the follower and the worker."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.versions.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._io.shutdown(wait=False, cancel_futures=True)
        self._compute.shutdown(wait=False, cancel_futures=True)

    async def answer(self, key: Key) -> bytes:
        """The encoded answer for ``key``. No I/O while the versions stand still; after a
        write, one read of which grids changed, shared by every request (waited for up to
        ``_FOLLOW_WAIT_S``: longer, the answer is served stale and says so)."""
        pair = self._pair()
        if self._written:  # a write of this process: its NOTIFY may not be here yet
            self._written = False
            read = await self._run_io(self.versions.read)
            fresh = int(read.get(INCIDENTS, 0)), int(read.get("plans", 0))
            pair = max(pair[0], fresh[0]), max(pair[1], fresh[1])
        if pair != self._followed:
            follow = asyncio.ensure_future(self._follow(pair))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(follow), _FOLLOW_WAIT_S)
        grids = self._grids if pair == self._followed else None
        return await self.cache.get(key, pair[0], grids=grids)

    async def principal(self, request: Request) -> Principal:
        """The access rule's principal (:func:`current_principal`), remembered per key while
        no key is revoked (the ``api_keys`` data version): fifty screens polling every few
        seconds would each cost a worker thread and a query otherwise."""
        key = presented_key(request)
        if key is None:  # anonymous, or Unauthorized: no I/O either way
            return current_principal(request, self.store, self.settings)
        digest = hashlib.sha256(key.encode()).digest()
        version = int(self.versions.current().get(KEYS_LAYER, 0))
        known = self._principals.get(digest)
        if known is not None and known[0] == version:
            return known[1]
        found = await run_in_threadpool(current_principal, request, self.store, self.settings)
        if len(self._principals) > _PRINCIPALS_KEPT:
            self._principals.clear()
        self._principals[digest] = (version, found)
        return found

    def written(self) -> None:
        """This process committed a write (callable from any thread): the next request reads
        the versions itself instead of waiting for the notification."""
        self._written = True

    def _pair(self) -> tuple[int, int]:
        versions = self.versions.current()
        return int(versions.get(INCIDENTS, 0)), int(versions.get("plans", 0))

    async def _refresh(self, wanted: Wanted) -> StoredAnswer:
        loop = asyncio.get_running_loop()
        if self.store.kind != "postgis" or self.settings.api.kpi_worker == "thread":
            return await loop.run_in_executor(
                self._compute, shared_answer, self.store.engine, wanted
            )
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=context, initializer=exit_with_parent
            )
        try:
            return await loop.run_in_executor(
                self._pool, compute_in_worker, self.settings.store, wanted
            )
        except BrokenProcessPool:
            self._pool = None  # the worker died (killed?): the next refresh starts another
            raise

    @property
    def loop_lag_ms(self) -> float:
        """How late this process's event loop ran a 0.1 s timer, at worst in the last second
        (reported beside each answer: the time a request waits before its route runs)."""
        return max(self._lags, default=0.0)

    async def _lag_loop(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.1)
            self._lags.append((time.perf_counter() - started - 0.1) * 1000)

    async def _follow_loop(self) -> None:
        """PostGIS: read which grids changed as soon as the versions move, before a request
        asks (SpatiaLite: requests do it, see :meth:`answer`; a background grid_stats write
        would break a concurrent deferred write transaction with SQLITE_BUSY)."""
        if self.store.kind != "postgis":
            return
        while True:
            await asyncio.sleep(_FOLLOW_S)
            if not len(self.cache):
                continue  # no answer held yet: nothing to carry over (and no grid_stats write)
            try:
                await self._follow(self._pair())
            except Exception:  # the store may be briefly unreachable; the next round retries
                log.exception("kpis: following the grids that changed failed")

    async def _follow(self, pair: tuple[int, int]) -> None:
        async with self._following:
            if pair == self._followed:
                return
            if self.changes is None:
                tiles = getattr(self._state, "tiles", None)
                stats = tiles.stats if tiles is not None else StatsRefresher(self.store.engine)
                self.changes = self.cache.changes = GridChanges(self.store.engine, stats)
            grids = await self._run_io(self.changes.follow, pair)
            self._grids, self._followed = grids, pair

    async def _run_io(self, function: Any, *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._io, partial(function, *args))

    async def _warm_up(self) -> None:
        try:
            tiles = asyncio.create_task(self._warm_tiles())
            await self._warm_kpis()
            await tiles
        except Exception:
            log.exception("kpis: warm-up failed (answers are computed on demand instead)")
        finally:
            self.warmed.set()

    async def _warm_kpis(self) -> None:
        streets = await self._run_io(street_codes, self.store.engine)
        api = self.settings.api
        for as_of in api.kpi_warmup_as_of:
            for area in warm_areas(api.anonymous_read, api.anonymous_jurisdiction, streets):
                pair = self._pair()
                grids = self._grids if pair == self._followed else None
                await self.cache.start((area, as_of_key(as_of)), pair[0], grids)

    async def _warm_tiles(self) -> None:
        api = self.settings.api
        for _ in range(100):  # the tile service starts in a lifespan entered after ours
            service = getattr(self._state, "tiles", None)
            if service is not None or not api.anonymous_read:
                break
            await asyncio.sleep(0.1)
        if not api.anonymous_read or service is None:
            return
        principal = Principal(None, Role.viewer, api.anonymous_jurisdiction)
        engine = self.store.engine
        scope = Scope(prefix=api.anonymous_jurisdiction)
        coll = await self._run_io(collection, engine, "basic_grids")
        bounds, _ = await self._run_io(extent, engine, coll, scope)
        if bounds is None:
            return
        area = await service.area(principal)
        tms = morecantile.tms.get("WebMercatorQuad")
        west, south, east, north = bounds
        tiles = list(tms.tiles(west, south, east, north, zooms=list(WARM_ZOOMS)))
        for layer in WARM_LAYERS:
            for tile in tiles:
                request, token = service.resolve(
                    layer, "WebMercatorQuad", tile.z, tile.x, tile.y, area
                )
                await service.tile(request, token)


def warm_areas(anonymous: bool, top: str, streets: list[str]) -> list[str]:
    """The jurisdictions warmed up, widest first: what anonymous readers see (when they may
    read), each district (6 digits) and each street (9) of the published plan inside it."""
    districts = sorted({s[:6] for s in streets})
    areas = [top] if anonymous else []
    return areas + [a for a in (*districts, *streets) if a.startswith(top) and a != top]


def as_of_key(value: str) -> str:
    """The cache key of an ``as_of`` setting: "now", or a Beijing-time moment as UTC to the
    minute (as the ``/incidents/kpis`` route keys ``?as_of=``)."""
    if value == "now":
        return value
    return minute_key(local_time(datetime.fromisoformat(value), field="as_of"))  # type: ignore[arg-type]
