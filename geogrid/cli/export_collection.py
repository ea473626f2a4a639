"""``geogrid export --collection ID``: the HTTP export's code path from the command line.

The same catalog, filters (``build_query``), export source and streamed writers as
``GET /collections/{id}/export``; the file is written under a temporary name beside ``--out``
and renamed at the end, so a failed export leaves no half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path

from geogrid.errors import InputError
from geogrid.io.stream_export import EXPORT_STREAM_FORMATS, check_format, write_export
from geogrid.settings import Settings
from geogrid.store import Store
from geogrid.store.feature_catalog import collection
from geogrid.store.feature_export import export_source
from geogrid.store.feature_filters import Filters, build_query, response_crs
from geogrid.store.feature_query import Scope


def collection_format(out: Path, fmt: str | None) -> str:
    """``fmt``, or the export format ``out``'s suffix names; InputError when they disagree."""
    name = out.name.lower()
    named = next((f for f, (_, suffix) in EXPORT_STREAM_FORMATS.items() if name.endswith(suffix)), None)  # fmt: skip
    if fmt is not None:
        check_format(fmt)
    if named is None or (fmt is not None and fmt != named):
        wanted = EXPORT_STREAM_FORMATS[fmt][1] if fmt else ", ".join(s for _, s in EXPORT_STREAM_FORMATS.values())  # fmt: skip
        raise InputError(f"cannot write {fmt or 'a file'} named {out.name!r}; name it with {wanted}", file=str(out))  # fmt: skip
    return named


def export_collection(
    store: Store,
    settings: Settings,
    *,
    collection_id: str,
    out: Path,
    fmt: str | None,
    given: Filters,
    jurisdiction: str = "",
) -> tuple[int, str]:
    """Write every matching feature of ``collection_id`` to ``out``; returns (count, format)."""
    fmt = collection_format(out, fmt)
    coll = collection(store.engine, collection_id)
    scope = Scope(prefix=jurisdiction, personal=True)
    if coll.code_property is None and jurisdiction:
        raise InputError(
            f"{collection_id} has no codes to cut by --jurisdiction; export it whole",
            field="jurisdiction",
        )
    query = build_query(coll, scope, given, max_bbox_area_deg2=settings.api.max_bbox_area_deg2)
    filter_text = " ".join(f"{k}={v}" for k, v in vars(given).items() if v is not None)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        with store.engine.connect() as conn:
            source = export_source(
                conn, coll, scope, query, crs_uri=response_crs(given), filter_text=filter_text
            )
            count = write_export(source, partial, fmt)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return count, fmt
