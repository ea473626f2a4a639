"""``/plans/{id}/copy``, ``/archive`` and ``/diff/{other}``: plan versions."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from geogrid.api.access import PLAN_WRITERS, Principal, PrincipalDep, require
from geogrid.api.deps import StoreDep
from geogrid.api.geojson import feature_collection
from geogrid.api.plan_deps import PlanId, SessionsDep, require_whole_plan, writer
from geogrid.plan_writes import archive, copy_plan
from geogrid.plans.diff import diff_plans
from geogrid.plans.points import SortedPoints
from geogrid.store import read_plan
from geogrid.store.drafts import building_points
from geogrid.store.versions import INCIDENTS, plan_layer

router = APIRouter(prefix="/plans", tags=["plan versions"])
_POINTS = ("buildings", INCIDENTS)  # where points lie in a plan holds while these stay
PlanWriter = Annotated[Principal, Depends(require(*PLAN_WRITERS))]


class CopyRequest(BaseModel):
    """A note for the new draft."""

    note: str = Field(default="", max_length=2000)


@router.post("/{plan_id}/copy", status_code=201)
def post_copy(
    plan_id: PlanId, store: StoreDep, principal: PlanWriter, body: CopyRequest | None = None
) -> dict[str, Any]:
    """A new draft with the grids and units of this plan (usually the published one)."""
    require_whole_plan(store, plan_id, principal, what="copying a plan")
    new = copy_plan(
        store,
        plan_id,
        author=principal.actor,
        note="" if body is None else body.note,
        on_write=writer(principal),
    )
    return {
        "plan_id": new,
        "based_on": plan_id,
        "status": "draft",
        "links": {"draft": f"/plans/{new}/draft"},
    }


@router.post("/{plan_id}/archive")
def post_archive(
    plan_id: PlanId, store: StoreDep, sessions: SessionsDep, principal: PlanWriter
) -> dict[str, Any]:
    """Archive a draft that will not be published."""
    require_whole_plan(store, plan_id, principal, what="archiving a plan")
    archive(store, plan_id, on_write=writer(principal))
    sessions.forget(plan_id)
    return {"plan_id": plan_id, "status": "archived"}


@router.get("/{plan_id}/diff/{other_id}", response_model=None)
def get_diff(
    plan_id: PlanId,
    other_id: PlanId,
    store: StoreDep,
    sessions: SessionsDep,
    principal: PrincipalDep,
    format: Annotated[Literal["json", "geojson"], Query()] = "json",
    level: Annotated[Literal["basic", "micro"] | None, Query()] = None,
) -> dict[str, Any] | Response:
    """What changes from plan ``plan_id`` to ``other_id``: grids added, removed, recoded and
    reshaped, households, buildings and incidents moved (JSON), or the changed areas (GeoJSON)."""
    del principal
    engine = store.engine
    a, b = (
        sessions.cached(plan_layer(p), partial(read_plan, engine, p)) for p in (plan_id, other_id)
    )
    levels = (level,) if level else ("basic", "micro")
    located = tuple(
        sessions.cached(
            plan_layer(p), dict, key=f"{plan_layer(p)}:located:{','.join(levels)}", also=_POINTS
        )
        for p in (plan_id, other_id)
    )
    summary, areas = diff_plans(
        a,
        b,
        buildings=sessions.cached("buildings", lambda: _sorted_buildings(engine)),
        incidents=sessions.incident_points(),
        levels=levels,
        located=(located[0], located[1]),
    )
    if format == "geojson":
        return feature_collection(areas, extra={"from": plan_id, "to": other_id})
    return {"from": plan_id, "to": other_id, "levels": summary}


def _sorted_buildings(engine: Engine) -> tuple[SortedPoints, Any]:
    """The buildings' points, sorted once per data version, and their households."""
    points, households = building_points(engine)
    return SortedPoints(points), households
