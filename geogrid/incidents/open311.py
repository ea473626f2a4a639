"""Open311 GeoReport v2 mapped onto incidents (pure: no database, no web).

Services are the sub-categories of the responsibility list (``service_code`` = the 4-digit
code, ``group`` = the category name; item codes are accepted too). A request maps onto an
incident record: ``long``/``lat`` -> lon/lat, ``service_code`` -> category, ``description``
(with the ``address_string`` appended in brackets, the file reader's convention),
``media_url`` -> photos, the requester's name -> reporter. Open311 ``status`` is ``closed``
once the workflow has closed, evaluated or rejected the incident, ``open`` before.

A request that gives an address but no coordinates is *unlocated*: it is kept (never refused)
and flagged for a dispatcher to place; see :func:`is_unlocated`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from geogrid.incidents.locations import no_position
from geogrid.incidents.taxonomy import Taxonomy
from geogrid.incidents.workflow import CLOSED_STATES, Status

CLOSED_FOR_OPEN311 = frozenset({*CLOSED_STATES, Status.REJECTED})
SERVICE_FIELDS = (
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
)
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


def services(taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """GeoReport v2 service list: one service per sub-category of the responsibility list."""
    groups = {c.category_code: c.name for c in taxonomy.categories}
    items: dict[str, list[str]] = {}
    for item in taxonomy.items:
        items.setdefault(str(item.subcategory_code), []).append(item.name)
    return [
        {
            "service_code": sub.code,
            "service_name": sub.name,
            "description": f"{sub.name} ({sub.department}, {sub.level} level, {sub.tier} tier)",
            "metadata": False,
            "type": "realtime",
            "keywords": ",".join(items.get(sub.code, [])),
            "group": groups.get(sub.category_code, ""),
        }
        for sub in taxonomy.subcategories
    ]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_unlocated(request: Mapping[str, Any]) -> bool:
    """True when the request gives no position but names a place (address or address id) or
    sends coordinates that place nothing (0,0 from an app without a position fix, out of
    range; see :func:`geogrid.incidents.locations.no_position`): kept for a dispatcher to
    place, as a file import keeps it. A request with no location at all is not."""
    no_point = no_position(request.get("long"), request.get("lat"))
    named = not _blank(request.get("address_string")) or not _blank(request.get("address_id"))
    sent = not _blank(request.get("long")) and not _blank(request.get("lat"))
    return no_point and (named or sent)


def incident_record(request: Mapping[str, Any], *, ref: str) -> dict[str, Any]:
    """The incident record (the names :func:`geogrid.incidents.intake.normalise` reads) of one
    POSTed GeoReport v2 request; validation (service code, location) is the intake's job."""
    text = str(request.get("description") or "").strip()
    address = str(request.get("address_string") or "").strip()
    name = " ".join(
        str(request.get(k)).strip() for k in ("first_name", "last_name") if request.get(k)
    )
    reporter = name or request.get("email") or request.get("device_id") or request.get("phone")
    record: dict[str, Any] = {
        "ref": ref,
        "category": request.get("service_code"),
        "lon": request.get("long"),
        "lat": request.get("lat"),
        "address": address or None,
        "description": f"{text} ({address})" if address else text,
        "reporter": reporter or None,
        "photos": [request["media_url"]] if request.get("media_url") else None,
    }
    return record


def unlocated_request(kept: Mapping[str, Any], *, service_name: str | None) -> dict[str, Any]:
    """A request kept without coordinates (``incident_unlocated``) as a GeoReport request:
    open, no lat/long, its address, waiting for a dispatcher to place it."""
    record = kept.get("record") or {}
    return dict.fromkeys(REQUEST_FIELDS) | {
        "service_request_id": kept["ref"],
        "status": "open",
        "status_notes": "unlocated: an address but no coordinates; a dispatcher will place it",
        "service_name": service_name,
        "service_code": record.get("subcategory_code") or kept.get("category_code"),
        "description": record.get("description") or "",
        "requested_datetime": _iso(kept.get("reported_at")),
        "updated_datetime": _iso(kept.get("flagged_at")),
        "address": kept.get("address"),
    }


def open311_status(status: str) -> str:
    """``closed`` for a closed, evaluated or rejected incident, else ``open``."""
    return "closed" if Status(status) in CLOSED_FOR_OPEN311 else "open"


def service_request(
    incident: Mapping[str, Any],
    *,
    service_name: str | None,
    last_event: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """One incident as a GeoReport v2 service request."""
    photos = incident.get("photos") or []
    code = incident.get("subcategory_code") or incident.get("category_code")
    notes = (last_event or {}).get("note") or ""
    updated = (last_event or {}).get("at") or incident.get("reported_at")
    return {
        "service_request_id": incident["ref"],
        "status": open311_status(incident["status"]),
        "status_notes": notes or f"workflow state: {incident['status']}",
        "service_name": service_name,
        "service_code": code,
        "description": incident.get("description") or "",
        "agency_responsible": incident.get("department"),
        "service_notice": None,
        "requested_datetime": _iso(incident.get("reported_at")),
        "updated_datetime": _iso(updated),
        "expected_datetime": _iso(incident.get("handling_due")),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": incident.get("lat"),
        "long": incident.get("lon"),
        "media_url": photos[0] if photos else None,
    }


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def to_xml(root: str, item: str, rows: Iterable[Mapping[str, Any]]) -> bytes:
    """GeoReport v2 XML: ``<root><item><field>value</field>...</item>...</root>``; booleans as
    ``true``/``false``, nulls as empty elements."""
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(element, key)
            if isinstance(value, bool):
                child.text = "true" if value else "false"
            elif value is not None:
                child.text = str(value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8")
