"""Big-screen KPIs cached per jurisdiction and keyed by the incidents' data version.

Fifty screens asking every few seconds must not each run the statistics. An answer is reused
while the ``incidents`` data version is unchanged and it is younger than ``ttl_s`` (overdue
counts move with the clock). When the data moved on, the previous answer is served while one
refresh runs in the background, as long as it is younger than ``max_stale_s``; an older or
missing answer is computed while the caller waits (one computation per key, shared). A key is
refreshed at most every ``min_refresh_s`` (a busy hour moves the version every second; the live
feed, not the KPIs, carries each incident), and computations run one at a time on their own
thread, so they never starve the feed or other requests of worker threads. Every answer says
which data version it was computed for.

Most new versions do not touch most jurisdictions: an incident changes one basic grid. With a
:class:`GridChanges` the cache asks ``grid_stats`` (one indexed query per data version per
process) which basic grids of the published plan were recounted since an answer was computed;
when none lies in the answer's jurisdiction (and the plan is the same) the answer is still
exact and is served for the new version as a hit, with no computation. An answer for a fixed
``as_of`` depends on the data only, so it never expires by age; one for "now" does (``ttl_s``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from geogrid.store.grid_stats import StatsRefresher, changed_since
from geogrid.store.incident_feed import sees
from geogrid.store.plans import published_plan_id

Key = tuple[str, str]  # (jurisdiction, as_of rounded to the minute or "now")


@dataclass
class Entry:
    version: int
    computed: float  # time.monotonic() when computed
    value: dict[str, Any]
    plan: int | None = None
    seq: int = -1  # grid_stats seq the answer includes (-1: unknown, never carried over)


class GridChanges:
    """The basic grids of the published plan recounted in ``grid_stats``, in ``seq`` order,
    followed once per data version (:meth:`follow` does I/O; :meth:`touched` does none)."""

    _KEEP = 200_000  # log entries kept; older answers are recomputed

    def __init__(self, engine: Engine, refresher: StatsRefresher) -> None:
        self._engine = engine
        self._refresher = refresher
        self._lock = threading.Lock()
        self._followed: tuple[int, ...] | None = None
        self.plan: int | None = None
        self.seq = 0
        self._floor = 0  # answers older than this seq cannot be judged
        self._log: list[tuple[int, str]] = []

    def follow(
        self, versions: tuple[int, ...], *, wait: bool = True
    ) -> tuple[int | None, int] | None:
        """Refresh ``grid_stats`` for ``versions`` (read before the call) and read what was
        recounted since the last call: the published plan and the newest seq. With
        ``wait=False``, None instead of waiting while another thread follows (the caller then
        serves what it has without carrying answers over)."""
        if not self._lock.acquire(blocking=wait):
            return (self.plan, self.seq) if versions == self._followed else None
        try:
            if versions == self._followed:
                return self.plan, self.seq
            self._refresher.ensure(versions, datetime.now(UTC))
            plan = published_plan_id(self._engine)
            if plan != self.plan:
                self.plan, self.seq, self._log = plan, 0, []
            if plan is not None:
                new = changed_since(self._engine, plan, "basic", self.seq)
                if new:
                    self._log += new
                    self.seq = new[-1][0]
            if self._floor == 0 and self._log:
                self._floor = self._log[0][0] - 1
            if len(self._log) > self._KEEP:
                cut = len(self._log) - self._KEEP
                self._floor = self._log[cut - 1][0]
                del self._log[:cut]
            self._followed = versions
            return self.plan, self.seq
        finally:
            self._lock.release()

    def touched(self, within: str, since: int) -> bool:
        """Whether a grid the jurisdiction ``within`` sees was recounted after ``since``."""
        if since < self._floor:
            return True
        for seq, code in reversed(self._log):
            if seq <= since:
                return False
            if sees(within, code or None):
                return True
        return False


class KpiCache:
    """Single-flight, version-keyed cache of KPI answers."""

    def __init__(
        self,
        *,
        ttl_s: float = 60.0,
        max_stale_s: float = 60.0,
        min_refresh_s: float = 10.0,
        changes: GridChanges | None = None,
    ) -> None:
        self.changes = changes
        self.ttl_s = ttl_s
        self.max_stale_s = max_stale_s
        self.min_refresh_s = min_refresh_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpis")
        self._entries: dict[Key, Entry] = {}
        self._running: dict[Key, asyncio.Task[Entry]] = {}

    async def get(
        self,
        key: Key,
        version: int,
        compute: Callable[[], dict[str, Any]],
        *,
        grids: tuple[int | None, int] | None = None,
    ) -> dict[str, Any]:
        """The answer for ``key`` at data ``version``; ``compute`` runs in a worker thread.
        ``grids`` is (published plan, grid_stats seq) as :meth:`GridChanges.follow` gave them
        for ``version`` (None: no carrying over)."""
        entry = self._entries.get(key)
        age = time.monotonic() - entry.computed if entry else float("inf")
        ttl = self.ttl_s if key[1] == "now" else float("inf")
        if entry and entry.version != version and self._unchanged(key, entry, grids):
            entry.version = version  # no grid of this jurisdiction changed: still exact
        if entry and entry.version == version and age < ttl:
            return self._answer(entry, version, "hit")
        if entry and age < min(self.min_refresh_s, self.max_stale_s):
            return self._answer(entry, version, "stale")
        if entry and grids is None and self.changes is not None and age < self.max_stale_s:
            # Another request is reading which grids changed: it may still be exact, so
            # decide on the next request instead of computing now.
            return self._answer(entry, version, "stale")
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self._compute(key, version, compute, grids))
            task.add_done_callback(_consume)
            self._running[key] = task
        if entry and age < self.max_stale_s:
            return self._answer(entry, version, "stale")
        return self._answer(await asyncio.shield(task), version, "miss")

    def _unchanged(self, key: Key, entry: Entry, grids: tuple[int | None, int] | None) -> bool:
        if grids is None or self.changes is None or entry.seq < 0 or grids[0] is None:
            return False
        return entry.plan == grids[0] and not self.changes.touched(key[0], entry.seq)

    async def _compute(
        self,
        key: Key,
        version: int,
        compute: Callable[[], dict[str, Any]],
        grids: tuple[int | None, int] | None,
    ) -> Entry:
        try:
            loop = asyncio.get_running_loop()
            value = await loop.run_in_executor(self._executor, compute)
            plan, seq = grids if grids is not None else (None, -1)
            entry = Entry(version, time.monotonic(), value, plan, seq)
            self._entries[key] = entry
            return entry
        finally:
            self._running.pop(key, None)

    @staticmethod
    def _answer(entry: Entry, current: int, cache: str) -> dict[str, Any]:
        return entry.value | {
            "data_version": entry.version,
            "current_data_version": current,
            "cache": cache,
        }


def _consume(task: asyncio.Task[Entry]) -> None:
    """Retrieve a background refresh's error (the next caller that waits sees it raised)."""
    if not task.cancelled():
        task.exception()
