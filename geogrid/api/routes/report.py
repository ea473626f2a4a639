"""One grid, one code: the residents' report page ``/report/{grid_code}``, its public intake
``POST /report/{grid_code}/incidents``, the printable QR sheet ``/report/sheet`` and the photos.

Residents have no API key: the intake is public but narrow. The grid must be a basic or micro
grid of the published plan; the form is validated; the photo is limited in bytes and in pixels
(read from its header before anything is decoded), checked as an image, stripped of its metadata
(EXIF GPS) and kept under the store's data folder; each address may file
``GEOGRID_REPORT_RATE_LIMIT`` reports per window (429 beyond), counted in the store so the limit
holds across API processes. Only reports filed count: failed attempts (404, 400, 413, 422) use
up nothing. Every report is audited as channel ``qr`` (with a digest of the address, not the
address). The incident is filed by the incident core, which converts a GCJ-02 location to WGS 84.

A phone opening the page of a code that is not (or no longer) a grid of the published plan gets
a page in Chinese and English saying so and whom to call; API clients get the problem details.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response

from geogrid.api.access import PrincipalDep, check_covers
from geogrid.api.deps import SettingsDep, StoreDep
from geogrid.api.errors import PROBLEM_JSON
from geogrid.api.incident_deps import TEXT, FeedDep
from geogrid.api.routes.pages import render_page
from geogrid.errors import InputError, NotFound
from geogrid.incidents.taxonomy import default_taxonomy
from geogrid.qr_sheet import report_url, sheet_bytes
from geogrid.report_intake import (
    QrGrid,
    QrReport,
    address_digest,
    area_title,
    file_qr_report,
    grid_numbers,
    known_before,
    photo_folder,
    qr_grid,
    qr_grids,
)
from geogrid.report_photos import PhotoLimits, check_photo_bytes, save_photo
from geogrid.settings import Settings
from geogrid.store.access import append_audit
from geogrid.store.layers import place_names
from geogrid.store.report_hits import check_allowance, count_report

router = APIRouter(tags=["report"])
GridCode = Annotated[str, PathParam(pattern=r"^[0-9]{6,40}$", description="grid code")]
# the page takes whatever a phone opens (a mistyped or mis-scanned code gets the help page)
PageCode = Annotated[str, PathParam(max_length=80, description="grid code")]
AreaCode = Annotated[str | None, Query(pattern=r"^[0-9]{9}([0-9]{3})?$")]


def _check_allowance(store: Any, settings: Settings, address: str) -> None:
    """RateLimited when ``address`` has filed its allowance of reports already: refused before
    any work. Reads only; the report is counted when it is filed (:func:`_file`)."""
    report = settings.report
    with store.engine.connect() as conn:
        check_allowance(
            conn,
            address_digest(address),
            limit=report.rate_limit,
            window_s=report.rate_window_s,
            now=datetime.now(UTC),
        )


def photo_limits(settings: Settings) -> PhotoLimits:
    """The photo limits of the settings (bytes, and megapixels as pixels)."""
    report = settings.report
    return PhotoLimits(report.max_photo_bytes, int(report.max_photo_megapixels * 1e6))


def categories() -> list[dict[str, Any]]:
    """The taxonomy's categories with their sub-categories, for the report form: code, Chinese
    ``name`` and English ``name_en`` ('' where the list gives none)."""
    taxonomy = default_taxonomy()
    subs = taxonomy.subcategories
    return [
        {
            "code": c.code,
            "name": c.name,
            "name_en": c.name_en,
            "subcategories": [
                {"code": s.code, "name": s.name, "name_en": s.name_en}
                for s in subs
                if s.category_code == c.code
            ],
        }
        for c in taxonomy.categories
    ]


_SHEET = {200: {"content": {"application/pdf": {}, "image/png": {}}, "description": "the sheet"}}
_PHOTO = {200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}, "description": "a photo"}}  # fmt: skip


@router.get("/report/sheet", response_class=Response, responses=_SHEET)  # type: ignore[arg-type]
def qr_sheet(
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    community: AreaCode = None,
    street: AreaCode = None,
    level: Literal["basic", "micro"] = "basic",
    format: Literal["png", "pdf"] = "pdf",
) -> Response:
    """A printable sheet of the QR codes of a community's or street's grids (PNG or PDF):
    each code holds the grid's report page URL, with the grid code and name under it."""
    area = community or street
    if area is None or (community and street):
        raise InputError("give one of community=CODE or street=CODE", field="community")
    check_covers(principal, area, what=f"area {area}")
    grids = qr_grids(store.engine, area, levels=(level,))
    if not grids:
        raise NotFound(f"no {level} grid of the published plan lies in {area}")
    title = area_title(store.engine, area)
    body = sheet_bytes(grids, base_url=settings.report.public_base_url, fmt=format, title=title)
    media = "application/pdf" if format == "pdf" else "image/png"
    name = f"qr-{area}-{level}.{format}"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@router.get("/report/photos/{name}", response_class=FileResponse, responses=_PHOTO)  # type: ignore[arg-type]
def photo(
    settings: SettingsDep,
    _principal: PrincipalDep,
    name: Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}\.(jpg|png|webp)$")],
) -> FileResponse:
    """A report photo by the name its incident references (any key may read it)."""
    path = photo_folder(settings) / name
    if not path.is_file():
        raise NotFound(f"no report photo {name}")
    return FileResponse(path)


