"""Readers for incident files: CSV, GeoJSON and Open311 GeoReport v2 (JSON or XML) into
record frames.

The frames carry canonical or aliased column names understood by :func:`intake.normalise`.
Text is read as UTF-8 (with or without a byte-order mark), else as GB18030 (what Excel on a
Chinese Windows saves as "ANSI", a superset of GBK), unless an encoding is given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd

from geogrid.errors import InputError
from geogrid.text_tables import csv_table, decode_bytes

FORMATS = ("csv", "geojson", "open311")


def read_incident_file(
    path: str | Path, *, fmt: str | None = None, encoding: str | None = None
) -> tuple[pd.DataFrame, str]:
    """Read a file of incident records; ``fmt`` is guessed from the name and content if omitted.

    ``encoding`` forces the text encoding; by default UTF-8, then GB18030. The encoding used is
    in ``frame.attrs["encoding"]``; a CSV's delimiter (detected) in ``frame.attrs["delimiter"]``.
    """
    source = Path(path)
    if not source.exists():
        raise InputError("file not found", file=str(source))
    text, used = decode_text(source, encoding)
    fmt = fmt or _guess(source, text)
    frame = _parse(source, text, fmt)
    frame.attrs["encoding"] = used
    return frame, fmt


def decode_text(source: Path, encoding: str | None) -> tuple[str, str]:
    """The file's text and the encoding that read it; one line naming what to declare if none."""
    return decode_bytes(source.read_bytes(), encoding, file=str(source))


def parse_incident_bytes(
    data: bytes, fmt: str, *, name: str = "body", encoding: str | None = None
) -> pd.DataFrame:
    """Records from the bytes of a CSV, GeoJSON or Open311 (JSON or XML) document, e.g. an
    HTTP body; ``name`` names it in errors."""
    if fmt not in FORMATS:
        raise InputError(f"unknown incident format {fmt!r}; expected one of {FORMATS}", file=name)
    text, _ = decode_bytes(data, encoding, file=name)
    if fmt == "geojson" and not text.lstrip().startswith("{"):
        raise InputError("not a GeoJSON FeatureCollection", file=name)
    return _parse(Path(name), text, fmt)


def _parse(source: Path, text: str, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return read_csv_text(text, file=str(source))
    if fmt == "open311" and text.lstrip().startswith("<"):
        return open311_records(open311_xml(text, file=str(source)), file=str(source))
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", file=str(source)) from exc
    if fmt == "geojson":
        return geojson_records(doc, file=str(source))
    if fmt == "open311":
        return open311_records(doc, file=str(source))
    raise InputError(
        f"unknown incident format {fmt!r}; expected one of {FORMATS}", file=str(source)
    )


def _guess(source: Path, text: str) -> str:
    """The format by suffix, else by content: a FeatureCollection is GeoJSON, else Open311."""
    if source.suffix.lower() in (".csv", ".txt"):
        return "csv"
    if source.suffix.lower() == ".geojson":
        return "geojson"
    head = text[:2000].lstrip()
    if head.startswith("{") and '"FeatureCollection"' in head:
        return "geojson"
    return "open311"


def read_csv(source: Path, *, encoding: str | None = None) -> pd.DataFrame:
    """A CSV with one incident a row (columns such as id, lon, lat, category, reported_at)."""
    return read_csv_text(decode_text(source, encoding)[0], file=str(source))


def read_csv_text(text: str, *, file: str | None = None) -> pd.DataFrame:
    """Every cell as text (nothing converted here), empty cells missing."""
    return csv_table(text.removeprefix("\ufeff"), file=file)


def open311_xml(text: str, *, file: str | None = None) -> list[dict[str, Any]]:
    """Open311 GeoReport v2 XML (``<service_requests><request>...``) as a list of requests."""
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError as exc:
        raise InputError(f"not valid Open311 XML: {exc}", file=file) from exc
    requests = root.findall("request") if root.tag != "request" else [root]
    return [
        {child.tag: (child.text or "").strip() or None for child in request} for request in requests
    ]


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
        address = row.get("address")
        text = row.get("description") or row.get("service_name") or ""
        row["description"] = f"{text} ({address})" if address else text
        if "agency_responsible" in row:
            row["department"] = row.pop("agency_responsible")
        rows.append(row)
    return pd.DataFrame(rows)
