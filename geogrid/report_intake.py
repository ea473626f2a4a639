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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import shapely
from sqlalchemy import Connection, Engine, func, select, update

from geogrid.errors import InputError, NotFound
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
_GRIDS = t.table_of(t.Grid)
_INCIDENTS = t.table_of(Incident)


@dataclass(frozen=True)
class QrGrid:
    """A basic or micro grid of the published plan, as its QR code and report page show it.

    ``name``: its Chinese label (:func:`grid_label`); ``community``: its community's stored
    name ('' when none is stored); ``lon``/``lat``: a point inside the grid (WGS 84)."""

    code: str
    name: str
    level: str
    plan_id: int
    lon: float
    lat: float
    community: str = ""


def grid_numbers(code: str) -> tuple[str, str]:
    """A grid code's basic grid number inside its community and its micro grid number ('' for
    a basic grid): codes are community (12 digits) + basic (3) + micro (3)."""
    return code[12:15], code[15:]


def grid_label(code: str, community: str) -> str:
    """A grid's Chinese label for residents: ``中韩社区居民委员会 网格 001`` or, for a micro grid,
    ``... 网格 001 微网格 002``; the code alone when its community has no stored name."""
    if not community:
        return code
    basic, micro = grid_numbers(code)
    return f"{community} 网格 {basic}" + (f" 微网格 {micro}" if micro else "")


def grid_names(
    bind: Engine | Connection, codes: list[str], levels: list[str], given: list[Any]
) -> list[str]:
    """Each grid's name: the one given in the draft editor (``rename``), else its label as the
    report page and the QR sheets show it (:func:`grid_label`, for basic and micro grids, whose
    codes start with their community's), else its code (a large or medium grid)."""
    below = [len(c) > 12 and lv in QR_LEVELS for c, lv in zip(codes, levels, strict=True)]
    wanted = sorted({c[:12] for c, ok in zip(codes, below, strict=True) if ok})
    communities = place_names(bind, wanted)
    return [
        str(name)
        if isinstance(name, str) and name.strip()
        else grid_label(code, communities.get(code[:12], ""))
        if ok
        else code
        for code, ok, name in zip(codes, below, given, strict=True)
    ]


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
    names = place_names(bind, sorted({str(r[0])[:12] for r in rows}))
    grids = []
    for code, level, wkb in rows:
        point = shapely.from_wkb(bytes(wkb)).representative_point()
        community = names.get(str(code)[:12], "")
        label = grid_label(str(code), community)
        grids.append(QrGrid(str(code), label, str(level), plan_id, point.x, point.y, community))
    return grids


def area_title(bind: Engine | Connection, area: str) -> str:
    """A sheet's heading: the stored name of a street or community code and the code."""
    return f"{place_names(bind, [area]).get(area, '')} {area}".strip()


def known_before(bind: Engine | Connection, code: str) -> bool:
    """Whether ``code`` was a grid of another plan than the published one (a grid redrawn or
    merged away since its QR code was printed)."""
    if not code.isdigit():
        return False
    stmt = select(func.count()).select_from(_GRIDS).where(_GRIDS.c.code == code)
    published = published_plan_id(bind)
    if published is not None:
        stmt = stmt.where(_GRIDS.c.plan_id != published)
    return bool(fetch_all(bind, stmt)[0][0])


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
