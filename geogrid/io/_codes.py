"""Codes and ids read as text, and codes a file format shortened refused.

A Shapefile keeps attributes in a DBF: a numeric field (``N``/``F``) turns a 12-digit code into
a number (leading zeros gone, a float such as ``370212001001.0``), and a text field narrower
than the code (``C`` of width 10) cuts it. Both happen silently in the GIS that wrote the file.
Codes are read as text here, and a hierarchical code with fewer digits than its level has
(district 6, street 9, community 12) is refused when the column's type or width explains it,
naming the file, the column and what to do. Other wrong codes are left to the NBS-code checks.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pandas as pd

from geogrid.errors import InputError
from geogrid.io._zipnames import open_zip

DBF_FIELDS_ATTR: Final = "dbf_fields"
"""Key of ``frame.attrs`` where the Shapefile reader keeps the DBF's field definitions."""
_DIGITS: Final = {"district_code": 6, "street_code": 9}
_CODE_DIGITS: Final = {"districts": 6, "streets": 9, "communities": 12}


@dataclass(frozen=True)
class DbfField:
    """One DBF field definition: type letter (C text, N/F number, ...), width, decimals."""

    kind: str
    width: int
    decimals: int


def dbf_fields(shapefile: Path, member: str | None = None) -> dict[str, DbfField]:
    """The field definitions of a Shapefile's DBF (``.shp`` beside it, or in a ``.zip``: that of
    ``member``, the .shp in it, when given), by field name; empty when there is no DBF or it
    cannot be read (GDAL then says what is wrong)."""
    try:
        if shapefile.suffix.lower() == ".zip":
            with open_zip(shapefile) as archive:
                names = {name.lower(): name for name in archive.namelist()}
                wanted = member[:-4].lower() + ".dbf" if member else None
                dbfs = [
                    n
                    for k, n in names.items()
                    if k == wanted or (not wanted and k.endswith(".dbf"))
                ]
                header = archive.read(dbfs[0])[:65536] if dbfs else b""
        else:
            dbf = shapefile.with_suffix(".dbf")
            dbf = dbf if dbf.exists() else shapefile.with_suffix(".DBF")
            header = dbf.read_bytes()[:65536] if dbf.exists() else b""
    except (OSError, zipfile.BadZipFile, KeyError):
        return {}
    return _parse_header(header)


def _parse_header(header: bytes) -> dict[str, DbfField]:
    if len(header) < 32:
        return {}
    (header_size,) = struct.unpack("<H", header[8:10])
    fields: dict[str, DbfField] = {}
    for start in range(32, min(header_size, len(header)) - 31, 32):
        entry = header[start : start + 32]
        if entry[0] == 0x0D:
            break
        name = entry[:11].split(b"\0", 1)[0].decode("latin-1")  # unique; readers re-keys it
        fields[name] = DbfField(chr(entry[11]), entry[16], entry[17])
    return fields


def as_text(values: pd.Series) -> pd.Series:
    """Codes and ids as text: numbers read as 370212001.0 (CSV, DBF) lose the ``.0``."""

    def one(value: object) -> object:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return None
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        text = str(value).strip()
        return text or None

    return values.map(one).astype(object)


def codes_as_text(
    out: pd.DataFrame,
    source: pd.DataFrame,
    chosen: Mapping[str, str],
    *,
    layer: str,
    id_field: str,
    file: str,
) -> None:
    """Turn ``out``'s code and id fields (schema field -> ``chosen`` source column) into text,
    in place (a number that kept every digit loses nothing as text).

    Raises InputError (file, column) when a hierarchical code has fewer digits than its level
    and the column is numeric or a DBF text field too narrow for the code.
    """
    dbf: Mapping[str, DbfField] = source.attrs.get(DBF_FIELDS_ATTR, {})
    for name, column in chosen.items():
        if not (name == id_field or name.endswith(("_code", "_id"))):
            continue
        numeric = pd.api.types.is_numeric_dtype(source[column]) or (
            column in dbf and dbf[column].kind in "NF"
        )
        out[name] = as_text(out[name])
        digits = _CODE_DIGITS.get(layer) if name == "code" else _DIGITS.get(name)
        if digits is not None:
            _refuse_shortened(out[name], column, digits, dbf.get(column), numeric, file=file)


def _refuse_shortened(
    codes: pd.Series,
    column: str,
    digits: int,
    field: DbfField | None,
    numeric: bool,
    *,
    file: str,
) -> None:
    narrow = field is not None and field.kind == "C" and field.width < digits
    if not (numeric or narrow):
        return
    short = codes.notna() & codes.astype(str).str.fullmatch(r"\d+") & (codes.str.len() < digits)
    if not short.any():
        return
    first = str(codes[short].iloc[0])
    if narrow:
        assert field is not None
        cause = f"its DBF text field is {field.width} characters wide, so longer codes were cut"
    else:
        kind = f" (DBF {field.kind} {field.width}.{field.decimals})" if field else ""
        cause = f"it holds numbers{kind}, which drop leading zeros and digits"
    raise InputError(
        f"{int(short.sum())} code(s) have fewer than {digits} digits (first {first}): {cause}; "
        f"re-export {column} as a text field at least {digits} characters wide (or as "
        "GeoPackage/GeoJSON) and import again",
        file=file,
        field=column,
    )
