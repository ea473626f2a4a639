"""Parents planned side by side in worker processes of this machine.

Parents are independent, so each is one task; results are gathered in input order, so the plan
is the same as a single-process run (the same digest). Workers come from a ``forkserver``
context: a clean server process (no threads of the caller, e.g. a progress bar's) imports the
engine once and forks each worker from it, so a worker starts in milliseconds and never
inherits a lock held by another thread.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from geogrid.partition.parent import ParentInput, ParentPlan, plan_parent
from geogrid.worker_exit import exit_with_parent

ENGINE_MODULE = "geogrid.partition.parent"
log = logging.getLogger(__name__)


def heaviest_first(items: Sequence[ParentInput]) -> list[int]:
    """Indices of ``items``, the parents with the most buildings first, so that the last task
    does not run alone while the other workers idle."""
    return sorted(range(len(items)), key=lambda i: -len(items[i].points))


@contextmanager
def parent_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of ``workers`` processes, started at once; None (and a warning logged) when
    they cannot start, so that the caller plans in its own process instead.

    Open it before the inputs are prepared: the workers import the engine while this process
    prepares, instead of after. The usual reason workers cannot start is a script that calls
    the engine at its top level: each worker's server imports the script again (Python's
    ``multiprocessing``), and a second pool cannot start from there.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_preload())
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=exit_with_parent
    ) as pool:
        started = [pool.submit(os.getpid) for _ in range(workers)]  # start the workers now
        try:
            wait_started(started)
        except BrokenProcessPool:
            log.warning(NO_WORKERS)
            yield None
            return
        yield pool


def _preload() -> list[str]:
    """The modules the server imports before it forks a worker: the engine, and the CLI when
    this process runs it. Each worker runs the caller's script again on start (Python's
    ``multiprocessing``; ``"__main__"`` in the preload list does not reach the server in
    Python 3.11); the ``geogrid`` console script's first line imports the whole CLI, a
    second of CPU per worker while this process prepares, unless the server holds it."""
    return [ENGINE_MODULE, *[name for name in CALLER_MODULES if name in sys.modules]]


CALLER_MODULES = ("geogrid.cli",)  # imported by a caller's script, loaded in the server too

NO_WORKERS = (
    "partition: worker processes could not start; planning in this process instead (a "
    "script that calls the engine with workers > 1 must do it under "
    '`if __name__ == "__main__":`, or pass workers=1)'
)


def wait_started(started: list[Future[int]]) -> None:
    """Wait for the warm-up tasks: raises BrokenProcessPool when a worker died starting."""
    for future in started:
        future.result()


def run_in_pool(
    pool: ProcessPoolExecutor,
    items: Sequence[ParentInput],
    *,
    seed: int,
    dedicated_uses: Sequence[str] = (),
    keep_units: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[ParentPlan]:
    """Plan every parent in ``pool``; the plans in the order of ``items``.

    An error in a worker (an ``InputError`` of one parent, say) is raised here as it was
    raised there.
    """
    uses = tuple(dedicated_uses)
    futures: dict[Future[ParentPlan], int] = {
        pool.submit(plan_parent, items[i], seed=seed, dedicated_uses=uses, keep_units=keep_units): i
        for i in heaviest_first(items)
    }
    out: list[ParentPlan | None] = [None] * len(items)
    try:
        for done, future in enumerate(as_completed(futures), start=1):
            out[futures[future]] = future.result()
            if progress is not None:
                progress(done, len(items))
    except BaseException:
        for future in futures:  # the pool's exit waits for running tasks only
            future.cancel()
        raise
    return [plan for plan in out if plan is not None]
