"""Export files: GeoPackage (one layer or several), Shapefile (zipped, or its parts),
GeoParquet, FlatGeobuf, and the text formats of :mod:`geogrid.io.stream_export` saved to disk.

GDAL formats are written through pyogrio's Arrow writer and Parquet through pyarrow, one batch
at a time. Every file names its CRS (GCJ-02 / BD-09 under their own names, never WGS 84) and
carries the sources' ``metadata`` (collection, plan version, filter): GeoPackage as dataset and
layer metadata, FlatGeobuf as the layer description, GeoParquet in the schema metadata,
Shapefile in a ``NAME.json`` sidecar that also lists the shortened field names.
:func:`save_export` writes under a temporary name beside the target and renames it at the end,
so a failed export keeps the old file.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from geogrid.errors import InputError
from geogrid.io.mapping import SHAPEFILE_NAMES
from geogrid.io.stream_export import (
    GEOMETRY,
    TEXT_FORMATS,
    ExportSource,
    check_crs_fits,
    check_format,
    text_chunks,
)

Fix = Callable[[pa.RecordBatch], pa.RecordBatch]
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".json")


def _reader(
    source: ExportSource, schema: pa.Schema | None = None, fix: Fix | None = None
) -> pa.RecordBatchReader:
    schema = schema or source.schema
    batches = source.counted() if fix is None else (fix(b) for b in source.counted())
    return pa.RecordBatchReader.from_batches(schema, batches)


def _metadata_text(metadata: dict[str, Any]) -> str:
    return json.dumps(metadata, ensure_ascii=False, default=str)


def _gdal(source: ExportSource, path: Path, driver: str, **options: Any) -> None:
    import pyogrio

    pyogrio.write_arrow(
        options.pop("reader", None) or _reader(source),
        str(path),
        layer=source.name,
        driver=driver,
        geometry_name=GEOMETRY,
        geometry_type=source.geometry_type,
        crs=source.crs.crs.to_wkt(),
        **options,
    )


def _geopackage(sources: Sequence[ExportSource], path: Path) -> None:
    """One GeoPackage layer per source; the dataset metadata names them all."""
    everything = {s.name: s.metadata for s in sources}
    dataset = _metadata_text(sources[0].metadata if len(sources) == 1 else {"layers": everything})
    for k, source in enumerate(sources):
        layer = {"geogrid_export": _metadata_text(source.metadata)}
        _gdal(
            source, path, "GPKG", append=k > 0, layer_metadata=layer,
            dataset_metadata={"geogrid_export": dataset} if k == 0 else None,
        )  # fmt: skip


def _shapefile_fix(schema: pa.Schema) -> tuple[pa.Schema, Fix, dict[str, str]]:
    """Shapefile: 10-character field names (the short names ``geogrid import`` reads back,
    else cut, kept unique) and times as text (DBF has no time)."""
    renamed: dict[str, str] = {}
    fields = []
    for f in schema:
        name = f.name
        if name != GEOMETRY:
            short = SHAPEFILE_NAMES.get(name, name)[:10]
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


def _shapefile_parts(source: ExportSource, folder: Path, stem: str) -> list[Path]:
    """The Shapefile's parts and its ``stem.json`` sidecar written into ``folder``."""
    schema, fix, renamed = _shapefile_fix(source.schema)
    shp = folder / f"{stem}.shp"
    _gdal(source, shp, "ESRI Shapefile", reader=_reader(source, schema, fix), encoding="UTF-8")
    note = source.metadata | {"field_names": {k: v for k, v in renamed.items() if k != v}}
    (folder / f"{stem}.json").write_text(_metadata_text(note), encoding="utf-8")
    return sorted(folder.iterdir())


def _zipped_shapefile(source: ExportSource, path: Path) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="geogrid-shp-") as tmp,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for member in _shapefile_parts(source, Path(tmp), source.name):
            archive.write(member, member.name)


def _parquet(source: ExportSource, path: Path) -> None:
    from pyproj import CRS

    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": []}
    if not source.crs.crs.equals(CRS("OGC:CRS84")):  # no crs key means OGC:CRS84
        column["crs"] = source.crs.crs.to_json_dict()
    geo = {"version": "1.0.0", "primary_column": GEOMETRY, "columns": {GEOMETRY: column}}
    metadata = {b"geo": json.dumps(geo).encode()} | {
        b"geogrid_export": _metadata_text(source.metadata).encode()
    }
    schema = source.schema.with_metadata(metadata)
    with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
        for batch in source.counted():
            writer.write_batch(batch.replace_schema_metadata(metadata))


def _check(sources: Sequence[ExportSource], path: Path, fmt: str) -> None:
    check_format(fmt)
    if not sources:
        raise InputError("nothing to export: no layer has features")
    if len(sources) > 1 and fmt != "gpkg":
        names = ", ".join(s.name for s in sources)
        raise InputError(f"{fmt} holds one layer ({names}); use format gpkg", file=str(path))
    for source in sources:
        check_crs_fits(fmt, source.crs)


def write_exports(sources: Sequence[ExportSource], path: Path, fmt: str) -> dict[str, int]:
    """Write ``sources`` to ``path`` (a new file) in ``fmt``: several only into a GeoPackage.

    Returns the features written per source name. InputError when ``fmt`` cannot hold them or
    cannot say their CRS. Memory stays at one batch (plus GDAL's index for FlatGeobuf).
    """
    _check(sources, path, fmt)
    source = sources[0]
    if fmt in TEXT_FORMATS:
        with path.open("wb") as out:
            for chunk in text_chunks(source, fmt):
                out.write(chunk)
    elif fmt == "gpkg":
        _geopackage(sources, path)
    elif fmt == "fgb":
        _gdal(source, path, "FlatGeobuf", layer_options={"TITLE": source.name, "DESCRIPTION": _metadata_text(source.metadata)})  # fmt: skip
    elif fmt == "parquet":
        _parquet(source, path)
    else:
        _zipped_shapefile(source, path)
    return {s.name: s.written for s in sources}


def write_export(source: ExportSource, path: Path, fmt: str) -> int:
    """Write one source to ``path``; returns the number of features written."""
    return write_exports([source], path, fmt)[source.name]


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds."""
    # The suffix stays: GDAL warns about a GeoPackage named otherwise.
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}{path.suffix}")
    partial.unlink(missing_ok=True)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)


def save_export(sources: Sequence[ExportSource], path: Path, fmt: str) -> dict[str, int]:
    """:func:`write_exports` onto ``path`` safely: under a temporary name renamed at the end
    (a ``.shp``: its parts in a folder beside it, each renamed over the old one), so a failed
    export keeps the old file. Returns the features written per source name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "shp" and path.name.lower().endswith(".shp"):
        _check(sources, path, fmt)
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.stem}.partial-") as tmp:
            _shapefile_parts(sources[0], Path(tmp), path.stem)
            # One rename per part: a crash between them is the only window.
            for suffix in _SHAPEFILE_PARTS:
                written = Path(tmp) / f"{path.stem}{suffix}"
                if written.exists():
                    os.replace(written, path.with_suffix(suffix))
                else:
                    path.with_suffix(suffix).unlink(missing_ok=True)
        return {sources[0].name: sources[0].written}
    with _replacing(path) as partial:
        return write_exports(sources, partial, fmt)
