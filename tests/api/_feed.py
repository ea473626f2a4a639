"""Real API processes and a line-by-line server-sent-events reader (tests and the KPI/feed
benchmark use them)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def api_process(database_url: str, *, timeout: float = 60.0, **env: str) -> Iterator[str]:
    """``geogrid serve`` on 127.0.0.1 and a free port, as a subprocess (``env``: more
    environment, e.g. settings); yields its base URL once ``/health`` answers, and stops it
    at the end."""
    port = free_port()
    env = os.environ | {"DATABASE_URL": database_url} | env
    process = subprocess.Popen(
        [sys.executable, "-m", "geogrid", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"API process exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            with contextlib.suppress(httpx2.TransportError):
                if httpx2.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"API process on port {port} did not start in {timeout} s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        process.stderr.close()  # type: ignore[union-attr]


@dataclass
class Feed:
    """An open SSE response read event by event."""

    lines: Iterator[str]
    comments: list[str] = field(default_factory=list)

    def next_event(self) -> dict[str, Any]:
        """The next ``incident`` event (its data, with ``_id`` the SSE id and ``_at`` the
        monotonic time it arrived); skips comments and the retry line."""
        fields: dict[str, str] = {}
        for line in self.lines:
            if line == "":
                if "data" in fields:
                    event = json.loads(fields["data"])
                    return event | {"_id": int(fields["id"]), "_at": time.monotonic()}
                fields = {}
            elif line.startswith(":"):
                self.comments.append(line)
            else:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
        raise EOFError("the feed ended")


@contextlib.contextmanager
def open_feed(
    base: str, key: str, *, last_event_id: int | None = None, read_timeout: float = 20.0
) -> Iterator[Feed]:
    """Connect to ``/incidents/feed``; returns once the server has subscribed the client (its
    first comment arrived), so anything committed afterwards reaches it."""
    headers = {"X-API-Key": key}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    timeout = httpx2.Timeout(10.0, read=read_timeout)
    with (
        httpx2.Client(timeout=timeout) as client,
        client.stream("GET", f"{base}/incidents/feed", headers=headers) as response,
    ):
        if response.status_code != 200:
            response.read()
            raise RuntimeError(f"feed answered {response.status_code}: {response.text}")
        lines = response.iter_lines()
        feed = Feed(lines)
        for line in lines:  # "retry: 1000", then ": feed from event N"
            if line.startswith(":"):
                feed.comments.append(line)
                break
        yield feed
