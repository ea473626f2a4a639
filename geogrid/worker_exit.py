"""Worker processes that end when the process that started them ends.

A ``ProcessPoolExecutor`` worker holds both ends of its call queue's pipe (the queue is pickled
whole into it), so it never reads end-of-file when its parent is killed (SIGKILL, the OOM
killer, a container or service stop that skips the shutdown): it waits for work for ever, or
finishes a long computation for nobody, holding a database connection and its memory. Every
pool of geogrid's (the API's KPI worker and partition jobs, the engine's parent workers) starts
its workers with :func:`exit_with_parent` as the initializer.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from multiprocessing.connection import wait

EXIT_CODE = 70  # EX_SOFTWARE: the worker did not finish its work; its parent is gone


def exit_with_parent() -> None:
    """End this process at once when its parent process ends (a pool's ``initializer``).

    A daemon thread waits on the parent's sentinel, a pipe the parent holds open while it lives
    (with the ``spawn`` and ``forkserver`` start methods both), and calls ``os._exit``: no
    clean-up runs, as none could reach the parent. Does nothing in a process without a parent
    known to ``multiprocessing``.
    """
    parent = multiprocessing.parent_process()
    if parent is None or parent.sentinel is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        wait([sentinel])
        os._exit(EXIT_CODE)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
