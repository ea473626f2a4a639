"""Residents' reports through a grid's QR code ("one grid, one code"): the grid behind a code,
photos stripped of their metadata and kept under the store's data folder, and filing the report as an
incident through the incident core (:func:`geogrid.store.incidents.report_incident`).

A report's location comes from the phone in WGS 84 or GCJ-02 and is converted by the incident
core (``source_crs``); a report without one is placed at a point inside its grid (flag
``location_from_qr``); a location outside the QR's grid is kept where it is and flagged
``outside_qr_grid`` (the incident then belongs to the grid it lies in).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import shapely
from sqlalchemy import Connection, Engine, func, select, update

from geogrid.errors import InputError, NotFound, TooLarge
from geogrid.incidents.locations import no_position
from geogrid.settings import Settings
from geogrid.store import tables as t
from geogrid.store._bind import fetch_all
from geogrid.store.incident_query import incident_grid_codes
from geogrid.store.incident_tables import Incident
from geogrid.store.incidents import get_incident, report_incident
from geogrid.store.layers import place_names
from geogrid.store.plans import published_plan_id

QR_LEVELS: Final = ("basic", "micro")
PHOTO_FORMATS: Final = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_GRIDS = t.table_of(t.Grid)
_INCIDENTS = t.table_of(Incident)


@dataclass(frozen=True)
class QrGrid:
    """A basic or micro grid of the published plan, as its QR code and report page show it.

    ``lon``/``lat``: a point inside the grid (WGS 84)."""

    code: str
    name: str
    level: str
    plan_id: int
    lon: float
    lat: float


def qr_grids(
    bind: Engine | Connection, prefix: str, *, levels: tuple[str, ...] = QR_LEVELS
) -> list[QrGrid]:
    """The published plan's grids of ``levels`` whose code starts with ``prefix``, by code."""
    plan_id = published_plan_id(bind)
    if plan_id is None:
        raise NotFound("no plan is published: there are no grids to report to")
    bad = sorted(set(levels) - set(QR_LEVELS))
    if bad or not prefix.isdigit():
        raise InputError(f"grids take a numeric code and levels {QR_LEVELS}", field="code")
    stmt = (
        select(_GRIDS.c.code, _GRIDS.c.level, func.ST_AsBinary(_GRIDS.c.geom))
        .where(_GRIDS.c.plan_id == plan_id, _GRIDS.c.level.in_(levels))
        .where(func.substr(_GRIDS.c.code, 1, len(prefix)) == prefix)
        .order_by(_GRIDS.c.code)
    )
    rows: list[Any] = fetch_all(bind, stmt)
    names = place_names(bind, [str(r[0]) for r in rows])
    grids = []
    for code, level, wkb in rows:
        point = shapely.from_wkb(bytes(wkb)).representative_point()
        grids.append(QrGrid(str(code), names.get(str(code), str(code)), str(level), plan_id, point.x, point.y))  # fmt: skip
    return grids


def area_title(bind: Engine | Connection, area: str) -> str:
    """A sheet's heading: the stored name of a street or community code and the code."""
    return f"{place_names(bind, [area]).get(area, '')} {area}".strip()


def qr_grid(bind: Engine | Connection, code: str) -> QrGrid:
    """The basic or micro grid ``code`` of the published plan; NotFound for any other code."""
    found = [g for g in qr_grids(bind, code) if g.code == code] if code.isdigit() else []
    if not found:
        raise NotFound(f"grid {code} is not a basic or micro grid of the published plan")
    return found[0]


def photo_folder(settings: Settings) -> Path:
    """Where report photos go: the setting, else beside the SpatiaLite file
    (``<file stem>-files/report-photos``), else ``<data_dir>/report-photos``."""
    if settings.report.photo_dir is not None:
        return settings.report.photo_dir
    url = settings.store.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        database = Path(url.removeprefix("sqlite:///"))
        return database.parent / f"{database.stem}-files" / "report-photos"
    return settings.data_dir / "report-photos"


