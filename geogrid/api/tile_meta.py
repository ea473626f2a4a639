"""The metadata documents of OGC API - Tiles (tile matrix set list, tileset list, tileset) and
TileJSON 3.0, as plain dicts with absolute links."""

from __future__ import annotations

from typing import Any

from shapely.geometry.base import BaseGeometry

from geogrid.errors import NotFound
from geogrid.tiles.layers import TileLayer, tile_layer
from geogrid.tiles.matrix import MAX_ZOOM, tile_matrix_set, tile_matrix_sets

_OGC_TMS = "http://www.opengis.net/def/tilematrixset/OGC/1.0/"
_GEOMETRY_DIMENSION = {"point": 0, "line": 1, "polygon": 2}
_JSON = "application/json"
_MVT = "application/vnd.mapbox-vector-tile"


def _link(href: str, rel: str, kind: str = _JSON, **extra: Any) -> dict[str, Any]:
    return {"href": href, "rel": rel, "type": kind, **extra}


def _tms_uri(tms_id: str) -> str:
    return _OGC_TMS + tms_id if tms_id == "WebMercatorQuad" else f"urn:geogrid:tms:{tms_id}"


def tms_list(base: str) -> dict[str, Any]:
    """``/tileMatrixSets``: every tile matrix set with a link to its definition."""
    return {
        "tileMatrixSets": [
            {
                "id": tms_id,
                "title": tms.title,
                "uri": _tms_uri(tms_id),
                "crs": str(tms.crs.root),
                "links": [_link(f"{base}tileMatrixSets/{tms_id}", "self")],
            }
            for tms_id, tms in tile_matrix_sets().items()
        ]
    }


def _tileset_summary(base: str, layer: TileLayer, tms_id: str) -> dict[str, Any]:
    tms = tile_matrix_set(tms_id)
    root = f"{base}collections/{layer.id}/tiles/{tms_id}"
    return {
        "title": f"{layer.title} ({tms_id})",
        "dataType": "vector",
        "crs": str(tms.crs.root),
        "tileMatrixSetURI": _tms_uri(tms_id),
        "links": [
            _link(root, "self"),
            _link(
                f"{base}tileMatrixSets/{tms_id}",
                "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
            ),
            _link(
                root + "/{tileMatrix}/{tileRow}/{tileCol}",
                "item",
                _MVT,
                templated=True,
            ),
        ],
    }


def tilesets(base: str, collection_id: str) -> dict[str, Any]:
    """``/collections/{id}/tiles``: the collection's tilesets, one per tile matrix set."""
    layer = tile_layer(collection_id)
    return {
        "links": [_link(f"{base}collections/{layer.id}/tiles", "self")],
        "tilesets": [_tileset_summary(base, layer, tms_id) for tms_id in tile_matrix_sets()],
    }


def tileset(base: str, collection_id: str, tms_id: str) -> dict[str, Any]:
    """``/collections/{id}/tiles/{tms}``: the tileset with its zoom limits and its one layer."""
    layer = tile_layer(collection_id)
    body = _tileset_summary(base, layer, tms_id)
    body["links"].append(
        _link(f"{base}collections/{layer.id}/tiles/{tms_id}/tilejson.json", "describedby")
    )
    body["layers"] = [
        {
            "id": layer.id,
            "title": layer.title,
            "dataType": "vector",
            "geometryDimension": _GEOMETRY_DIMENSION[layer.geometry],
            "minTileMatrix": str(layer.minzoom),
            "maxTileMatrix": str(MAX_ZOOM),
            "propertiesSchema": {
                "type": "object",
                "properties": {
                    name: {"type": kind.lower() if kind != "Number" else "number"}
                    for name, kind in layer.fields.items()
                },
            },
        }
    ]
    return body


def tilejson(
    base: str,
    collection_id: str,
    tms_id: str,
    area: BaseGeometry | None,
    *,
    hotspots: str | None = None,
) -> dict[str, Any]:
    """TileJSON 3.0 for a WebMercatorQuad tileset; ``bounds`` are the jurisdiction's.
    ``hotspots``: how the tiles' Gi* bins were made (inference, correction), added to the
    layer's description when the tiles carry a hot-spot result."""
    if tms_id != "WebMercatorQuad":
        raise NotFound("TileJSON describes WebMercatorQuad tiles only; use the tileset document")
    layer = tile_layer(collection_id)
    bounds = [-180.0, -85.0511287798066, 180.0, 85.0511287798066]
    if area is not None and not area.is_empty:
        bounds = [round(v, 6) for v in area.bounds]
    center_zoom = max(layer.minzoom, 12)
    return {
        "tilejson": "3.0.0",
        "name": layer.id,
        "description": layer.title,
        "scheme": "xyz",
        "tiles": [f"{base}collections/{layer.id}/tiles/{tms_id}" + "/{z}/{y}/{x}"],
        "minzoom": layer.minzoom,
        "maxzoom": layer.maxzoom,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, center_zoom],
        "vector_layers": [
            {
                "id": layer.id,
                "description": layer.title
                + (f"; gi_bin / hotspot: {hotspots}" if hotspots else ""),
                "minzoom": layer.minzoom,
                "maxzoom": layer.maxzoom,
                "fields": dict(layer.fields),
            }
        ],
    }
