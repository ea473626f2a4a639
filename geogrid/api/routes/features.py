"""OGC API - Features: ``/collections``, items (paged, filtered, any supported CRS), single
items and queryables. Every answer is cut to the caller's jurisdiction."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from geogrid.api.feature_params import (
    FiltersDep,
    PrincipalDep,
    SettingsDep,
    StoreDep,
    feature_query,
    response_crs,
    scope_for,
)
from geogrid.api.ogc_links import (
    GEOJSON,
    JSON,
    features_json,
    jsonable,
    link,
    prev_offset,
    url,
)
from geogrid.api.routes.ogc import is_tiled
from geogrid.errors import InputError, NotFound
from geogrid.ogc_crs import CRS84, SUPPORTED_CRS, parse_crs_uri
from geogrid.store.feature_catalog import Collection, catalog, collection
from geogrid.store.feature_query import (
    FeatureQuery,
    Scope,
    count_features,
    extent,
    read_features,
    visible_properties,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000

router = APIRouter(tags=["features"])


_EXTENTS_KEPT = 2_000


def collection_extent(request: Request, coll: Collection, scope: Scope, store: Any) -> Any:
    """The collection's extent within ``scope``, remembered until any layer's data version
    moves (a scan of a million incidents per /collections would be too slow)."""
    versions = tuple(sorted(store.data_versions().items()))
    cache: dict[Any, Any] = request.app.state.__dict__.setdefault("extent_cache", {})
    key = (coll.id, scope.prefix, scope.geometry_wkb, versions)
    if key not in cache:
        if len(cache) >= _EXTENTS_KEPT:
            cache.clear()
        cache[key] = extent(store.engine, coll, scope)
    return cache[key]


def _collection_json(
    request: Request, coll: Collection, scope: Scope, store: Any
) -> dict[str, Any]:
    bounds, span = collection_extent(request, coll, scope, store)
    base = f"/collections/{coll.id}"
    body: dict[str, Any] = {
        "id": coll.id,
        "title": coll.title,
        "description": coll.description,
        "itemType": "feature",
        "crs": list(SUPPORTED_CRS),
        "storageCrs": CRS84,
        "links": [
            link(url(request, base), "self", JSON, coll.title),
            link(url(request, f"{base}/items"), "items", GEOJSON, "Features"),
            link(url(request, f"{base}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryables"),
            link(url(request, f"{base}/export", format="gpkg"), "enclosure", "application/geopackage+sqlite3", "Export as GeoPackage"),
        ],
    }  # fmt: skip
    if is_tiled(request, coll.id):
        body["links"].append(link(url(request, f"{base}/tiles"), "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", JSON, "Vector tiles"))  # fmt: skip
    extent_json: dict[str, Any] = {}
    if bounds is not None:
        extent_json["spatial"] = {"bbox": [list(bounds)], "crs": CRS84}
    if span is not None and span[0] is not None:
        extent_json["temporal"] = {
            "interval": [[jsonable(span[0]), jsonable(span[1])]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    if extent_json:
        body["extent"] = extent_json
    if coll.plan_id is not None:
        body["geogrid:plan"] = {"id": coll.plan_id, "status": coll.plan_status}
    return body


@router.get("/collections", response_class=JSONResponse)
def list_collections(request: Request, store: StoreDep, principal: PrincipalDep) -> dict[str, Any]:
    """Every collection, with extents cut to the caller's jurisdiction."""
    collections = [
        _collection_json(request, c, scope_for(store, principal, c), store)
        for c in catalog(store.engine).values()
    ]
    return {
        "links": [link(url(request, "/collections"), "self", JSON, "Collections")],
        "crs": list(SUPPORTED_CRS),
        "collections": collections,
    }


@router.get("/collections/{collectionId}", response_class=JSONResponse)
def describe_collection(
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    collectionId: str,  # noqa: N803
) -> dict[str, Any]:
    """One collection: extent, CRS list, storageCrs and links."""
    coll = collection(store.engine, collectionId)
    return _collection_json(request, coll, scope_for(store, principal, coll), store)