def save_photo(data: bytes, *, folder: Path, max_bytes: int) -> str:
    """Check a photo (an image Pillow reads as JPEG, PNG or WebP, at most ``max_bytes``), strip
    its metadata (:func:`strip_metadata`) and keep it under ``folder`` named by the SHA-256 of
    what is kept; returns its reference ``report-photos/NAME``. TooLarge / InputError (field
    ``photo``) otherwise; nothing is written then."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > max_bytes:
        raise TooLarge(f"the photo is {len(data):,} bytes; at most {max_bytes:,}", field="photo")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format or ""
            image.verify()
        if kind in PHOTO_FORMATS:
            data = strip_metadata(data)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"the photo is not a readable image ({exc})", field="photo") from exc
    if kind not in PHOTO_FORMATS:
        raise InputError(f"a photo must be JPEG, PNG or WebP, not {kind}", field="photo")
    name = f"{hashlib.sha256(data).hexdigest()[:32]}.{PHOTO_FORMATS[kind]}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        partial = folder / f".{name}.partial"
        partial.write_bytes(data)
        partial.replace(target)
    return f"report-photos/{name}"


_SAVE_OPTIONS: Final[dict[str, dict[str, Any]]] = {
    "JPEG": {"quality": 90},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 90},
}


def strip_metadata(data: bytes) -> bytes:
    """A JPEG, PNG or WebP photo re-encoded in its own format with none of its metadata: no
    EXIF (a phone's GPS position, camera, time), XMP, comments or text chunks; only the colour
    profile is kept. The EXIF orientation is applied to the pixels first, so the photo stays
    upright without it. Pillow's errors (OSError, ValueError) pass through."""
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as image:
        kind = str(image.format)
        icc = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
        upright.info = {}  # nothing of the original's info is written again
        options = dict(_SAVE_OPTIONS[kind])
        if icc:
            options["icc_profile"] = icc
        out = io.BytesIO()
        upright.save(out, format=kind, **options)
    return out.getvalue()


def address_digest(address: str) -> str:
    """A short digest of a client address for the audit log (the address itself is not kept)."""
    return hashlib.sha256(f"geogrid-qr:{address}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class QrReport:
    """What a resident sends: a category code, a description, the phone's position (lon, lat
    in ``crs``: EPSG:4326 or gcj02; None when the phone gave none) and photo references."""

    category: str
    description: str
    location: tuple[float, float] | None
    crs: str
    photos: list[str]


def file_qr_report(conn: Connection, grid: QrGrid, report: QrReport) -> dict[str, Any]:
    """File a resident's report of ``grid`` as an incident (source ``qr``), in the caller's
    transaction; returns the incident with ``basic_code``, ``micro_code``, ``qr_grid`` and
    ``inside_qr_grid``. A position that places nothing (0,0, out of range) counts as none: the
    grid's centre is taken and flagged ``location_from_qr``. InputError for a bad category or
    a location far outside the district."""
    location, crs = report.location, report.crs
    if location is not None and no_position(*location):
        location = None  # 0,0 or out of range: a phone without a position fix
    record: dict[str, Any] = {"category": report.category, "description": report.description}
    record["photos"] = report.photos or None
    if location is None:
        record["lon"], record["lat"], crs = grid.lon, grid.lat, "EPSG:4326"
    else:
        record["lon"], record["lat"] = location
    stored = report_incident(conn, record, actor="resident (qr)", source_crs=crs, source="qr")
    basic, micro = incident_grid_codes(conn, stored["id"])
    inside = (basic if grid.level == "basic" else micro) == grid.code
    flag = "location_from_qr" if location is None else ("" if inside else "outside_qr_grid")
    if flag:
        flags = ",".join(f for f in (stored["flags"], flag) if f)
        conn.execute(update(_INCIDENTS).where(_INCIDENTS.c.id == stored["id"]).values(flags=flags))
    incident = get_incident(conn, stored["id"])
    return incident | {
        "basic_code": basic,
        "micro_code": micro,
        "qr_grid": grid.code,
        "inside_qr_grid": inside,
    }
