"""A collection's matching features as an export source: Arrow batches from a server-side
cursor, geometries made multi where the layer is (files want one type) and moved to the CRS."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import shapely
from sqlalchemy import Connection, Row

from geogrid.io.stream_export import GEOMETRY, ExportSource
from geogrid.ogc_crs import ExportCRS
from geogrid.store.feature_catalog import Collection
from geogrid.store.feature_query import FeatureQuery, Scope, stream_features, visible_properties

_ARROW = {
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date-time": pa.timestamp("us", tz="UTC"),
    "string": pa.string(),
}
_MULTI = {"Polygon": "MultiPolygon", "LineString": "MultiLineString"}


def _arrow_type(coll: Collection, name: str) -> pa.DataType:
    kind = coll.json_type(name)
    return _ARROW[kind.get("format", kind["type"])]


def export_columns(coll: Collection, scope: Scope, query: FeatureQuery) -> list[str]:
    """The property names an export of ``query`` writes (id first)."""
    visible = visible_properties(coll, scope)
    chosen = visible if query.properties is None else list(query.properties)
    return [coll.id_property, *[n for n in chosen if n != coll.id_property]]


def _multi(geoms: np.ndarray[Any, Any], kind: str) -> np.ndarray[Any, Any]:
    single = {"MultiPolygon": "Polygon", "MultiLineString": "LineString"}.get(kind)
    if single is None:
        return geoms
    make = shapely.MultiPolygon if single == "Polygon" else shapely.MultiLineString
    out = geoms.copy()
    for i, geom in enumerate(geoms):
        if geom is not None and geom.geom_type == single:
            out[i] = make([geom])
    return out


def _batches(
    rows: Iterator[Sequence[Row[Any]]],
    names: list[str],
    schema: pa.Schema,
    *,
    crs: ExportCRS,
    geometry_type: str,
) -> Iterator[pa.RecordBatch]:
    for chunk in rows:
        # Rows come as (id, properties..., wkb) in ``names`` order: transpose once.
        values = list(zip(*chunk, strict=True))
        columns = [pa.array(values[i], type=schema.field(n).type) for i, n in enumerate(names)]
        wkb = np.array([bytes(v) for v in values[-1]], dtype=object)
        geoms = _multi(crs.move(shapely.from_wkb(wkb)), geometry_type)
        columns.append(pa.array(shapely.to_wkb(geoms), type=pa.binary()))
        yield pa.RecordBatch.from_arrays(columns, schema=schema)


def export_source(
    conn: Connection,
    coll: Collection,
    scope: Scope,
    query: FeatureQuery,
    *,
    crs: ExportCRS,
    filter_text: str = "",
    name: str | None = None,
    batch: int = 20_000,
) -> ExportSource:
    """An ExportSource reading ``query`` on ``coll`` lazily from ``conn`` (keep it open while
    the export runs), in ``crs``, as a layer called ``name`` (the collection id if None).
    Its metadata names collection, plan version and filter. Nothing is read until the
    batches are."""
    names = export_columns(coll, scope, query)
    schema = pa.schema(
        [pa.field(n, _arrow_type(coll, n)) for n in names] + [pa.field(GEOMETRY, pa.binary())]
    )
    geometry_type = _MULTI.get(coll.geometry_type, coll.geometry_type)
    rows = stream_features(conn, coll, scope, query, batch=batch)
    metadata = {
        "collection": coll.id,
        "plan_id": coll.plan_id,
        "plan_status": coll.plan_status,
        "filter": filter_text,
        "jurisdiction": scope.prefix or "all",
        "crs": crs.label,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return ExportSource(
        name=name or coll.id,
        schema=schema,
        batches=_batches(rows, names, schema, crs=crs, geometry_type=geometry_type),
        crs=crs,
        geometry_type=geometry_type,
        metadata=metadata,
    )
