"""Readers for incident files: CSV, GeoJSON and Open311 GeoReport v2 (JSON) into record frames.

The frames carry canonical or aliased column names understood by :func:`intake.normalise`.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from geogrid.errors import InputError

FORMATS = ("csv", "geojson", "open311")


def read_incident_file(path: str | Path, *, fmt: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read a file of incident records; ``fmt`` is guessed from the name and content if omitted."""
    source = Path(path)
    if not source.exists():
        raise InputError("file not found", file=str(source))
    fmt = fmt or _guess(source)
    if fmt == "csv":
        return read_csv(source), fmt
    try:
        doc = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=str(source)) from exc
    if fmt == "geojson":
        return geojson_records(doc, file=str(source)), fmt
    if fmt == "open311":
        return open311_records(doc, file=str(source)), fmt
    raise InputError(
        f"unknown incident format {fmt!r}; expected one of {FORMATS}", file=str(source)
    )


def parse_incident_bytes(data: bytes, fmt: str, *, name: str = "body") -> pd.DataFrame:
    """Records from the bytes of a CSV, GeoJSON or Open311 JSON document (an HTTP body);
    ``name`` names it in errors."""
    if fmt == "csv":
        return read_csv(io.BytesIO(data), name=name)
    if fmt not in FORMATS:
        raise InputError(f"unknown incident format {fmt!r}; expected one of {FORMATS}", file=name)
    try:
        doc = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", file=name) from exc
    if fmt == "geojson":
        if not isinstance(doc, dict):
            raise InputError("not a GeoJSON FeatureCollection", file=name)
        return geojson_records(doc, file=name)
    return open311_records(doc, file=name)


def _guess(source: Path) -> str:
    """The format by suffix, else by content: a FeatureCollection is GeoJSON, else Open311."""
    if source.suffix.lower() in (".csv", ".txt"):
        return "csv"
    if source.suffix.lower() == ".geojson":
        return "geojson"
    try:
        head = source.read_text(encoding="utf-8")[:2000].lstrip()
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the file as UTF-8 text: {exc}", file=str(source)) from exc
    if head.startswith("{") and '"FeatureCollection"' in head:
        return "geojson"
    return "open311"


def read_csv(source: Path | IO[bytes], *, name: str | None = None) -> pd.DataFrame:
    """A CSV with one incident a row (columns such as id, lon, lat, category, reported_at)."""
    try:
        return pd.read_csv(
            source, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
        )
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read CSV: {exc}", file=name or str(source)) from exc


def geojson_records(doc: dict[str, Any], *, file: str | None = None) -> pd.DataFrame:
    """Point features of a FeatureCollection; properties become columns."""
    if doc.get("type") != "FeatureCollection":
        raise InputError("not a GeoJSON FeatureCollection", file=file)
    rows = []
    for i, feature in enumerate(doc.get("features", [])):
        props = dict(feature.get("properties") or {})
        geometry = feature.get("geometry") or {}
        if geometry and geometry.get("type") != "Point":
            raise InputError(
                f"incidents must be points, not {geometry.get('type')}",
                file=file,
                feature=props.get("id", i),
                field="geometry",
            )
        coords = geometry.get("coordinates") or [np.nan, np.nan]
        props.setdefault("id", feature.get("id"))
        rows.append(props | {"lon": coords[0], "lat": coords[1]})
    return pd.DataFrame(rows)


def open311_records(doc: Any, *, file: str | None = None) -> pd.DataFrame:
    """Open311 GeoReport v2 service requests (a JSON list, as ``GET requests.json`` returns)."""
    requests = doc.get("service_requests", doc) if isinstance(doc, dict) else doc
    if not isinstance(requests, list):
        raise InputError("an Open311 file holds a list of service requests", file=file)
    rows = []
    for request in requests:
        row = dict(request)
        status = str(row.pop("status", "open")).lower()
        if status == "closed":
            row["status"] = "closed"
            row.setdefault("closed_at", row.get("updated_datetime"))
        address = row.pop("address", None)
        text = row.get("description") or row.get("service_name") or ""
        row["description"] = f"{text} ({address})" if address else text
        if "agency_responsible" in row:
            row["department"] = row.pop("agency_responsible")
        rows.append(row)
    return pd.DataFrame(rows)
