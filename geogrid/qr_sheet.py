"""Printable sheets of grid QR codes ("one grid, one code"): segno makes each code, Pillow lays
them out on A4 pages (150 dpi, 3 x 4 per page) with the grid code and name under each, and
writes a PDF (one page per 12 grids) or a PNG (the pages one under the other).

Each code holds the absolute URL of the grid's report page, ``<base_url>/report/<code>``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from geogrid.errors import InputError

if TYPE_CHECKING:
    from PIL import Image as PILImage

PAGE: Final = (1240, 1754)  # A4 at 150 dpi
COLUMNS: Final = 3
ROWS: Final = 4
MARGIN: Final = 60
QR_PX: Final = 300
# Noto Sans CJK (Debian fonts-noto-cjk): index 2 of the collection is Simplified Chinese.
_FONTS: Final = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
)


class SheetGrid(Protocol):
    """What a sheet needs of a grid."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...


def report_url(base_url: str, code: str) -> str:
    """The absolute URL of a grid's report page."""
    return f"{base_url.rstrip('/')}/report/{code}"


def _font(size: int) -> Any:
    from PIL import ImageFont

    for path, index in _FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size, index=index)
    return ImageFont.load_default(size)


def _qr_image(url: str) -> PILImage.Image:
    import segno
    from PIL import Image

    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=10, border=4)
    buffer.seek(0)
    with Image.open(buffer) as image:
        return image.convert("L").resize((QR_PX, QR_PX), Image.Resampling.NEAREST)


def _fit(draw: Any, text: str, font: Any, width: int) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def sheet_pages(
    grids: Sequence[SheetGrid], *, base_url: str, title: str = ""
) -> list[PILImage.Image]:
    """A4 pages (greyscale images) of the grids' QR codes, 12 to a page, in the given order."""
    from PIL import Image, ImageDraw

    if not grids:
        raise InputError("no grids to put on a QR sheet", field="grids")
    code_font, name_font, title_font = _font(26), _font(22), _font(30)
    cell_w = (PAGE[0] - 2 * MARGIN) // COLUMNS
    cell_h = (PAGE[1] - 2 * MARGIN - 50) // ROWS
    pages = []
    per_page = COLUMNS * ROWS
    for start in range(0, len(grids), per_page):
        page = Image.new("L", PAGE, 255)
        draw = ImageDraw.Draw(page)
        number = start // per_page + 1
        total = (len(grids) + per_page - 1) // per_page
        heading = f"{title}  扫码上报 · scan to report  ({number}/{total})".strip()
        draw.text((MARGIN, MARGIN - 10), heading, font=title_font, fill=0)
        for k, grid in enumerate(grids[start : start + per_page]):
            x = MARGIN + (k % COLUMNS) * cell_w
            y = MARGIN + 50 + (k // COLUMNS) * cell_h
            page.paste(_qr_image(report_url(base_url, grid.code)), (x + (cell_w - QR_PX) // 2, y))
            for line, font, dy in ((grid.code, code_font, 8), (grid.name, name_font, 44)):
                text = _fit(draw, line, font, cell_w - 16)
                left = x + (cell_w - draw.textlength(text, font=font)) / 2
                draw.text((left, y + QR_PX + dy), text, font=font, fill=0)
        pages.append(page)
    return pages


def sheet_bytes(grids: Sequence[SheetGrid], *, base_url: str, fmt: str, title: str = "") -> bytes:
    """The sheet as PDF (one A4 page per 12 grids) or PNG (pages stacked) bytes."""
    from PIL import Image

    if fmt not in ("pdf", "png"):
        raise InputError(f"a QR sheet is pdf or png, not {fmt!r}", field="format")
    pages = sheet_pages(grids, base_url=base_url, title=title)
    buffer = io.BytesIO()
    if fmt == "pdf":
        pages[0].save(buffer, format="PDF", resolution=150, save_all=True, append_images=pages[1:])
    else:
        tall = Image.new("L", (PAGE[0], PAGE[1] * len(pages)), 255)
        for k, page in enumerate(pages):
            tall.paste(page, (0, k * PAGE[1]))
        tall.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
