"""``geogrid qr``: a printable sheet of the QR codes of a community's or street's grids."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from geogrid.cli._common import DatabaseUrl, console, load_settings, opened_store
from geogrid.errors import InputError, NotFound


def register(app: typer.Typer) -> None:
    """Add ``qr`` to ``app``."""
    app.command("qr")(qr)


def qr(
    out: Annotated[Path, typer.Option("--out", help="the sheet: .pdf or .png")],
    community: Annotated[
        str | None, typer.Option("--community", help="12-digit community code")
    ] = None,
    street: Annotated[str | None, typer.Option("--street", help="9-digit street code")] = None,
    level: Annotated[str, typer.Option("--level", help="basic | micro")] = "basic",
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="public address of the server (GEOGRID_REPORT_PUBLIC_BASE_URL)"
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """QR codes of the published plan's grids, each holding its report page URL, with the grid
    code and name under it (A4 pages, 12 to a page)."""
    from geogrid.qr_sheet import sheet_bytes
    from geogrid.report_intake import area_title, qr_grids

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        raise InputError(f"--out must end in .pdf or .png, not {out.name!r}", field="out")
    area = community or street
    if area is None or (community and street) or not area.isdigit() or len(area) not in (9, 12):
        raise InputError(
            "give one of --community (12 digits) or --street (9 digits)", field="community"
        )
    settings = load_settings(database_url)
    with opened_store(settings, read_only=True) as store:
        grids = qr_grids(store.engine, area, levels=(level,))
        if not grids:
            raise NotFound(f"no {level} grid of the published plan lies in {area}")
        title = area_title(store.engine, area)
    url = base_url or settings.report.public_base_url
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        raise InputError(f"{url!r} is not an http(s) address", field="base-url")
    body = sheet_bytes(grids, base_url=url, fmt=fmt, title=title)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_bytes(body)
    partial.replace(out)
    console.print(
        f"{len(grids)} QR codes of {title} ({level} grids) -> {out.resolve()}; "
        f"each opens {url.rstrip('/')}/report/<grid code>",
        highlight=False,
        soft_wrap=True,
    )
