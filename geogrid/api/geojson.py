"""GeoDataFrames to GeoJSON responses (RFC 7946: lon/lat, EPSG:4326)."""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
from fastapi.responses import Response


def feature_collection(frame: gpd.GeoDataFrame, *, extra: dict[str, Any] | None = None) -> Response:
    """A FeatureCollection response of ``frame``; ``extra`` adds top-level members."""
    body = json.loads(frame.to_crs("EPSG:4326").to_json(na="null", show_bbox=False, drop_id=True))
    body |= extra or {}
    return Response(
        content=json.dumps(body, ensure_ascii=False, default=str),
        media_type="application/geo+json",
    )
