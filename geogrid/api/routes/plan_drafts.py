"""``/plans/{id}/draft``, ``/units``, ``/edits``, ``/undo``, ``/redo``, ``/publish``: editing a
draft plan with optimistic concurrency (ETag / If-Match; a stale version answers 409)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel, Field

from geogrid.api.access import PLAN_WRITERS, Principal, PrincipalDep, require
from geogrid.api.geojson import feature_collection
from geogrid.api.plan_deps import PlanId, SessionsDep, require_whole_plan, writer
from geogrid.plan_drafts import DraftSessions, area_types
from geogrid.plan_writes import change, etag, parse_if_match, publish
from geogrid.plans import checks
from geogrid.plans.draft import Draft
from geogrid.store import drafts as sd

router = APIRouter(prefix="/plans", tags=["plan drafts"])
PlanWriter = Annotated[Principal, Depends(require(*PLAN_WRITERS))]
IfMatch = Annotated[
    str | None, Header(description='the draft version edited, e.g. "12.4" (from ETag)')
]
Coordinate = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class EditRequest(BaseModel):
    """One edit. ``move``: units / buildings -> ``to``; ``split``: ``grid`` along ``line``
    ([lon, lat] points) or into ``parts``; ``merge`` / ``rebalance``: ``grids``; ``lock``:
    ``grids``, ``locked``; ``rename``: ``grid``, ``name``; ``recode``: ``grid``, ``code``."""

    op: Literal["move", "split", "merge", "lock", "rename", "recode", "rebalance"]
    units: list[int] | None = Field(default=None, max_length=5000)
    buildings: list[Annotated[str, Field(max_length=64)]] | None = Field(
        default=None, max_length=5000
    )
    to: str | None = Field(default=None, max_length=40)
    grid: str | None = Field(default=None, max_length=40)
    grids: list[Annotated[str, Field(max_length=40)]] | None = Field(default=None, max_length=200)
    line: list[tuple[Coordinate, Coordinate]] | None = Field(default=None, max_length=1000)
    parts: int | None = Field(default=None, ge=2, le=50)
    locked: bool | None = None
    name: str | None = Field(default=None, max_length=100)
    code: str | None = Field(default=None, max_length=40)


class PublishRequest(BaseModel):
    """Why grids outside their household band are accepted (needed when there are any)."""

    reason: str | None = Field(default=None, max_length=2000)


def _tagged(response: Response, body: dict[str, Any]) -> dict[str, Any]:
    response.headers["ETag"] = body["etag"]
    return body


@router.get("/{plan_id}/draft")
def get_draft(
    plan_id: PlanId, sessions: SessionsDep, principal: PrincipalDep, response: Response
) -> dict[str, Any]:
    """The draft's version (also as ETag), undo/redo depth, locks and band check: grids out of
    band (``out_of_band``, the ones publishing needs a reason for) and the headline over all
    grids with exemptions counted by reason (``band``)."""
    del principal
    with sessions.session(plan_id) as session:
        draft = session.draft
        body = {
            "plan_id": plan_id,
            "version": draft.version,
            "etag": etag(plan_id, draft.version),
            "units": len(draft.unit_ids),
            "grids": {
                lv: sum(g.level == lv for g in draft.grids.values()) for lv in ("basic", "micro")
            },
            "locked": sorted(c for c, g in draft.grids.items() if g.locked),
            "undo": len(session.undo),
            "redo": len(session.redo),
            **_band(draft),
        }
    return _tagged(response, body)


def _band(draft: Draft) -> dict[str, Any]:
    """``out_of_band``: grids out of band an edit could fix (publishing them needs a reason);
    ``band``: the headline over all grids with the exempt ones counted by reason beside it."""
    band = checks.band_of_draft(draft)
    return {"out_of_band": band["out_of_band"], "band": band}


@router.get("/{plan_id}/units", response_class=Response)
def get_units(plan_id: PlanId, sessions: SessionsDep, principal: PrincipalDep) -> Response:
    """The draft's units (building cells) with their micro grid, as GeoJSON (your jurisdiction)."""
    with sessions.session(plan_id) as session:
        version = session.draft.version
    units = sd.read_units(sessions.store.engine, plan_id)
    units = units[[principal.covers(c) for c in units["community"]]]
    response = feature_collection(units, extra={"version": version})
    response.headers["ETag"] = etag(plan_id, version)
    return response


@router.get("/{plan_id}/edits")
def get_edits(
    plan_id: PlanId,
    sessions: SessionsDep,
    principal: PrincipalDep,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> list[dict[str, Any]]:
    """The draft's edit log (newest last), from version ``after`` + 1 on."""
    del principal
    keys = ("version", "kind", "target", "op", "touched", "flags", "actor", "at")
    rows = sd.edits(sessions.store.engine, plan_id, after=max(after, 0))
    return [{k: r[k] for k in keys} for r in rows]


def _change(
    kind: str,
    plan_id: int,
    op: dict[str, Any] | None,
    sessions: DraftSessions,
    principal: Principal,
    response: Response,
    if_match: str | None,
) -> dict[str, Any]:
    result = change(
        sessions,
        plan_id,
        kind,
        op,
        if_match=parse_if_match(if_match, plan_id),
        actor=principal.actor,
        allowed=principal.covers,
        on_write=writer(principal),
    )
    return _tagged(response, result)


@router.post("/{plan_id}/edits")
def post_edit(
    plan_id: PlanId,
    body: EditRequest,
    sessions: SessionsDep,
    principal: PlanWriter,
    response: Response,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Apply one edit: the touched grids' new statistics and checks, and the new version."""
    op = body.model_dump(exclude_none=True)
    return _change("edit", plan_id, op, sessions, principal, response, if_match)


def _history_route(kind: Literal["undo", "redo"]) -> Callable[..., dict[str, Any]]:
    def route(
        plan_id: PlanId,
        sessions: SessionsDep,
        principal: PlanWriter,
        response: Response,
        if_match: IfMatch = None,
    ) -> dict[str, Any]:
        return _change(kind, plan_id, None, sessions, principal, response, if_match)

    route.__name__ = f"post_{kind}"
    route.__doc__ = (
        "Undo the newest edit not undone" if kind == "undo" else "Redo the newest undone edit"
    ) + " (from the stored edit log, not the browser's)."
    return route


for _kind in ("undo", "redo"):
    router.add_api_route(f"/{{plan_id}}/{_kind}", _history_route(_kind), methods=["POST"])


@router.post("/{plan_id}/publish")
def post_publish(
    plan_id: PlanId,
    sessions: SessionsDep,
    principal: PlanWriter,
    body: PublishRequest | None = None,
    if_match: IfMatch = None,
) -> dict[str, Any]:
    """Publish the draft atomically (the previous plan archived, incidents re-attributed)."""
    require_whole_plan(sessions.store, plan_id, principal, what="publishing")
    return publish(
        sessions,
        plan_id,
        reason=None if body is None else body.reason,
        if_match=parse_if_match(if_match, plan_id),
        area_types=area_types(sessions.store),
        on_write=writer(principal),
    )