@router.get("/report/{grid_code}", response_class=HTMLResponse, include_in_schema=False)
def report_page(
    request: Request, grid_code: PageCode, store: StoreDep, settings: SettingsDep
) -> HTMLResponse:
    """The phone page of one grid: category, description, photo and the phone's location. A
    code that is not a grid of the published plan: 404, as a page for a browser (it asks for
    text/html) saying whom to call, as problem details for anyone else; so is a code that is
    no grid code at all (letters, a cut-off scan)."""
    try:
        grid = qr_grid(store.engine, grid_code)
    except NotFound:
        if "text/html" not in request.headers.get("accept", ""):
            raise
        return _unknown_grid_page(grid_code, store, settings)
    basic, micro = grid_numbers(grid.code)
    shown = {"code": grid.code, "name": grid.name, "level": grid.level, "community": grid.community}  # fmt: skip
    return render_page(
        "report",
        settings,
        grid=shown | {"basic": basic, "micro": micro},
        categories=categories(),
        locationCrs=settings.report.browser_location_crs,
        maxPhotoBytes=settings.report.max_photo_bytes,
        reportUrl=report_url(settings.report.public_base_url, grid.code),
    )


def _unknown_grid_page(code: str, store: Any, settings: Settings) -> HTMLResponse:
    """The report page without a form (404): the code, whether it was a grid of an earlier
    plan (redrawn or merged since the QR code was printed), its community's name where the
    store has it, and whom to call."""
    community = place_names(store.engine, [code[:12]]).get(code[:12], "") if len(code) > 12 else ""
    unknown = {"code": code, "retired": known_before(store.engine, code), "community": community, "contact": settings.report.help_contact}  # fmt: skip
    page = render_page("report", settings, grid=None, unknown=unknown)
    page.status_code = 404
    return page


_FORM_PROBLEM = {
    422: {
        "description": "The form is invalid (problem details)",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}


@router.post("/report/{grid_code}/incidents", status_code=201, responses=_FORM_PROBLEM)  # type: ignore[arg-type]
async def report_incident_by_qr(
    request: Request,
    grid_code: GridCode,
    store: StoreDep,
    settings: SettingsDep,
    hub: FeedDep,
    category: Annotated[str, Form(pattern=r"^[0-9]{2}([0-9]{2}([0-9]{2})?)?$")],
    description: Annotated[str, Form(max_length=2000, pattern=TEXT)] = "",
    lon: Annotated[float | None, Form(ge=-180, le=180, allow_inf_nan=False)] = None,
    lat: Annotated[float | None, Form(ge=-90, le=90, allow_inf_nan=False)] = None,
    crs: Annotated[Literal["EPSG:4326", "gcj02"], Form()] = "EPSG:4326",
    photo: Annotated[UploadFile | None, File(description="JPEG, PNG or WebP")] = None,
) -> dict[str, Any]:
    """File a resident's report of one grid (no key): 201 with the incident's reference."""
    address = request.client.host if request.client else "unknown"
    await run_in_threadpool(_check_allowance, store, settings, address)
    if (lon is None) != (lat is None):
        raise InputError("give both lon and lat, or neither", field="lon" if lon is None else "lat")
    grid = qr_grid(store.engine, grid_code)
    photos = []
    if photo is not None and photo.filename:
        limits = photo_limits(settings)
        if photo.size is not None:  # the upload's own size: refused before it is read
            check_photo_bytes(photo.size, limits)
        data = await photo.read(limits.max_bytes + 1)
        folder = photo_folder(settings)
        photos.append(await run_in_threadpool(save_photo, data, folder=folder, limits=limits, sent=photo.size))  # fmt: skip
    location = (lon, lat) if lon is not None and lat is not None else None
    report = QrReport(category, description, location, crs, photos)
    incident = await run_in_threadpool(_file, store, settings, grid, report, address)
    hub.wake()
    return {
        "ref": incident["ref"],
        "status": incident["status"],
        "qr_grid": grid.code,
        "basic_code": incident["basic_code"],
        "micro_code": incident["micro_code"],
        "inside_qr_grid": incident["inside_qr_grid"],
        "flags": incident["flags"],
        "lon": incident["lon"],
        "lat": incident["lat"],
        "photos": photos,
    }


def _file(
    store: Any, settings: Settings, grid: QrGrid, report: QrReport, address: str
) -> dict[str, Any]:
    """File ``report`` and count it against ``address``'s allowance in one transaction: a
    report refused as invalid counts nothing; one over the limit (a concurrent burst past
    :func:`_check_allowance`) files nothing."""
    digest = address_digest(address)
    with store.transaction() as conn:
        incident = file_qr_report(conn, grid, report)
        now = datetime.now(UTC)
        count_report(conn, digest, limit=settings.report.rate_limit, window_s=settings.report.rate_window_s, now=now)  # fmt: skip
        details = {"channel": "qr", "grid": grid.code, "inside_grid": incident["inside_qr_grid"], "address": digest}  # fmt: skip
        append_audit(
            conn,
            actor="resident",
            role="resident",
            jurisdiction=grid.code[:12],
            action="incident.report",
            target=str(incident["ref"]),
            details=details,
        )
    return incident
