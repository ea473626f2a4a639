"""Partition jobs: the engine run in the background on the store (or part of it), stored so
that progress, cancel and the result survive a page reload. One job per draft target at a time
(the base plan of a redraw, or the scope of a first plan), enforced by a unique column."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
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
from geogrid.store import Store, save_plan
from geogrid.store import tables as t
from geogrid.store._bind import fetch_all
from geogrid.store.draft_tables import PartitionJob
from geogrid.store.drafts import save_units
from geogrid.store.versions import data_versions, plan_layer

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
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "links": links,
    }


class JobRunner:
    """Runs partition jobs of one store on a background thread, one at a time."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="partition-job")
        self._lock = threading.Lock()

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
        self._pool.submit(self._run, int(job_id))
        return self.get(int(job_id))

    def _release_stale(self, key: str) -> None:
        rows = fetch_all(self.store.engine, select(JOBS).where(JOBS.c.active_key == key))
        for row in rows:
            if job_view(dict(row._mapping))["status"] == "failed":
                self._update(int(row.id), status="failed", active_key=None, error="interrupted")

    def get(self, job_id: int) -> dict[str, Any]:
        rows = fetch_all(self.store.engine, select(JOBS).where(JOBS.c.id == job_id))
        if not rows:
            raise NotFound(f"partition job {job_id} does not exist")
        return job_view(dict(rows[0]._mapping))

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
        self._update(job_id, cancel_requested=True)
        return self.get(job_id)

    def _update(self, job_id: int, **values: Any) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                update(JOBS).where(JOBS.c.id == job_id).values(updated_at=t.utcnow(), **values)
            )

    def _cancelled(self, job_id: int) -> bool:
        rows = fetch_all(
            self.store.engine, select(JOBS.c.cancel_requested).where(JOBS.c.id == job_id)
        )
        return bool(rows and rows[0][0])

    def _run(self, job_id: int) -> None:
        params = self.get(job_id)["params"]
        try:
            if self._cancelled(job_id):
                raise JobCancelled
            self._update(job_id, status="running", stage="reading layers")
            plan_id = self._partition(job_id, params)
        except JobCancelled:
            self._update(job_id, status="cancelled", stage="cancelled", active_key=None)
        except GeogridError as exc:
            self._update(job_id, status="failed", stage="failed", error=str(exc), active_key=None)
        except Exception as exc:  # the job's row must say it failed, whatever went wrong
            _log.exception("partition job %s failed", job_id)
            self._update(job_id, status="failed", stage="failed", error=repr(exc), active_key=None)
        else:
            self._update(job_id, status="succeeded", stage="done", plan_id=plan_id, active_key=None)

    def _partition(self, job_id: int, params: dict[str, Any]) -> int:
        based_on = params.get("based_on")
        # versions first, layers after: a layer written meanwhile makes the save refuse (stale)
        inputs = [*INPUT_LAYERS, *([plan_layer(based_on)] if based_on is not None else [])]
        versions = data_versions(self.store.engine)
        built_from = {layer: versions.get(layer, 0) for layer in inputs}
        layers = store_layers(self.store)
        parents = parents_of(layers)
        scope = params.get("scope") or []
        codes = [c for c in parents["code"].astype(str) if not scope or c.startswith(tuple(scope))]
        if not codes:
            raise InputError(f"no community or street in the store matches {scope}", field="scope")

        def progress(done: int, total: int) -> None:
            if self._cancelled(job_id):
                raise JobCancelled
            self._update(job_id, done=done, total=total, stage="partitioning")

        plan = run_partition(
            layers,
            levels=params.get("levels") or ("basic", "micro"),
            seed=int(params.get("seed") or 0),
            only=codes,
            current=stored_plan(self.store, based_on) if based_on is not None else None,
            progress=progress,
        )
        self._update(job_id, stage="building units")
        units = plan_units(
            parents,
            layers["buildings"],
            plan.grids["micro"],
            basic=plan.grids["basic"],
            barriers=[layers.get(b) for b in BARRIERS],
            progress=progress,
        )
        if self._cancelled(job_id):
            raise JobCancelled
        with self.store.transaction() as conn:
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
