"""Shared wiring of the plan routes: the draft sessions and job runner of this app, and the
write hook that audits every plan write and bumps the plan's data version."""

from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy import Connection

from geogrid.api.access import Principal, record_write
from geogrid.api.deps import StoreDep
from geogrid.errors import Forbidden
from geogrid.plan_drafts import DraftSessions, OnWrite
from geogrid.store import Store, read_plan

_LOCK = threading.Lock()


def get_sessions(request: Request, store: StoreDep) -> DraftSessions:
    """The drafts this app holds in memory (created on first use)."""
    state = request.app.state
    with _LOCK:
        if getattr(state, "draft_sessions", None) is None:
            state.draft_sessions = DraftSessions(store)
    sessions: DraftSessions = state.draft_sessions
    return sessions


SessionsDep = Annotated[DraftSessions, Depends(get_sessions)]


def writer(principal: Principal) -> OnWrite:
    """Audit a plan write (who, what) inside its transaction."""

    def on_write(
        conn: Connection, action: str, target: str, details: dict[str, Any] | None = None
    ) -> None:
        record_write(conn, principal, action, target, details)

    return on_write


def require_whole_plan(store: Store, plan_id: int, principal: Principal, *, what: str) -> None:
    """Forbidden unless every grid of the plan lies in the principal's jurisdiction."""
    codes = read_plan(store.engine, plan_id)["code"].astype(str)
    outside = [c for c in codes if not principal.covers(c)]
    if outside:
        raise Forbidden(
            f"plan {plan_id} has grids outside your jurisdiction (first {outside[0]}); "
            f"{what} needs a jurisdiction over the whole plan"
        )


DB_INT_MAX = 2_147_483_647  # ids are 32-bit integers in the store
PlanId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="a grid plan id")]
JobId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="a partition job id")]
