"""The names of a zip's members as their maker meant them.

A zip marks UTF-8 names with flag 0x800; without it the names are in the maker's code page,
which zip readers take as CP437 (DOS). Zips made on Chinese Windows hold GBK names, and Info-ZIP
writes UTF-8 without the flag: read as CP437 either becomes 房屋 -> "╖┐╬▌", and a layer named
房屋 is no longer known as buildings. Names without the flag are read here as UTF-8 when every
one of them is valid UTF-8, else as GB18030, by Python (``open_zip``) and GDAL (``gdal_names``)
alike, so that the member a listing names is the member a read opens.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyogrio

_UTF8_FLAG = 0x800


def names_encoding(path: Path) -> str:
    """The encoding of the names of ``path``'s members that lack the UTF-8 flag: UTF-8 when
    all of them are valid UTF-8 (plain ASCII too), else GB18030.

    Raises zipfile.BadZipFile or OSError as :class:`zipfile.ZipFile` does."""
    with zipfile.ZipFile(path) as archive:
        raw = [
            # zipfile decoded them as CP437, which maps every byte: this gives the bytes back
            info.filename.encode("cp437")
            for info in archive.infolist()
            if not info.flag_bits & _UTF8_FLAG
        ]
    try:
        for name in raw:
            name.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def open_zip(path: Path) -> zipfile.ZipFile:
    """``path`` opened with its names decoded as :func:`names_encoding` finds them."""
    return zipfile.ZipFile(path, metadata_encoding=names_encoding(path))


@contextmanager
def gdal_names(path: Path) -> Iterator[None]:
    """GDAL's /vsizip/ reading the names of ``path`` (when it is a zip) as :func:`open_zip`
    does, for the time of the block: the option is GDAL's, for the whole process."""
    if path.suffix.lower() != ".zip" or not path.is_file():
        yield
        return
    try:
        encoding = names_encoding(path)
    except (zipfile.BadZipFile, OSError):
        yield  # GDAL says what is wrong with the file
        return
    before = pyogrio.get_gdal_config_option("CPL_ZIP_ENCODING")
    pyogrio.set_gdal_config_options({"CPL_ZIP_ENCODING": encoding.upper()})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"CPL_ZIP_ENCODING": before})