@router.get("/collections/{collectionId}/queryables")
def queryables(
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    collectionId: str,  # noqa: N803
) -> Response:
    """The properties filters may use, as JSON Schema (the allow-list of CQL2 and ``?name=``)."""
    coll = collection(store.engine, collectionId)
    scope = scope_for(store, principal, coll)
    properties: dict[str, Any] = {
        name: {"title": name, **coll.json_type(name)} for name in visible_properties(coll, scope)
    }
    properties["geometry"] = {
        "title": "geometry",
        "format": f"geometry-{coll.geometry_type.lower().removeprefix('multi')}",
    }
    body = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": url(request, f"/collections/{coll.id}/queryables"),
        "type": "object",
        "title": coll.title,
        "properties": properties,
        "additionalProperties": False,
    }
    return JSONResponse(body, media_type="application/schema+json")


def _page_links(
    request: Request, path: str, *, offset: int, limit: int, returned: int, matched: int
) -> list[dict[str, str]]:
    params = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}
    links = [
        link(url(request, path, **params, limit=limit, offset=offset or None), "self", GEOJSON),
        link(url(request, f"/collections/{path.split('/')[2]}"), "collection", JSON),
    ]
    if offset + returned < matched:
        links.append(
            link(
                url(request, path, **params, limit=limit, offset=offset + limit),
                "next",
                GEOJSON,
                "Next page",
            )
        )
    if offset > 0:
        links.append(link(url(request, path, **params, limit=limit, offset=prev_offset(offset, limit, matched)), "prev", GEOJSON, "Previous page"))  # fmt: skip
    return links


def _geojson(body_head: str, features: list[str], tail: dict[str, Any], crs_uri: str) -> Response:
    text = body_head + ",".join(features) + "]," + json.dumps(tail, ensure_ascii=False)[1:]
    return Response(text, media_type=GEOJSON, headers={"Content-Crs": f"<{crs_uri}>"})


@router.get(
    "/collections/{collectionId}/items",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}, "description": "A page of features"}},
)
def items(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    given: FiltersDep,
    collectionId: str,  # noqa: N803
    limit: Annotated[
        int,
        Query(
            ge=1,
            description="Features per page (above the maximum: the maximum)",
            json_schema_extra={"maximum": MAX_LIMIT},
        ),
    ] = DEFAULT_LIMIT,
    offset: Annotated[
        int, Query(ge=0, le=10**9, description="Features to skip (next links carry it)")
    ] = 0,
) -> Response:
    """A page of features with ``numberMatched`` and a ``next`` link while more remain."""
    coll = collection(store.engine, collectionId)
    scope = scope_for(store, principal, coll)
    limit = min(limit, MAX_LIMIT)
    query = feature_query(coll, scope, given, request, settings, limit=limit, offset=offset)
    crs_uri = response_crs(given)
    rows = read_features(store.engine, coll, scope, query)
    matched = count_features(store.engine, coll, scope, replace(query, limit=None, offset=0))
    path = f"/collections/{coll.id}/items"
    tail = {
        "numberMatched": matched,
        "numberReturned": len(rows),
        "timeStamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "links": _page_links(request, path, offset=offset, limit=limit, returned=len(rows), matched=matched),
    }  # fmt: skip
    features = list(features_json(rows, id_property=coll.id_property, crs_uri=crs_uri))
    return _geojson('{"type": "FeatureCollection", "features": [', features, tail, crs_uri)


@router.get(
    "/collections/{collectionId}/items/{featureId}",
    response_class=Response,
    responses={200: {"content": {GEOJSON: {}}, "description": "One feature"}},
)
def item(
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    collectionId: str,  # noqa: N803
    featureId: str,  # noqa: N803
    crs: Annotated[str | None, Query(description="CRS of the response geometry")] = None,
) -> Response:
    """One feature by id; 404 also when it lies outside the caller's jurisdiction."""
    coll = collection(store.engine, collectionId)
    scope = scope_for(store, principal, coll)
    crs_uri = parse_crs_uri(crs)
    try:
        rows = read_features(
            store.engine, coll, scope, FeatureQuery(equals={coll.id_property: featureId}, limit=1)
        )
    except InputError:  # an id of the wrong type names no feature
        rows = []
    if not rows:
        raise NotFound(f"no feature {featureId!r} in {coll.id}")
    (feature,) = features_json(rows, id_property=coll.id_property, crs_uri=crs_uri)
    links = [
        link(url(request, f"/collections/{coll.id}/items/{featureId}"), "self", GEOJSON),
        link(url(request, f"/collections/{coll.id}"), "collection", JSON),
    ]
    text = feature[:-1] + ', "links": ' + json.dumps(links) + "}"
    return Response(text, media_type=GEOJSON, headers={"Content-Crs": f"<{crs_uri}>"})
