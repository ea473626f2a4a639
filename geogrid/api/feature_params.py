"""The filter query parameters of items and exports as a FastAPI dependency, and the scope of
a principal. The parsing itself is :mod:`geogrid.store.feature_filters` (shared with the CLI).
"""

from __future__ import annotations

from typing import Annotated, Any

import shapely
from fastapi import Depends, Query, Request

from geogrid.api.access import Principal, PrincipalDep, jurisdiction_geometry
from geogrid.api.deps import SettingsDep, StoreDep
from geogrid.roles import Role
from geogrid.settings import Settings
from geogrid.store import Store
from geogrid.store.feature_catalog import Collection
from geogrid.store.feature_filters import Filters, build_query, response_crs
from geogrid.store.feature_query import FeatureQuery, Scope


def filters(
    bbox: Annotated[
        str | None,
        Query(description="minx,miny,maxx,maxy (in bbox-crs; CRS84 lon/lat by default)"),
    ] = None,
    bbox_crs: Annotated[
        str | None, Query(alias="bbox-crs", description="CRS of bbox (a supported CRS URI)")
    ] = None,
    datetime: Annotated[
        str | None,
        Query(
            description="RFC 3339 instant or interval start/end ('..' open) on the time property"
        ),
    ] = None,
    filter: Annotated[str | None, Query(description="CQL2 filter on the queryables")] = None,
    filter_lang: Annotated[
        str | None, Query(alias="filter-lang", description="cql2-text (default) or cql2-json")
    ] = None,
    filter_crs: Annotated[
        str | None, Query(alias="filter-crs", description="CRS of geometry literals in filter")
    ] = None,
    sortby: Annotated[
        str | None,
        Query(description="Comma-separated properties, +name ascending, -name descending"),
    ] = None,
    properties: Annotated[
        str | None, Query(description="Comma-separated properties to return")
    ] = None,
    crs: Annotated[str | None, Query(description="CRS of the response geometries")] = None,
) -> Filters:
    """The filter parameters as given (validated when applied to a collection)."""
    return Filters(
        bbox, bbox_crs, datetime, filter, filter_lang, filter_crs, sortby, properties, crs
    )


FiltersDep = Annotated[Filters, Depends(filters)]


def scope_for(store: Store, principal: Principal, coll: Collection) -> Scope:
    """The store scope of ``principal`` on ``coll`` (the polygon only when codes do not serve)."""
    wkb = None
    if coll.code_property is None and principal.jurisdiction:
        wkb = shapely.to_wkb(jurisdiction_geometry(store, principal))
    return Scope(
        prefix=principal.jurisdiction,
        geometry_wkb=wkb,
        personal=principal.role in (Role.analyst, Role.admin),
    )


def feature_query(
    coll: Collection,
    scope: Scope,
    given: Filters,
    request: Request,
    settings: Settings,
    **paging: Any,
) -> FeatureQuery:
    """The request's FeatureQuery (its other query parameters filter properties)."""
    return build_query(
        coll,
        scope,
        given,
        params=request.query_params.multi_items(),
        max_bbox_area_deg2=settings.api.max_bbox_area_deg2,
        **paging,
    )


__all__ = [
    "Filters",
    "FiltersDep",
    "PrincipalDep",
    "SettingsDep",
    "StoreDep",
    "feature_query",
    "filters",
    "response_crs",
    "scope_for",
]
