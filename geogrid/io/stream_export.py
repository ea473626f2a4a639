"""Streamed exports: Arrow record batches in, GeoJSON, GeoJSON sequence or CSV out as byte
chunks (sent over HTTP as they are made), one batch in memory at a time. The file formats are
in :mod:`geogrid.io.export_files`. Each export carries ``metadata`` naming the collection, plan
version and filter it came from.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geogrid.errors import InputError
from geogrid.ogc_crs import ExportCRS, export_crs

# format -> (media type, file suffixes: the first one names HTTP downloads)
EXPORT_FORMATS: dict[str, tuple[str, tuple[str, ...]]] = {
    "geojson": ("application/geo+json", (".geojson", ".json")),
    "geojsonseq": ("application/geo+json-seq", (".geojsons", ".geojsonl")),
    "csv": ("text/csv; charset=utf-8", (".csv",)),
    "gpkg": ("application/geopackage+sqlite3", (".gpkg",)),
    # A zip holds the Shapefile's parts; ``.shp`` writes the parts themselves (CLI only).
    "shp": ("application/zip", (".shp.zip", ".zip", ".shp")),
    "parquet": ("application/vnd.apache.parquet", (".parquet", ".geoparquet")),
    "fgb": ("application/flatgeobuf", (".fgb",)),
}
TEXT_FORMATS = frozenset({"geojson", "geojsonseq", "csv"})
GEOMETRY = "geometry"


@dataclass
class ExportSource:
    """What to export: a layer name, its property schema, WKB batches and where it came from.

    ``batches`` yields Arrow record batches with the properties of ``schema`` plus a binary
    ``geometry`` column (WKB, x/y order, in ``crs``).
    """

    name: str
    schema: pa.Schema
    batches: Iterable[pa.RecordBatch]
    crs: ExportCRS
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
    if fmt not in EXPORT_FORMATS:
        raise InputError(
            f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}",
            field="format",
        )
    return fmt


def export_format(path: Path, fmt: str | None = None) -> str:
    """The format to write ``path`` in: ``fmt``, else the one its suffix names.

    Raises InputError for a suffix geogrid does not write (``x.txt``) or one that names
    another format than ``fmt``: a file's name should not lie about its content.
    """
    name = path.name.lower()
    named = next((f for f, (_, ends) in EXPORT_FORMATS.items() if name.endswith(ends)), None)
    if fmt is not None:
        check_format(fmt)
    if named is None or (fmt is not None and fmt != named):
        wanted = (
            EXPORT_FORMATS[fmt][1] if fmt else [s for _, v in EXPORT_FORMATS.values() for s in v]
        )
        raise InputError(
            f"cannot write {fmt or 'a file'} named {path.name!r}; name it with "
            f"{' or '.join(wanted)}" + ("" if fmt else " (the suffix chooses the format)"),
            file=str(path),
        )
    return named


def check_crs_fits(fmt: str, crs: ExportCRS | str | None) -> ExportCRS:
    """The export CRS if ``fmt`` can say what its coordinates are, else InputError: CSV and
    GeoJSON sequences are read as WGS 84 lon/lat, GeoJSON names only EPSG codes, so offset
    (GCJ-02 / BD-09) or projected coordinates there would be misread, not merely unlabelled."""
    target = crs if isinstance(crs, ExportCRS) else export_crs(crs)
    plain = fmt in ("csv", "geojsonseq") and not target.wgs84_lonlat
    if plain or (fmt == "geojson" and target.offset):
        raise InputError(
            f"{fmt} cannot record that its coordinates are {target.crs.name}, and readers "
            "would take them as WGS 84; use format gpkg, shp, parquet or fgb (they store the "
            "CRS)",
            field="crs",
        )
    return target


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
    if not source.crs.wgs84_lonlat:
        head["crs"] = {"type": "name", "properties": {"name": source.crs.label}}
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
