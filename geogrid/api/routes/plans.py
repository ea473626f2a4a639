"""``/plans``: grid plans, their quality reports and their grids as GeoJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from geogrid.api.access import PrincipalDep
from geogrid.api.deps import StoreDep
from geogrid.api.geojson import feature_collection
from geogrid.store import list_plans, plan_info, read_plan

router = APIRouter(prefix="/plans", tags=["plans"])


@router.get("")
def get_plans(store: StoreDep, _principal: PrincipalDep) -> list[dict[str, Any]]:
    """Every grid plan, newest first (without grids or report)."""
    return [{k: v for k, v in p.items() if k != "report"} for p in list_plans(store.engine)]


@router.get("/{plan_id}")
def get_plan(store: StoreDep, _principal: PrincipalDep, plan_id: int) -> dict[str, Any]:
    """One plan with its quality report."""
    return plan_info(store.engine, plan_id)


@router.get("/{plan_id}/grids", response_class=Response)
def get_plan_grids(
    store: StoreDep,
    principal: PrincipalDep,
    plan_id: int,
    level: Annotated[str | None, Query(description="large, medium, basic or micro")] = None,
) -> Response:
    """The grids of a plan as GeoJSON: those inside the caller's jurisdiction."""
    grids = read_plan(store.engine, plan_id, level)
    return feature_collection(grids[[principal.covers(str(c)) for c in grids["code"]]])
