"""The query parameters of items and exports, turned into a store ``FeatureQuery`` and ``Scope``.

One parser for both, so an export takes exactly the filters its items page would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

import shapely
from fastapi import Depends, Query, Request

from geogrid.api.access import Principal, PrincipalDep, jurisdiction_geometry
from geogrid.api.deps import SettingsDep, StoreDep
from geogrid.errors import InputError
from geogrid.ogc_crs import CRS84, bbox_to_storage, parse_crs_uri, to_storage
from geogrid.roles import Role
from geogrid.settings import Settings
from geogrid.store import Store
from geogrid.store.cql import compile_filter, parse_filter
from geogrid.store.feature_catalog import Collection
from geogrid.store.feature_query import FeatureQuery, Scope, parse_interval, visible_properties

# The parameters with a meaning of their own; every other one must name a property.
KNOWN = frozenset(
    {
        "f", "limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "filter", "filter-lang",
        "filter-crs", "sortby", "properties", "format",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Filters:
    """The raw filter parameters shared by items and exports."""

    bbox: str | None
    bbox_crs: str | None
    datetime: str | None
    filter: str | None
    filter_lang: str | None
    filter_crs: str | None
    sortby: str | None
    properties: str | None
    crs: str | None


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


def _bbox(text: str, uri: str, settings: Settings) -> tuple[float, float, float, float]:
    try:
        numbers = tuple(float(v) for v in text.split(","))
    except ValueError:
        numbers = ()
    if len(numbers) not in (4, 6) or not all(math.isfinite(v) for v in numbers):
        raise InputError("bbox must be 4 (or 6) comma-separated numbers", field="bbox")
    minx, miny, maxx, maxy = bbox_to_storage(numbers, uri)
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise InputError("bbox lies outside the valid area of bbox-crs", field="bbox")
    if minx > maxx or miny > maxy:
        raise InputError("bbox minimum is larger than its maximum", field="bbox")
    # Clients zoomed out past the world send bounds beyond it: clamp rather than refuse.
    minx, maxx = max(minx, -180.0), min(maxx, 180.0)
    miny, maxy = max(miny, -90.0), min(maxy, 90.0)
    area = (maxx - minx) * (maxy - miny)
    if area > settings.api.max_bbox_area_deg2:
        raise InputError(
            f"bbox covers {area:.0f} square degrees; the limit is "
            f"{settings.api.max_bbox_area_deg2:g} (GET without bbox pages through everything)",
            field="bbox",
        )
    return minx, miny, maxx, maxy


def _names(text: str | None, field: str) -> list[str]:
    if text is None:
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    if len(names) > 100:
        raise InputError("too many names", field=field)
    return names


def feature_query(
    store: Store,
    coll: Collection,
    scope: Scope,
    given: Filters,
    request: Request,
    settings: Settings,
    **paging: Any,
) -> FeatureQuery:
    """A FeatureQuery from the parameters; InputError (400) naming the bad parameter."""
    visible = visible_properties(coll, scope)
    equals = {}
    for name, value in request.query_params.multi_items():
        if name in KNOWN:
            continue
        if name not in visible:
            raise InputError(
                f"unknown parameter {name!r}; property filters take one of {', '.join(visible)}",
                field=name,
            )
        equals[name] = value
    condition = None
    if given.filter is not None:
        filter_crs = parse_crs_uri(given.filter_crs, field="filter-crs")
        condition = compile_filter(
            parse_filter(given.filter, given.filter_lang),
            coll,
            queryables=visible,
            to_storage=lambda g: to_storage(g, filter_crs),
        )
    sortby = [(n.lstrip("+-"), n.startswith("-")) for n in _names(given.sortby, "sortby")]
    properties = _names(given.properties, "properties") if given.properties is not None else None
    bbox_crs = parse_crs_uri(given.bbox_crs, field="bbox-crs")
    return FeatureQuery(
        bbox=_bbox(given.bbox, bbox_crs, settings) if given.bbox else None,
        interval=parse_interval(given.datetime) if given.datetime else None,
        equals=equals,
        filter=condition,
        sortby=sortby,
        properties=properties,
        **paging,
    )


def response_crs(given: Filters) -> str:
    """The CRS URI geometries are written in (CRS84 unless ``crs`` asks otherwise)."""
    return parse_crs_uri(given.crs, field="crs") if given.crs else CRS84


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
