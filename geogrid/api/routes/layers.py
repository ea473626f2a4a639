"""``/layers``: the map layers as GeoJSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from geogrid.api.access import PrincipalDep, jurisdiction_geometry
from geogrid.api.deps import StoreDep
from geogrid.api.geojson import feature_collection
from geogrid.errors import InputError
from geogrid.schema import LAYERS
from geogrid.store import read_layer

router = APIRouter(prefix="/layers", tags=["layers"])


def parse_bbox(bbox: str | None) -> tuple[float, float, float, float] | None:
    """``minlon,minlat,maxlon,maxlat`` as four floats, or InputError naming the field."""
    if bbox is None:
        return None
    try:
        minx, miny, maxx, maxy = (float(v) for v in bbox.split(","))
    except ValueError:
        raise InputError("bbox must be minlon,minlat,maxlon,maxlat", field="bbox") from None
    return minx, miny, maxx, maxy


@router.get("")
def list_layers(principal: PrincipalDep) -> dict[str, list[str]]:
    """The layer kinds the store holds."""
    return {"layers": list(LAYERS)}


@router.get("/{name}", response_class=Response)
def get_layer(
    store: StoreDep,
    principal: PrincipalDep,
    name: str,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
) -> Response:
    """One layer as GeoJSON, optionally cut to a bounding box, and always to the caller's
    jurisdiction: boundaries by code prefix, everything else by the jurisdiction's polygon."""
    frame = read_layer(store.engine, name, bbox=parse_bbox(bbox))
    if "code" in frame and name in _BOUNDARIES:
        frame = frame[[principal.covers(str(c)) for c in frame["code"]]]
    else:
        area = jurisdiction_geometry(store, principal)
        if area is not None:
            frame = frame[frame.intersects(area)]
    return feature_collection(frame)


_BOUNDARIES = ("districts", "streets", "communities")
