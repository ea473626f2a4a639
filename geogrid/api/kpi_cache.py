"""Big-screen KPIs cached per jurisdiction and ``as_of`` minute, keyed by the incidents' data
version, as encoded JSON (:class:`~geogrid.store.kpi_answers.StoredAnswer`).

Fifty screens asking every few seconds must not each run the statistics. An answer is a hit
while the ``incidents`` data version is the one it counted (an answer for "now" also expires
after ``ttl_s``: overdue counts move with the clock). When the data moved on, the answer is
served as stale while one refresh runs in the background, as long as it is younger than
``max_stale_s``; an older or missing answer is waited for (one refresh per key, shared). A key
is refreshed at most every ``min_refresh_s`` (a busy hour moves the version every second; the
live feed, not the KPIs, carries each incident). A refresh (``refresh``, given by
:class:`~geogrid.api.kpi_service.KpiService`) takes the answer another process stored or
computes it off this process's request path. Ages are wall-clock times since an answer was
computed, so they mean the same in every process.

Most new versions do not touch most jurisdictions: an incident changes one basic grid. With a
:class:`GridChanges` the cache knows (read once per data version per process, from
``grid_stats``) which basic grids of the published plan were recounted since an answer was
computed; when none lies in the answer's jurisdiction (and the plan is the same) the answer is
still exact and is served for the new version as a hit, with no computation.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from geogrid.store.grid_stats import StatsRefresher, changed_since
from geogrid.store.incident_feed import sees
from geogrid.store.kpi_answers import Key, StoredAnswer, Wanted
from geogrid.store.plans import published_plan_id


@dataclass
class Entry:
    version: int  # the data version the answer is exact for (its own, or a later one)
    answer: StoredAnswer
    tried: float = 0.0  # time.monotonic() when a refresh last fell short of its version


RETRY_S = 1.0
"""After a refresh that brought no newer answer (another process holds the key's lock), the
next one waits this long: fifty polling screens must not each ask the table."""


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
    """Single-flight, version-keyed cache of encoded KPI answers; ``refresh`` brings an answer
    from the shared table or computes it (in a worker process on PostGIS)."""

    def __init__(
        self,
        refresh: Callable[[Wanted], Awaitable[StoredAnswer]],
        *,
        ttl_s: float = 60.0,
        max_stale_s: float = 60.0,
        min_refresh_s: float = 10.0,
        changes: GridChanges | None = None,
    ) -> None:
        self.refresh = refresh
        self.changes = changes
        self.ttl_s = ttl_s
        self.max_stale_s = max(max_stale_s, min_refresh_s)
        self.min_refresh_s = min_refresh_s
        self._entries: dict[Key, Entry] = {}
        self._running: dict[Key, asyncio.Task[Entry]] = {}

    def __len__(self) -> int:
        """How many answers the cache holds."""
        return len(self._entries)

    def load(self, answers: list[StoredAnswer]) -> None:
        """Take stored answers (a server start): each is served while the rules allow."""
        for answer in answers:
            if answer.key not in self._entries:
                self._entries[answer.key] = Entry(answer.version, answer)

    async def get(
        self, key: Key, version: int, *, grids: tuple[int | None, int] | None = None
    ) -> bytes:
        """The encoded answer for ``key`` at data ``version``. ``grids`` is (published plan,
        grid_stats seq) as :meth:`GridChanges.follow` gave them for ``version`` (None: no
        carrying over). Never does I/O on this thread; waits only when no answer is usable."""
        entry = self._entries.get(key)
        age = entry.answer.age_s() if entry else float("inf")
        ttl = self.ttl_s if key[1] == "now" else float("inf")
        if entry and entry.version < version and self._unchanged(key, entry, grids):
            entry.version = version  # no grid of this jurisdiction changed: still exact
        if entry and entry.version >= version and age < ttl:
            return _answer(entry, version, "hit")
        if entry and age < self.min_refresh_s:
            return _answer(entry, version, "stale")
        if entry and age < self.max_stale_s and time.monotonic() - entry.tried < RETRY_S:
            return _answer(entry, version, "stale")  # another process is computing it
        task = self.start(key, version, grids)
        if entry and age < self.max_stale_s:
            return _answer(entry, version, "stale")
        return _answer(await asyncio.shield(task), version, "miss")

    def start(
        self, key: Key, version: int, grids: tuple[int | None, int] | None
    ) -> asyncio.Task[Entry]:
        """The refresh of ``key`` for ``version`` (one at a time per key)."""
        task = self._running.get(key)
        if task is None:
            plan, seq = grids if grids is not None else (None, -1)
            ttl = self.ttl_s if key[1] == "now" else float("inf")
            wanted = Wanted(key, version, plan, seq, self.min_refresh_s, ttl)
            task = asyncio.create_task(self._refresh(wanted))
            task.add_done_callback(_consume)
            self._running[key] = task
        return task

    def _unchanged(self, key: Key, entry: Entry, grids: tuple[int | None, int] | None) -> bool:
        seq = entry.answer.seq
        if grids is None or self.changes is None or seq < 0 or grids[0] is None:
            return False
        return entry.answer.plan == grids[0] and not self.changes.touched(key[0], seq)

    async def _refresh(self, wanted: Wanted) -> Entry:
        try:
            answer = await self.refresh(wanted)
            entry = self._entries.get(wanted.key)
            if entry is None or answer.computed_at > entry.answer.computed_at:
                entry = self._entries[wanted.key] = Entry(answer.version, answer)
            # fell short (another process holds the key): not asked again for RETRY_S
            entry.tried = time.monotonic() if answer.version < wanted.version else 0.0
            return entry
        finally:
            self._running.pop(wanted.key, None)


def _answer(entry: Entry, current: int, cache: str) -> bytes:
    """The stored JSON object with the per-request fields spliced in (no re-encoding: a
    district's answer is tens of kilobytes)."""
    extra = f',"data_version":{entry.version},"current_data_version":{current},"cache":"{cache}"}}'
    return entry.answer.body[:-1] + extra.encode()


def _consume(task: asyncio.Task[Entry]) -> None:
    """Retrieve a background refresh's error (the next caller that waits sees it raised)."""
    if not task.cancelled():
        task.exception()
