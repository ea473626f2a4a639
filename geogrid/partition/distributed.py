"""Scale-out with dask.distributed: parents are independent, so each is one task.

Results are gathered in input order, so the plan is the same as a single-process run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from geogrid.errors import GeogridError
from geogrid.partition.parent import ParentInput, ParentPlan, plan_parent
from geogrid.partition.pool import heaviest_first

LOCAL = "local"
LOCAL_WORKERS = 2


def run_distributed(
    items: list[ParentInput],
    *,
    seed: int,
    scheduler: str = LOCAL,
    connect_timeout: float = 10.0,
    dedicated_uses: Sequence[str] = (),
    keep_units: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> list[ParentPlan]:
    """Plan each parent as a dask task on a local cluster or at a scheduler address.

    ``connect_timeout``: seconds to wait for the scheduler at an address before giving up.
    """
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    try:
        if scheduler == LOCAL:
            cluster = LocalCluster(
                n_workers=LOCAL_WORKERS,
                processes=True,
                threads_per_worker=1,
                dashboard_address=None,
            )
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout=connect_timeout)
    except OSError as exc:
        raise GeogridError(f"cannot reach the dask scheduler at {scheduler}: {exc}") from exc
    try:
        order = heaviest_first(items)
        uses = tuple(dedicated_uses)
        futures = {
            client.submit(
                plan_parent,
                items[i],
                seed=seed,
                dedicated_uses=uses,
                keep_units=keep_units,
                pure=False,
            ): i
            for i in order
        }
        out: list[ParentPlan | None] = [None] * len(items)
        for done, future in enumerate(as_completed(futures), start=1):
            out[futures[future]] = future.result()
            if progress is not None:
                progress(done, len(items))
        return [plan for plan in out if plan is not None]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
