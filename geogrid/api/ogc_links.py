"""Links, URLs and feature encoding shared by the OGC routes (absolute URLs, RFC 7946 output)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import shapely
from fastapi import Request
from sqlalchemy import Row

from geogrid.ogc_crs import from_storage

GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI_JSON = "application/vnd.oai.openapi+json;version=3.0"


def url(request: Request, path: str, **params: Any) -> str:
    """An absolute URL of ``path`` on this server (honours a proxy's root path)."""
    base = str(request.base_url).rstrip("/")
    query = "&".join(
        f"{k}={_quote(str(v))}" for k, v in params.items() if v is not None and v != ""
    )
    return f"{base}{path}" + (f"?{query}" if query else "")


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe=",:/.+-_~*'()")


def link(href: str, rel: str, media_type: str, title: str | None = None) -> dict[str, str]:
    """One OGC link object."""
    out = {"href": href, "rel": rel, "type": media_type}
    if title:
        out["title"] = title
    return out


def prev_offset(offset: int, limit: int, matched: int) -> int:
    """Where the page before ``offset`` starts: ``limit`` items back, but never past the last
    item (a page asked for beyond the end points back to the last ``limit`` items)."""
    return max(min(offset - limit, matched - limit), 0)


def jsonable(value: Any) -> Any:
    """A property value as JSON: times in RFC 3339, numbers as numbers, NaN as null."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z") if value.tzinfo else value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, bytes | memoryview):
        return None
    return value


def features_json(rows: Sequence[Row[Any]], *, id_property: str, crs_uri: str) -> Iterable[str]:
    """Each row as a GeoJSON Feature string (geometry transformed to ``crs_uri``)."""
    if not rows:
        return []
    wkb = np.array(
        [bytes(r._mapping["wkb"]) if r._mapping["wkb"] is not None else None for r in rows],
        dtype=object,
    )
    geoms = from_storage(crs_uri)(shapely.from_wkb(wkb))
    texts = shapely.to_geojson(geoms)
    out = []
    for row, geom in zip(rows, texts, strict=True):
        props = {k: jsonable(v) for k, v in row._mapping.items() if k != "wkb"}
        fid = props.get(id_property)
        feature = json.dumps(
            {"type": "Feature", "id": fid, "properties": props}, ensure_ascii=False
        )
        out.append(feature[:-1] + f', "geometry": {geom if geom is not None else "null"}}}')
    return out
