"""``/collections/{collectionId}/export``: any collection, with the filters its items take, as
GeoJSON, GeoJSON sequence, CSV (streamed as made), GeoPackage, zipped Shapefile, GeoParquet or
FlatGeobuf (written to a temporary file batch by batch, then streamed). The CLI's
``geogrid export --collection`` runs the same code."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from geogrid.api.feature_params import (
    FiltersDep,
    PrincipalDep,
    SettingsDep,
    StoreDep,
    feature_query,
    response_crs,
    scope_for,
)
from geogrid.io.export_files import write_export
from geogrid.io.stream_export import EXPORT_FORMATS, TEXT_FORMATS, check_crs_fits, text_chunks
from geogrid.ogc_crs import ExportCRS
from geogrid.store import Store
from geogrid.store.feature_catalog import Collection, collection
from geogrid.store.feature_export import export_source
from geogrid.store.feature_query import FeatureQuery, Scope

router = APIRouter(tags=["exports"])
ExportFormat = Literal["geojson", "geojsonseq", "csv", "gpkg", "shp", "parquet", "fgb"]


def export_filename(coll: Collection, fmt: str) -> str:
    """``basic_grids-plan12-20261129T2210Z.gpkg``: collection, plan version and time."""
    plan = f"-plan{coll.plan_id}" if coll.plan_id is not None else ""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%MZ")
    return f"{coll.id}{plan}-{stamp}{EXPORT_FORMATS[fmt][1][0]}"


def _filter_text(request: Request) -> str:
    return "&".join(f"{k}={v}" for k, v in request.query_params.multi_items() if k != "format")


def _text_stream(
    store: Store,
    coll: Collection,
    scope: Scope,
    query: FeatureQuery,
    fmt: str,
    crs: ExportCRS,
    filter_text: str,
) -> Iterator[bytes]:
    # The connection lives as long as the response streams: a server-side cursor feeds it.
    with store.engine.connect() as conn:
        source = export_source(conn, coll, scope, query, crs=crs, filter_text=filter_text)
        yield from text_chunks(source, fmt)


@router.get(
    "/collections/{collectionId}/export",
    response_class=Response,
    responses={200: {"content": {m: {} for m, _ in EXPORT_FORMATS.values()}, "description": "The export file"}},
)  # fmt: skip
def export(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    given: FiltersDep,
    collectionId: str,  # noqa: N803
    format: Annotated[ExportFormat, Query(description="The file format")] = "geojson",
) -> Response:
    """Every matching feature of a collection as a file, cut to the caller's jurisdiction."""
    coll = collection(store.engine, collectionId)
    scope = scope_for(store, principal, coll)
    query = feature_query(coll, scope, given, request, settings)
    # Checked before anything streams: a text format cannot name every CRS.
    crs = check_crs_fits(format, response_crs(given))
    filename = export_filename(coll, format)
    media_type = EXPORT_FORMATS[format][0]
    filter_text = _filter_text(request)
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Geogrid-Export": json.dumps({"collection": coll.id, "plan_id": coll.plan_id, "filter": filter_text}),
    }  # fmt: skip
    if format in TEXT_FORMATS:
        chunks = _text_stream(store, coll, scope, query, format, crs, filter_text)
        return StreamingResponse(chunks, media_type=media_type, headers=headers)
    handle, name = tempfile.mkstemp(prefix="geogrid-export-", suffix=EXPORT_FORMATS[format][1][0])
    os.close(handle)
    path = Path(name)
    path.unlink()  # GDAL wants to create the file itself
    try:
        with store.engine.connect() as conn:
            source = export_source(conn, coll, scope, query, crs=crs, filter_text=filter_text)
            write_export(source, path, format)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(path, media_type=media_type, headers=headers, background=BackgroundTask(path.unlink, missing_ok=True))  # fmt: skip
