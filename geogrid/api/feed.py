"""The live incident feed of one API process: a hub that learns of new events and fans them out.

The events themselves live in the store (``incident_events``, ids in commit order, see
:mod:`geogrid.store.incident_feed`); the hub only decides *when* to read them:

- on PostGIS a psycopg 3 async connection ``LISTEN``s on the feed channel, so a write made by
  any API process (or the CLI) wakes every process within milliseconds of its commit;
- on SpatiaLite (one process) the write routes call :meth:`FeedHub.wake` after their commit;
- both also poll every ``poll_s`` seconds, so a lost connection or a write from elsewhere
  delays an event but never loses it.

A subscriber first replays what it missed from the store (``Last-Event-ID``), then takes the
hub's events; ids it has already sent are skipped, so the hand-over neither loses nor repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.engine import make_url

from geogrid.store import Store
from geogrid.store.incident_feed import FEED_CHANNEL, FEED_PAGE, feed_events, last_event_id, sees

log = logging.getLogger(__name__)
QUEUE_LIMIT = 10_000
T = TypeVar("T")


@dataclass(eq=False)
class Subscriber:
    """One open feed: a queue of events, and a flag set when the queue overflowed."""

    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    overflowed: bool = False


class FeedHub:
    """Reads new events once per wake-up and hands them to every subscriber of this process."""

    def __init__(self, store: Store, *, poll_s: float = 2.0) -> None:
        self.store = store
        self.poll_s = poll_s
        self.last_id = 0
        self._subscribers: set[Subscriber] = set()
        self.on_wake: list[Callable[[], None]] = []  # told of this process's writes, any thread
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = asyncio.Event()
        # the feed's own reader threads: busy statistics never delay an event
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="feed")

    async def start(self) -> None:
        """Remember where the feed stands and start reading (and listening, on PostGIS)."""
        self._loop = asyncio.get_running_loop()
        self.last_id = await self.read(last_event_id, self.store.engine)
        self._tasks.append(asyncio.create_task(self._read_loop()))
        if self.store.kind == "postgis":
            self._tasks.append(asyncio.create_task(self._listen_loop()))

    async def stop(self) -> None:
        """Stop reading; give the listener a moment to close its connection itself (one
        cancelled half-way through opening is left to the garbage collector), then cancel."""
        self._stopping.set()
        if self._tasks:
            self._tasks[0].cancel()
            _, pending = await asyncio.wait(self._tasks, timeout=30.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def read(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store read on the feed's own threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(function, *args, **kwargs))

    def wake(self) -> None:
        """New events were committed in this process: read them now (callable from any
        thread, e.g. a sync route in the thread pool)."""
        for listener in self.on_wake:
            listener()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber()
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    async def _read_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            self._wake.clear()
            try:
                await self._read_new()
            except Exception:  # the store may be briefly unreachable; the next round retries
                log.exception("feed: reading new incident events failed")

    async def _read_new(self) -> None:
        while True:
            events = await self.read(feed_events, self.store.engine, after=self.last_id)
            for event in events:
                self.last_id = event["id"]
                for subscriber in list(self._subscribers):
                    try:
                        subscriber.queue.put_nowait(event)
                    except asyncio.QueueFull:
                        subscriber.overflowed = True
            if len(events) < FEED_PAGE:
                return

    async def _listen_loop(self) -> None:
        import psycopg

        url = make_url(self.store.engine.url.render_as_string(hide_password=False))
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stopping.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(
                    dsn, autocommit=True, connect_timeout=5
                ) as conn:
                    await conn.execute(f"LISTEN {FEED_CHANNEL}")
                    self._wake.set()  # whatever came while (re)connecting
                    while not self._stopping.is_set():
                        async for _ in conn.notifies(timeout=0.5):
                            self._wake.set()
            except Exception:
                log.exception("feed: LISTEN connection lost; reconnecting")
                await asyncio.sleep(1.0)


def sse(event: dict[str, Any]) -> str:
    """One server-sent event: id, type ``incident`` and the event as JSON."""
    body = json.dumps(event, ensure_ascii=False, default=str)
    return f"id: {event['id']}\nevent: incident\ndata: {body}\n\n"


async def stream(
    hub: FeedHub,
    *,
    within: str | None,
    last_id: int | None,
    keepalive_s: float = 15.0,
) -> AsyncIterator[str]:
    """The SSE stream of one client: events after ``last_id`` (None: from now) that its
    jurisdiction ``within`` sees, replayed from the store, then live."""
    subscriber = hub.subscribe()
    engine = hub.store.engine
    try:
        sent = last_id if last_id is not None else await hub.read(last_event_id, engine)
        yield f"retry: 1000\n: feed from event {sent}\n\n"
        while True:
            subscriber.overflowed = False
            while True:  # replay from the store, a page at a time
                missed = await hub.read(feed_events, engine, after=sent, within=within)
                for event in missed:
                    sent = event["id"]
                    yield sse(event)
                if len(missed) < FEED_PAGE:
                    break
            while not subscriber.overflowed:
                try:
                    event = await asyncio.wait_for(subscriber.queue.get(), keepalive_s)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if event["id"] <= sent:
                    continue
                sent = event["id"]
                if sees(within, event["basic_code"]):
                    yield sse(event)
            while not subscriber.queue.empty():  # overflowed: start over from the store
                subscriber.queue.get_nowait()
    finally:
        hub.unsubscribe(subscriber)
