"""Residents' report photos: checked for their size in bytes and in pixels before anything is
decoded, stripped of their metadata (EXIF GPS, camera, comments) and kept under a folder named
by the SHA-256 of what is kept.

Why the pixel count is read first: a PNG of 13000 x 13000 pixels compresses to a few hundred KB
but decodes to 500 MB of memory; Pillow's own guard (``Image.MAX_IMAGE_PIXELS``, 89 megapixels)
only warns below twice that and raises an error nobody expects above it. The header is read by
the format's own reader, which parses the dimensions without Pillow's process-wide guard, so
every photo over the limit is refused by its size, whatever the guard is set to.
"""

from __future__ import annotations

import hashlib
import io
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from geogrid.errors import InputError, TooLarge

PHOTO_FORMATS: Final = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
NOT_A_PHOTO: Final = "not a JPEG, PNG or WebP image"


@dataclass(frozen=True)
class PhotoLimits:
    """The largest photo accepted: ``max_bytes`` as sent, ``max_pixels`` width x height."""

    max_bytes: int
    max_pixels: int


def size_text(count: int) -> str:
    """A byte count as people read it: ``5.9 MB``, ``4.9 KB``, ``812 bytes`` (1 MB = 10^6 B)."""
    if count >= 100_000:
        return f"{count / 1e6:.1f} MB".replace(".0 MB", " MB")
    if count >= 1000:
        return f"{count / 1e3:.1f} KB".replace(".0 KB", " KB")
    return f"{count} bytes"


def check_photo_bytes(sent: int, limits: PhotoLimits) -> None:
    """TooLarge (field ``photo``) naming the photo's size and the limit when ``sent`` bytes are
    over ``limits.max_bytes``."""
    if sent > limits.max_bytes:
        raise TooLarge(
            f"{size_text(sent)} is over the {size_text(limits.max_bytes)} limit; "
            "send a smaller photo",
            field="photo",
        )


def photo_header(data: bytes) -> tuple[str, tuple[int, int]]:
    """The format (JPEG, PNG, WEBP) and (width, height) in pixels of a photo, read from its
    header only: nothing is decoded. InputError (field ``photo``) for anything else."""
    from PIL import JpegImagePlugin, PngImagePlugin, WebPImagePlugin

    readers = (
        JpegImagePlugin.JpegImageFile,
        PngImagePlugin.PngImageFile,
        WebPImagePlugin.WebPImageFile,
    )
    for reader in readers:
        try:
            with reader(io.BytesIO(data)) as image:
                return str(image.format), (int(image.size[0]), int(image.size[1]))
        except (SyntaxError, OSError, ValueError, IndexError, TypeError, struct.error):
            continue  # not this format (or a header cut short): try the next
    raise InputError(NOT_A_PHOTO, field="photo")


def check_photo_pixels(size: tuple[int, int], limits: PhotoLimits) -> None:
    """TooLarge (field ``photo``) naming width x height and the limit in megapixels."""
    width, height = size
    if width * height > limits.max_pixels:
        raise TooLarge(
            f"{width} x {height} pixels is over the {limits.max_pixels / 1e6:g}-megapixel "
            "limit; send a smaller photo",
            field="photo",
        )


def save_photo(data: bytes, *, folder: Path, limits: PhotoLimits, sent: int | None = None) -> str:
    """Check a photo (``sent`` bytes as uploaded, default ``len(data)``; a JPEG, PNG or WebP
    image within ``limits``), strip its metadata (:func:`strip_metadata`) and keep it under
    ``folder`` named by the SHA-256 of what is kept; returns its reference
    ``report-photos/NAME``. TooLarge / InputError (field ``photo``) otherwise; nothing is
    written then."""
    check_photo_bytes(len(data) if sent is None else sent, limits)
    kind, size = photo_header(data)
    check_photo_pixels(size, limits)
    try:
        data = strip_metadata(data)
    except (OSError, SyntaxError, ValueError) as exc:  # a header fine, the pixels damaged
        raise InputError(
            f"{kind} image damaged or cut short; send it again", field="photo"
        ) from exc
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

    with Image.open(io.BytesIO(data), formats=list(PHOTO_FORMATS)) as image:
        image.verify()  # chunk checksums and structure, before the pixels are decoded
    with Image.open(io.BytesIO(data), formats=list(PHOTO_FORMATS)) as image:
        # a JPEG with a multi-picture index (phones' depth or HDR frames) opens as MPO: its
        # first picture, the photo itself, is kept as a JPEG
        kind = "JPEG" if image.format == "MPO" else str(image.format)
        icc = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
        upright.info = {}  # nothing of the original's info is written again
        options = dict(_SAVE_OPTIONS[kind])
        if icc:
            options["icc_profile"] = icc
        out = io.BytesIO()
        upright.save(out, format=kind, **options)
    return out.getvalue()
