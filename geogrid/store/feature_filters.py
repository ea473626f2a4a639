"""The filter parameters of items and exports (OGC names), turned into a ``FeatureQuery``.

One parser for the HTTP items, the HTTP export and ``geogrid export --collection``: an export
takes exactly the filters its items page would.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from geogrid.errors import InputError
from geogrid.ogc_crs import CRS84, bbox_to_storage, parse_crs_uri, to_storage
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
    """The raw filter parameters shared by items and exports (None: not given)."""

    bbox: str | None = None
    bbox_crs: str | None = None
    datetime: str | None = None
    filter: str | None = None
    filter_lang: str | None = None
    filter_crs: str | None = None
    sortby: str | None = None
    properties: str | None = None
    crs: str | None = None


def _bbox(text: str, uri: str, limit: float) -> tuple[float, float, float, float]:
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
    if area > limit:
        raise InputError(
            f"bbox covers {area:.0f} square degrees; the limit is "
            f"{limit:g} (without bbox, paging goes through everything)",
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


def build_query(
    coll: Collection,
    scope: Scope,
    given: Filters,
    *,
    params: Iterable[tuple[str, str]] = (),
    max_bbox_area_deg2: float = 10_000.0,
    **paging: Any,
) -> FeatureQuery:
    """A FeatureQuery from the parameters; ``params`` are all query parameters (those not in
    KNOWN filter properties by equality). InputError naming the bad parameter."""
    visible = visible_properties(coll, scope)
    equals = {}
    for name, value in params:
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
        bbox=_bbox(given.bbox, bbox_crs, max_bbox_area_deg2) if given.bbox else None,
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
