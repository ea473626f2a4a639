"""Streamed exports: Arrow record batches in, GeoJSON, GeoJSON sequence, CSV, GeoPackage,
zipped Shapefile, GeoParquet or FlatGeobuf out, one batch in memory at a time.

Text formats come out as an iterator of byte chunks (sent over HTTP as they are made); file
formats are written to a path (GDAL through pyogrio's Arrow writer, Parquet through pyarrow).
Each export carries ``metadata`` naming the collection, plan version and filter it came from.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely
from pyproj import CRS

from geogrid.errors import InputError

# format -> (media type, file suffix)
EXPORT_STREAM_FORMATS: dict[str, tuple[str, str]] = {
    "geojson": ("application/geo+json", ".geojson"),
    "geojsonseq": ("application/geo+json-seq", ".geojsons"),
    "csv": ("text/csv; charset=utf-8", ".csv"),
    "gpkg": ("application/geopackage+sqlite3", ".gpkg"),
    "shp": ("application/zip", ".shp.zip"),
    "parquet": ("application/vnd.apache.parquet", ".parquet"),
    "fgb": ("application/flatgeobuf", ".fgb"),
}
TEXT_FORMATS = frozenset({"geojson", "geojsonseq", "csv"})
GEOMETRY = "geometry"


@dataclass
class ExportSource:
    """What to export: a layer name, its property schema, WKB batches and where it came from.

    ``batches`` yields Arrow record batches with the properties of ``schema`` plus a binary
    ``geometry`` column (WKB, x/y order, in ``crs``: an authority label like ``EPSG:4326``).
    """

    name: str
    schema: pa.Schema
    batches: Iterable[pa.RecordBatch]
    crs: str
    geometry_type: str
    metadata: dict[str, Any] = field(default_factory=dict)
    written: int = 0

    def counted(self) -> Iterator[pa.RecordBatch]:
        """The batches, counting the rows that pass (``written`` after the export)."""
        for batch in self.batches:
            self.written += batch.num_rows
            yield batch


def check_format(fmt: str) -> str:
    """``fmt`` if it is an export format, else InputError listing them."""
    if fmt not in EXPORT_STREAM_FORMATS:
        raise InputError(
            f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_STREAM_FORMATS)}",
            field="format",
        )
    return fmt


def _properties(batch: pa.RecordBatch) -> list[dict[str, Any]]:
    """Rows as dicts; times as RFC 3339 text, converted column-wise in Arrow (fast)."""
    names = [n for n in batch.schema.names if n != GEOMETRY]
    columns = []
    for name in names:
        column = batch.column(name)
        if pa.types.is_timestamp(column.type):
            column = pc.strftime(column, format="%Y-%m-%dT%H:%M:%SZ")
        columns.append(column.to_pylist())
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _geojson_geometries(batch: pa.RecordBatch) -> list[str]:
    wkb = np.asarray(batch.column(GEOMETRY).to_pylist(), dtype=object)
    return list(shapely.to_geojson(shapely.from_wkb(wkb)))


def _features(batch: pa.RecordBatch) -> Iterator[str]:
    for props, geometry in zip(_properties(batch), _geojson_geometries(batch), strict=True):
        body = json.dumps({"type": "Feature", "properties": props}, ensure_ascii=False, default=str)
        yield body[:-1] + f', "geometry": {geometry or "null"}}}'


def geojson_chunks(source: ExportSource) -> Iterator[bytes]:
    """An RFC 7946 FeatureCollection, a batch per chunk; ``geogrid:export`` names its origin."""
    head = {"type": "FeatureCollection", "name": source.name, "geogrid:export": source.metadata}
    if source.crs not in ("OGC:CRS84", "EPSG:4326"):
        head["crs"] = {"type": "name", "properties": {"name": source.crs}}
    yield (json.dumps(head, ensure_ascii=False, default=str)[:-1] + ', "features": [\n').encode()
    first = True
    for batch in source.counted():
        text = ",\n".join(_features(batch))
        if text:
            yield ((",\n" if not first else "") + text).encode()
            first = False
    yield b"\n]}\n"


def geojsonseq_chunks(source: ExportSource) -> Iterator[bytes]:
    """RFC 8142 GeoJSON text sequence: each feature after an RS character, one per line."""
    for batch in source.counted():
        yield "".join(f"\x1e{f}\n" for f in _features(batch)).encode()


def csv_chunks(source: ExportSource) -> Iterator[bytes]:
    """CSV with the properties and a ``wkt`` geometry column (UTF-8 with BOM for Excel)."""
    names = [n for n in source.schema.names if n != GEOMETRY]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*names, "wkt"])
    yield ("\ufeff" + buffer.getvalue()).encode()
    for batch in source.counted():
        buffer.seek(0)
        buffer.truncate()
        wkb = np.asarray(batch.column(GEOMETRY).to_pylist(), dtype=object)
        wkt = shapely.to_wkt(shapely.from_wkb(wkb), rounding_precision=-1)
        for props, text in zip(_properties(batch), wkt, strict=True):
            writer.writerow([*(props[n] for n in names), text])
        yield buffer.getvalue().encode()


def text_chunks(source: ExportSource, fmt: str) -> Iterator[bytes]:
    """The byte chunks of a text format (geojson, geojsonseq, csv)."""
    return {"geojson": geojson_chunks, "geojsonseq": geojsonseq_chunks, "csv": csv_chunks}[fmt](
        source
    )


def _reader(
    source: ExportSource, schema: pa.Schema | None = None, fix: Any = None
) -> pa.RecordBatchReader:
    schema = schema or source.schema
    batches = source.counted() if fix is None else (fix(b) for b in source.counted())
    return pa.RecordBatchReader.from_batches(schema, batches)


def _metadata_strings(source: ExportSource) -> dict[str, str]:
    return {"geogrid_export": json.dumps(source.metadata, ensure_ascii=False, default=str)}


def _gdal(source: ExportSource, path: Path, driver: str, **options: Any) -> None:
    import pyogrio

    pyogrio.write_arrow(
        options.pop("reader", None) or _reader(source),
        str(path),
        layer=source.name,
        driver=driver,
        geometry_name=GEOMETRY,
        geometry_type=source.geometry_type,
        crs=CRS(source.crs).to_wkt(),
        **options,
    )


def _shapefile_fix(schema: pa.Schema) -> tuple[pa.Schema, Any, dict[str, str]]:
    """Shapefile: 10-character field names (unique) and times as text (DBF has no time)."""
    renamed: dict[str, str] = {}
    fields = []
    for f in schema:
        name = f.name
        if name != GEOMETRY:
            short = name[:10]
            k = 1
            while short in renamed.values():
                short = f"{name[: 10 - len(str(k))]}{k}"
                k += 1
            renamed[name] = short
            name = short
        kind = pa.string() if pa.types.is_timestamp(f.type) else f.type
        fields.append(pa.field(name, kind))
    target = pa.schema(fields)

    def fix(batch: pa.RecordBatch) -> pa.RecordBatch:
        arrays = [
            a.cast(pa.string()) if pa.types.is_timestamp(a.type) else a for a in batch.columns
        ]
        return pa.RecordBatch.from_arrays(arrays, schema=target)

    return target, fix, renamed


def write_export(source: ExportSource, path: Path, fmt: str) -> int:
    """Write ``source`` to ``path`` in a file format (gpkg, shp zipped, parquet, fgb) or a text
    one; returns the number of features written. Memory stays at one batch (plus GDAL's
    spatial index for FlatGeobuf)."""
    check_format(fmt)
    if fmt in TEXT_FORMATS:
        with path.open("wb") as out:
            for chunk in text_chunks(source, fmt):
                out.write(chunk)
    elif fmt == "gpkg":
        meta = _metadata_strings(source)
        _gdal(source, path, "GPKG", dataset_metadata=meta, layer_metadata=meta)
    elif fmt == "fgb":
        _gdal(source, path, "FlatGeobuf", layer_options={"TITLE": source.name, "DESCRIPTION": json.dumps(source.metadata, default=str)})  # fmt: skip
    elif fmt == "parquet":
        _parquet(source, path)
    else:
        _zipped_shapefile(source, path)
    return source.written


def _parquet(source: ExportSource, path: Path) -> None:
    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": []}
    if source.crs != "OGC:CRS84":  # GeoParquet: no crs key means OGC:CRS84; null means unknown
        column["crs"] = CRS(source.crs).to_json_dict()
    geo = {"version": "1.0.0", "primary_column": GEOMETRY, "columns": {GEOMETRY: column}}
    metadata = {b"geo": json.dumps(geo).encode()} | {
        k.encode(): v.encode() for k, v in _metadata_strings(source).items()
    }
    schema = source.schema.with_metadata(metadata)
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        for batch in source.counted():
            writer.write_batch(batch.replace_schema_metadata(metadata))


def _zipped_shapefile(source: ExportSource, path: Path) -> None:
    import tempfile

    schema, fix, renamed = _shapefile_fix(source.schema)
    with tempfile.TemporaryDirectory(prefix="geogrid-shp-") as tmp:
        shp = Path(tmp) / f"{source.name}.shp"
        _gdal(source, shp, "ESRI Shapefile", reader=_reader(source, schema, fix), encoding="UTF-8")
        note = source.metadata | {"field_names": renamed}
        (Path(tmp) / f"{source.name}.json").write_text(json.dumps(note, ensure_ascii=False, default=str))  # fmt: skip
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member in sorted(Path(tmp).iterdir()):
                archive.write(member, member.name)
