"""``GET /plans/{id}/draft/grids``: what the planners' editor (``/maps/editor``) opens a draft
with: every basic and micro grid against its household band, and the plan to diff against."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from geogrid.api.access import PrincipalDep
from geogrid.api.deps import StoreDep
from geogrid.grid_bands import band_summary, grid_bands
from geogrid.plan_drafts import area_types, largest_buildings
from geogrid.plan_writes import etag
from geogrid.store import drafts as sd
from geogrid.store import plan_info, published_plan_id, read_plan

router = APIRouter(prefix="/plans", tags=["plan drafts"])


@router.get("/{plan_id}/draft/grids")
def get_draft_grids(
    plan_id: int, store: StoreDep, principal: PrincipalDep, response: Response
) -> dict[str, Any]:
    """The plan's basic and micro grids in your jurisdiction with households, band (lo, hi,
    within, exempt), lock, bbox and label point; the band check over them (``band``: headline
    over all grids, grids out of band, exempt grids by reason); the stored draft version; the
    published plan's id."""
    info = plan_info(store.engine, plan_id)
    row = sd.draft_row(store.engine, plan_id)
    version = 0 if row is None else int(row["version"])
    grids = read_plan(store.engine, plan_id)
    grids = grids[[principal.covers(str(c)) for c in grids["code"]]]
    locked = set() if row is None else {str(c) for c in row["locked"]}
    response.headers["ETag"] = etag(plan_id, version)
    largest = largest_buildings(store, plan_id, grids)
    rows = grid_bands(grids, area_types=area_types(store), locked=locked, largest=largest)
    return {
        "plan_id": plan_id,
        "status": info["status"],
        "version": version,
        "published": published_plan_id(store.engine),
        "band": band_summary(rows),
        "grids": rows,
    }
