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
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

Key = tuple[str, str]  # (jurisdiction, as_of rounded to the minute or "now")


@dataclass
class Entry:
    version: int
    computed: float  # time.monotonic() when computed
    value: dict[str, Any]


class KpiCache:
    """Single-flight, version-keyed cache of KPI answers."""

    def __init__(
        self, *, ttl_s: float = 60.0, max_stale_s: float = 60.0, min_refresh_s: float = 10.0
    ) -> None:
        self.ttl_s = ttl_s
        self.max_stale_s = max_stale_s
        self.min_refresh_s = min_refresh_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kpis")
        self._entries: dict[Key, Entry] = {}
        self._running: dict[Key, asyncio.Task[Entry]] = {}

    async def get(
        self, key: Key, version: int, compute: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """The answer for ``key`` at data ``version``; ``compute`` runs in a worker thread."""
        entry = self._entries.get(key)
        age = time.monotonic() - entry.computed if entry else float("inf")
        if entry and entry.version == version and age < self.ttl_s:
            return self._answer(entry, version, "hit")
        if entry and age < min(self.min_refresh_s, self.max_stale_s):
            return self._answer(entry, version, "stale")
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self._compute(key, version, compute))
            task.add_done_callback(_consume)
            self._running[key] = task
        if entry and age < self.max_stale_s:
            return self._answer(entry, version, "stale")
        return self._answer(await asyncio.shield(task), version, "miss")

    async def _compute(
        self, key: Key, version: int, compute: Callable[[], dict[str, Any]]
    ) -> Entry:
        try:
            loop = asyncio.get_running_loop()
            value = await loop.run_in_executor(self._executor, compute)
            entry = Entry(version, time.monotonic(), value)
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
