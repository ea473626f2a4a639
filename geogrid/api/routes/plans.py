"""``/plans``: grid plans, their quality reports and their grids as GeoJSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from geogrid.api.access import PrincipalDep
from geogrid.api.deps import StoreDep
from geogrid.api.geojson import feature_collection
from geogrid.api.ogc_links import GEOJSON, link, prev_offset, url
from geogrid.report_intake import grid_names
from geogrid.store import list_plans, plan_info, read_plan_page
from geogrid.store.drafts import publish_reasons

router = APIRouter(prefix="/plans", tags=["plans"])
# A page of basic grids is a few hundred kB; all of Laoshan's grids of every level were 10 MB.
GRIDS_DEFAULT_LIMIT = 1_000
GRIDS_MAX_LIMIT = 10_000


@router.get("")
def get_plans(store: StoreDep, _principal: PrincipalDep) -> list[dict[str, Any]]:
    """Every grid plan, newest first (without grids or report), with the reason given when it
    was published (``publish_reason``, null when none was needed)."""
    reasons = publish_reasons(store.engine)
    return [
        {k: v for k, v in p.items() if k != "report"} | {"publish_reason": reasons.get(p["id"])}
        for p in list_plans(store.engine)
    ]


@router.get("/{plan_id}")
def get_plan(store: StoreDep, _principal: PrincipalDep, plan_id: int) -> dict[str, Any]:
    """One plan with its quality report and the reason given when it was published
    (``publish_reason``: why grids out of their household band were accepted; null when none
    was needed or it is not published)."""
    info = plan_info(store.engine, plan_id)
    return info | {"publish_reason": publish_reasons(store.engine, info["id"]).get(info["id"])}


@router.get("/{plan_id}/grids", response_class=Response)
def get_plan_grids(
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    plan_id: int,
    level: Annotated[str | None, Query(description="large, medium, basic or micro")] = None,
    limit: Annotated[
        int,
        Query(
            ge=1,
            description=f"Grids per page (default {GRIDS_DEFAULT_LIMIT}; above "
            f"{GRIDS_MAX_LIMIT}: {GRIDS_MAX_LIMIT})",
        ),
    ] = GRIDS_DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=10**9, description="Grids to skip")] = 0,
) -> Response:
    """The grids of a plan inside the caller's jurisdiction as a GeoJSON FeatureCollection,
    one page at a time (ordered by level and code), OGC API Features style: ``numberMatched``
    (all such grids), ``numberReturned`` and ``links`` (``self``, ``next`` while more remain,
    ``prev`` after the first page). A plan with at most ``limit`` grids comes in one page.

    Each grid's properties: ``level``, ``code``, ``parent_code``, ``name``, ``households``,
    ``buildings``, ``area_m2``. ``name`` is the name given in the draft editor, else the label
    its report page and QR sheet show (``中韩社区居民委员会 网格 001``, ``... 网格 001 微网格
    002``; the code alone when the community has no stored name), else (large and medium
    grids) its code: never null."""
    limit = min(limit, GRIDS_MAX_LIMIT)
    grids, matched = read_plan_page(
        store.engine, plan_id, level, prefix=principal.jurisdiction, limit=limit, offset=offset
    )
    grids["name"] = grid_names(
        store.engine, grids["code"].tolist(), grids["level"].tolist(), grids["name"].tolist()
    )
    path = f"/plans/{plan_id}/grids"

    def page(at: int, rel: str) -> dict[str, str]:
        return link(url(request, path, level=level, limit=limit, offset=at or None), rel, GEOJSON)

    links = [page(offset, "self")]
    if offset + len(grids) < matched:
        links.append(page(offset + limit, "next"))
    if offset > 0:
        links.append(page(prev_offset(offset, limit, matched), "prev"))
    extra = {"numberMatched": matched, "numberReturned": len(grids), "links": links}
    return feature_collection(grids, extra=extra)
