"""Partition jobs: the engine run in the background on the store (or part of it), stored so
that progress, cancel and the result survive a page reload. One job per draft target at a time
(the base plan of a redraw, or the scope of a first plan), enforced by a unique column.

A job runs in a worker process of its own (spawned, one at a time per API process), never in
the API's process: a partition holds a core for seconds to minutes and would stall every
request. The worker opens the store itself; progress, the cancel request and the result travel
through the job's row, so any API process can show or cancel any job.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from geogrid.errors import Conflict, GeogridError, InputError, NotFound
from geogrid.partition_jobs import (
    BARRIERS,
    INPUT_LAYERS,
    parents_of,
    run_partition,
    store_layers,
    stored_plan,
)
from geogrid.plans.units import plan_units
from geogrid.settings import StoreSettings
from geogrid.store import Store, open_store, save_plan
from geogrid.store import tables as t
from geogrid.store._bind import fetch_all
from geogrid.store.draft_tables import PartitionJob
from geogrid.store.drafts import save_units
from geogrid.store.versions import data_versions, plan_layer
from geogrid.worker_exit import exit_with_parent

JOBS = t.table_of(PartitionJob)
ACTIVE = ("queued", "running")
STALE_AFTER = timedelta(minutes=30)  # a running job silent this long died with its process
_log = logging.getLogger("geogrid.jobs")


def _aware(value: datetime) -> datetime:
    """SpatiaLite hands back naive datetimes; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class JobCancelled(Exception):
    """Raised inside a job's progress callback when a cancel was requested."""


def job_key(params: dict[str, Any]) -> str:
    """What a job writes to: the draft redrawn from plan N, or a new draft of a scope."""
    if params.get("based_on") is not None:
        return f"plan:{int(params['based_on'])}"
    return "scope:" + (",".join(sorted(params.get("scope") or [])) or "*")


def job_view(row: dict[str, Any]) -> dict[str, Any]:
    """A job as the API shows it, with links to itself and its result."""
    status = row["status"]
    row = row | {k: _aware(row[k]) for k in ("created_at", "updated_at")}
    if status in ACTIVE and row["updated_at"] < t.utcnow() - STALE_AFTER:
        status = "failed"
        row = row | {"error": "interrupted: the process running the job stopped"}
    links = {"self": f"/partition-jobs/{row['id']}"}
    if row["plan_id"] is not None:
        links |= {"plan": f"/plans/{row['plan_id']}", "draft": f"/plans/{row['plan_id']}/draft"}
    return {
        "id": row["id"],
        "status": status,
        "stage": row["stage"],
        "progress": {"done": row["done"], "total": row["total"]},
        "params": row["params"],
        "plan_id": row["plan_id"],
        "error": row["error"],
        "cancel_requested": row["cancel_requested"],
        "actor": row["actor"],
        "worker_pid": row.get("worker_pid"),
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "links": links,
    }


class JobRunner:
    """Starts, lists and cancels the partition jobs of one store; runs them one at a time in a
    spawned worker process (:func:`run_job`)."""

    def __init__(self, store: Store, settings: StoreSettings | None = None) -> None:
        self.store = store
        url = store.engine.url.render_as_string(hide_password=False)
        self.settings = settings or StoreSettings(database_url=url)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._futures: dict[int, Future[None]] = {}

    def start(self, params: dict[str, Any], *, actor: str) -> dict[str, Any]:
        """Queue a job; Conflict when one for the same draft target is queued or running."""
        key = job_key(params)
        now = t.utcnow()
        self._release_stale(key)
        try:
            with self.store.transaction() as conn:
                job_id = conn.execute(
                    insert(JOBS).returning(JOBS.c.id),
                    {
                        "status": "queued",
                        "active_key": key,
                        "params": params,
                        "done": 0,
                        "total": 0,
                        "stage": "queued",
                        "cancel_requested": False,
                        "actor": actor,
                        "created_at": now,
                        "updated_at": now,
                    },
                ).scalar_one()
        except (IntegrityError, Conflict):  # the store may already have turned it into Conflict
            running = fetch_all(
                self.store.engine, select(JOBS.c.id).where(JOBS.c.active_key == key)
            )
            other = running[0][0] if running else "?"
            raise Conflict(
                f"partition job {other} for the same draft ({key}) is still queued or running; "
                "wait for it or cancel it"
            ) from None
        self._submit(int(job_id))
        return self.get(int(job_id))

    def _submit(self, job_id: int) -> None:
        with self._lock:
            if self._pool is None:
                spawn = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=spawn, initializer=exit_with_parent
                )
            future = self._pool.submit(run_job, self.settings, job_id)
            self._futures[job_id] = future
        future.add_done_callback(lambda done: self._finished(job_id, done))

    def _finished(self, job_id: int, future: Future[None]) -> None:
        """A worker that died (killed, out of memory) cannot say so: say it for it."""
        with self._lock:
            self._futures.pop(job_id, None)
        error = None if future.cancelled() else future.exception()
        if future.cancelled() or error is not None:
            jobs = JobRecords(self.store)
            if jobs.get(job_id)["status"] in ACTIVE:
                reason = "the server stopped" if future.cancelled() else repr(error)
                jobs.finish(job_id, "failed", error=f"interrupted: {reason}")
            if error is not None:
                with self._lock:  # a broken pool takes no more work: start a new one next time
                    self._pool = None

    def _release_stale(self, key: str) -> None:
        rows = fetch_all(self.store.engine, select(JOBS).where(JOBS.c.active_key == key))
        for row in rows:
            if job_view(dict(row._mapping))["status"] == "failed":
                JobRecords(self.store).finish(int(row.id), "failed", error="interrupted")

    def get(self, job_id: int) -> dict[str, Any]:
        return JobRecords(self.store).get(job_id)

    def list(self, limit: int = 50) -> list[dict[str, Any]]:
        stmt = select(JOBS).order_by(JOBS.c.id.desc()).limit(limit)
        return [job_view(dict(r._mapping)) for r in fetch_all(self.store.engine, stmt)]

    def cancel(self, job_id: int) -> dict[str, Any]:
        """Ask a queued or running job to stop (it stops at its next progress step)."""
        job = self.get(job_id)
        if job["status"] not in ACTIVE:
            raise Conflict(
                f"partition job {job_id} is {job['status']}; only an active job can be cancelled"
            )
        JobRecords(self.store).update(job_id, cancel_requested=True)
        return self.get(job_id)

    def close(self, *, wait: bool = False) -> None:
        """Stop taking jobs: queued ones are dropped (marked failed), a running one is asked
        to stop; with ``wait`` this returns when the worker has ended."""
        with self._lock:
            pool, self._pool = self._pool, None
            active = list(self._futures)
        if pool is None:
            return
        jobs = JobRecords(self.store)
        for job_id in active:
            if not wait and jobs.get(job_id)["status"] in ACTIVE:
                jobs.update(job_id, cancel_requested=True)
        pool.shutdown(wait=wait, cancel_futures=not wait)


