"""``/partition-jobs``: the partition engine as background jobs with progress, cancel and a
link to the resulting draft; jobs are stored, so they survive a page reload."""

from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from geogrid.api.access import PLAN_WRITERS, Principal, PrincipalDep, require
from geogrid.api.deps import SettingsDep, StoreDep
from geogrid.api.plan_deps import DB_INT_MAX, JobId, require_whole_plan
from geogrid.errors import Forbidden
from geogrid.plan_jobs import JobRunner

router = APIRouter(prefix="/partition-jobs", tags=["partition jobs"])
PlanWriter = Annotated[Principal, Depends(require(*PLAN_WRITERS))]
_LOCK = threading.Lock()
Level = Literal["large", "medium", "basic", "micro"]
DEFAULT_LEVELS: tuple[Level, ...] = ("basic", "micro")
Code = Annotated[str, Field(pattern=r"^[0-9]{6,12}$")]


def get_runner(request: Request, store: StoreDep, settings: SettingsDep) -> JobRunner:
    """This app's job runner (created on first use; its worker process starts with a job)."""
    with _LOCK:
        if getattr(request.app.state, "job_runner", None) is None:
            request.app.state.job_runner = JobRunner(store, settings.store)
    runner: JobRunner = request.app.state.job_runner
    return runner


RunnerDep = Annotated[JobRunner, Depends(get_runner)]


class JobRequest(BaseModel):
    """What to partition: ``scope`` (street or community code prefixes; default your whole
    jurisdiction), a redraw of plan ``based_on``, levels and seed."""

    scope: list[Code] = Field(default_factory=list, max_length=200)
    based_on: int | None = Field(default=None, ge=1, le=DB_INT_MAX)
    levels: list[Level] = Field(default_factory=lambda: list(DEFAULT_LEVELS), max_length=4)
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    note: str = Field(default="", max_length=2000)


@router.post("", status_code=202)
def post_job(
    body: JobRequest, runner: RunnerDep, store: StoreDep, principal: PlanWriter
) -> dict[str, Any]:
    """Start a partition job; 409 while another job for the same draft is queued or running."""
    scope = body.scope or ([principal.jurisdiction] if principal.jurisdiction else [])
    outside = [s for s in scope if not principal.covers(s)]
    if outside:
        raise Forbidden(f"scope {outside[0]} is outside your jurisdiction {principal.jurisdiction}")
    if body.based_on is not None:
        require_whole_plan(store, body.based_on, principal, what="redrawing a plan")
    params = body.model_dump() | {"scope": sorted(set(scope)), "actor": principal.actor}
    return runner.start(params, actor=principal.actor)


@router.get("")
def get_jobs(runner: RunnerDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The newest 50 jobs, newest first."""
    del principal
    return runner.list()


@router.get("/{job_id}")
def get_job(job_id: JobId, runner: RunnerDep, principal: PrincipalDep) -> dict[str, Any]:
    """One job: status, stage, progress (done of total), error, links to the draft it made."""
    del principal
    return runner.get(job_id)


@router.post("/{job_id}/cancel")
def cancel_job(job_id: JobId, runner: RunnerDep, principal: PlanWriter) -> dict[str, Any]:
    """Ask a queued or running job to stop; it stops at its next step."""
    del principal
    return runner.cancel(job_id)
