"""Text files as tables: decoding (UTF-8, else GB18030, or a declared encoding) and strict CSV.

Shared by the layer reader (CSV with WKT or lon/lat), the staff registry and the incident
sheets, so that each refuses the same faults in the same words:

- text that decodes as GB18030 but is not Chinese as GBK writes it (a Big5 file from Taiwan or
  Hong Kong decodes as GB18030 without an error, into rare characters: silently garbled);
- a row with more cells than the header (pandas would take the first cells as the row's index
  and shift every value one column left).

The delimiter is detected (Excel in Chinese and European locales saves ``;``-separated "CSV",
tab-separated text is common too) and kept in ``frame.attrs["delimiter"]`` for the report.
"""

from __future__ import annotations

import csv
import io
from typing import Final

import pandas as pd

from geogrid.errors import InputError

FALLBACK_ENCODINGS: Final = ("utf-8-sig", "gb18030")
# Share of the Chinese characters outside GB2312 (the 6,763 characters of everyday simplified
# Chinese) above which GB18030 text is taken to be another encoding. Real GBK sheets hold a few
# rare characters in names (under 5 % in practice); Big5 read as GB18030 gives about half.
_RARE_SHARE: Final = 0.3
_MIN_CHINESE: Final = 4
DELIMITERS: Final = (",", ";", "\t", "|")
DELIMITER_NAMES: Final = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def decode_bytes(raw: bytes, encoding: str | None, *, file: str) -> tuple[str, str]:
    """Text of ``raw`` (UTF-8 with or without BOM, else GB18030, unless ``encoding``) and the
    encoding used ("utf-8" for both UTF-8 forms).

    Raises
    ------
    InputError
        No candidate decodes it, the encoding is unknown, or the GB18030 guess reads as garble;
        the message says to declare the encoding with ``--encoding``.
    """
    candidates = (encoding,) if encoding else FALLBACK_ENCODINGS
    for candidate in candidates:
        try:
            text = raw.decode(candidate)
        except UnicodeDecodeError:
            continue
        except LookupError as exc:
            raise InputError(f"unknown encoding {candidate!r}", file=file) from exc
        if encoding is None and candidate == "gb18030" and not plausible_gbk(text):
            raise InputError(
                "the text decodes as GB18030 only into rare characters, so it is in another "
                "encoding; declare it with --encoding (e.g. big5 for Taiwan or Hong Kong files)",
                file=file,
            )
        return text.removeprefix("\ufeff"), "utf-8" if candidate == "utf-8-sig" else candidate
    tried = " or ".join(c.removesuffix("-sig") for c in candidates)
    raise InputError(
        f"the text is not in {tried}; declare its encoding with --encoding (e.g. big5, utf-16)",
        file=file,
    )


def plausible_gbk(text: str) -> bool:
    """Whether GB18030-decoded ``text`` reads as Chinese: most of its Chinese characters are in
    GB2312 (private-use code points count as rare). A text with only a few Chinese characters
    passes (too little to judge)."""
    # GB18030 maps byte pairs it has no character for into the private use area: never text
    chinese = [c for c in text if "\u4e00" <= c <= "\u9fff" or "\ue000" <= c <= "\uf8ff"]
    if len(chinese) < _MIN_CHINESE:
        return True
    rare = sum(1 for c in chinese if not _in_gb2312(c))
    return rare / len(chinese) <= _RARE_SHARE


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def csv_table(text: str, *, file: str | None = None) -> pd.DataFrame:
    """Every cell as text (nothing converted), empty cells missing; the delimiter detected
    (see :func:`detect_delimiter`) is in ``frame.attrs["delimiter"]``.

    Raises
    ------
    InputError
        The text is empty, not CSV, or a row has more cells than the header (named by its line).
    """
    if not text.strip():
        raise InputError("the file is empty; nothing to import", file=file)
    delimiter = detect_delimiter(text)
    _check_row_lengths(text, delimiter, file=file)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            index_col=False,
        )
    except (ValueError, pd.errors.ParserError) as exc:
        reason = str(exc).splitlines()[0][:160]
        raise InputError(f"cannot read CSV ({reason})", file=file) from exc
    frame.attrs["delimiter"] = delimiter
    return frame


def detect_delimiter(text: str) -> str:
    """The delimiter of a CSV text: of ``, ; tab |``, the one that splits the header into the
    most cells (ties go to the comma, then in that order). Judged on the header because any
    value may hold any of them (a WKT polygon holds commas, a description semicolons); a row
    that then has more cells than the header is refused by :func:`csv_table`, naming its line.
    A text no candidate splits is one column, read with commas."""
    best, best_cells = ",", 1
    for delimiter in DELIMITERS:
        try:
            header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(header) > best_cells:
            best, best_cells = delimiter, len(header)
    return best


def _check_row_lengths(text: str, delimiter: str, *, file: str | None) -> None:
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(rows, [])
    for row in rows:
        if len(row) > len(header):
            raise InputError(
                f"line {rows.line_num} has {len(row)} cells but the header only "
                f"{len(header)}: a value holds an unquoted comma, or the header lacks a column",
                file=file,
            )
