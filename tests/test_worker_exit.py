"""Pool workers end when the process that started them is killed (``geogrid.worker_exit``).

Each case runs a parent as a real process that starts a pool, prints its workers' pids and
kills itself with SIGKILL (no shutdown runs); the workers must be gone within seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

PARENT = textwrap.dedent(
    """
    import multiprocessing, os, sys, time
    from concurrent.futures import ProcessPoolExecutor
    from geogrid.worker_exit import exit_with_parent

    if __name__ == "__main__":
        method, busy, guarded = sys.argv[1], sys.argv[2] == "busy", sys.argv[3] == "guarded"
        pool = ProcessPoolExecutor(
            max_workers=2,
            mp_context=multiprocessing.get_context(method),
            initializer=exit_with_parent if guarded else None,
        )
        started = [pool.submit(time.sleep, 0.5) for _ in range(2)]  # two workers start
        [f.result() for f in started]
        if busy:
            for _ in range(2):
                pool.submit(time.sleep, 120)
        print(" ".join(map(str, sorted(pool._processes))), flush=True)
        time.sleep(0.3)
        os.kill(os.getpid(), 9)
    """
)

ENGINE_PARENT = textwrap.dedent(
    """
    import os, time
    from geogrid.partition.pool import parent_pool

    if __name__ == "__main__":
        with parent_pool(2) as pool:
            time.sleep(0.5)
            print(" ".join(map(str, sorted(pool._processes))), flush=True)
            os.kill(os.getpid(), 9)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waits only for its reaper
        return stat.read().split(") ", 1)[1][0] != "Z"


def _orphans(script: str, *args: str, wait_s: float = 10.0) -> list[int]:
    """Run ``script`` as a parent that kills itself; the worker pids still alive after."""
    # a file, not a pipe: a worker that outlives the parent would hold a pipe open
    with tempfile.TemporaryFile(mode="w+") as out:
        parent = subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdout=out,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        assert parent.wait(timeout=120) == -signal.SIGKILL
        out.seek(0)
        printed = out.read()
    pids = [int(p) for p in printed.split()]
    assert len(pids) == 2, printed[-2000:]
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    left = [p for p in pids if _alive(p)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
@pytest.mark.parametrize("work", ["busy", "idle"])
def test_workers_end_with_their_parent(method: str, work: str) -> None:
    assert _orphans(PARENT, method, work, "guarded") == []


def test_without_the_guard_workers_outlive_their_parent() -> None:
    """The fault the guard is for: an unguarded idle worker waits for work for ever."""
    assert len(_orphans(PARENT, "spawn", "idle", "bare", wait_s=3.0)) == 2


def test_engine_workers_end_with_the_planning_process() -> None:
    assert _orphans(ENGINE_PARENT) == []