class JobRecords:
    """The job rows: read, update, finish (in the API process and in the worker)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, job_id: int) -> dict[str, Any]:
        rows = fetch_all(self.store.engine, select(JOBS).where(JOBS.c.id == job_id))
        if not rows:
            raise NotFound(f"partition job {job_id} does not exist")
        return job_view(dict(rows[0]._mapping))

    def update(self, job_id: int, **values: Any) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                update(JOBS).where(JOBS.c.id == job_id).values(updated_at=t.utcnow(), **values)
            )

    def finish(self, job_id: int, status: str, **values: Any) -> None:
        """The job's last word: its status, and the draft target free again."""
        self.update(
            job_id, status=status, stage=values.pop("stage", status), active_key=None, **values
        )

    def cancelled(self, job_id: int) -> bool:
        rows = fetch_all(
            self.store.engine, select(JOBS.c.cancel_requested).where(JOBS.c.id == job_id)
        )
        return bool(rows and rows[0][0])


def run_job(settings: StoreSettings, job_id: int) -> None:
    """Run one job to its end (the worker process's entry point): the row says how it ended."""
    store = open_store(settings)
    jobs = JobRecords(store)
    try:
        params = jobs.get(job_id)["params"]
        if jobs.cancelled(job_id):
            raise JobCancelled
        jobs.update(job_id, status="running", stage="reading layers", worker_pid=os.getpid())
        plan_id = _partition(store, jobs, job_id, params)
    except JobCancelled:
        jobs.finish(job_id, "cancelled")
    except GeogridError as exc:
        jobs.finish(job_id, "failed", error=str(exc))
    except Exception as exc:  # the job's row must say it failed, whatever went wrong
        _log.exception("partition job %s failed", job_id)
        jobs.finish(job_id, "failed", error=repr(exc))
    else:
        jobs.finish(job_id, "succeeded", stage="done", plan_id=plan_id)
    finally:
        store.dispose()


def _partition(store: Store, jobs: JobRecords, job_id: int, params: dict[str, Any]) -> int:
    based_on = params.get("based_on")
    # versions first, layers after: a layer written meanwhile makes the save refuse (stale)
    inputs = [*INPUT_LAYERS, *([plan_layer(based_on)] if based_on is not None else [])]
    versions = data_versions(store.engine)
    built_from = {layer: versions.get(layer, 0) for layer in inputs}
    layers = store_layers(store)
    parents = parents_of(layers)
    scope = params.get("scope") or []
    codes = [c for c in parents["code"].astype(str) if not scope or c.startswith(tuple(scope))]
    if not codes:
        raise InputError(f"no community or street in the store matches {scope}", field="scope")

    def progress(done: int, total: int) -> None:
        if jobs.cancelled(job_id):
            raise JobCancelled
        jobs.update(job_id, done=done, total=total, stage="partitioning")

    plan = run_partition(
        layers,
        levels=params.get("levels") or ("basic", "micro"),
        seed=int(params.get("seed") or 0),
        only=codes,
        current=stored_plan(store, based_on) if based_on is not None else None,
        progress=progress,
    )
    jobs.update(job_id, stage="building units")
    units = plan_units(
        parents,
        layers["buildings"],
        plan.grids["micro"],
        basic=plan.grids["basic"],
        barriers=[layers.get(b) for b in BARRIERS],
        progress=progress,
    )
    if jobs.cancelled(job_id):
        raise JobCancelled
    with store.transaction() as conn:
        plan_id = save_plan(
            conn,
            plan.grids,
            report=plan.report,
            author=params.get("actor") or "job",
            note=params.get("note") or f"partition job {job_id}",
            based_on=based_on,
            built_from=built_from,
        )
        save_units(conn, plan_id, units)
    return plan_id
