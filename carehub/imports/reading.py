"""Reading a sheet as stations keep it: CSV (UTF-8 or GBK) or XLSX, title and notes lines around the
header, totals and blank lines at the end. Text cells are NFKC-normalised here, so full-width digits
and letters (１３８, ＡＢ) arrive as ASCII whatever the domain does next.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask import current_app

from carehub.imports.problems import FileError

MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 15  # title, "填报单位:", dates and notes lines often sit above the header
_TOTALS = re.compile(r"^(合计|总计|小计|共计|总数|total\b)", re.IGNORECASE)
_NOTES = re.compile(r"^(备注|说明|注|填表人|制表人|审核人|负责人|填报日期|制表日期|填报单位)[:：]?")

Row = tuple[int, list[Any]]  # (row number as the spreadsheet shows it, cells)


def read_table(filename: str, data: bytes) -> list[Row]:
    """The first sheet as numbered rows of cleaned cells; refuses what it cannot read."""
    if not data:
        raise FileError("file_empty")
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 10 * 1024 * 1024
    if len(data) > limit:
        raise FileError("file_too_large", mb=limit // (1024 * 1024))
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if ext == "xls" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileError("file_xls")
    if ext not in ("csv", "txt", "") or b"\x00" in data[:4096]:
        raise FileError("file_type")
    return _read_csv(data)


def clean(value: Any) -> Any:
    """A cell as the importer sees it: text NFKC-normalised and stripped, empty text as None."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFKC", value).strip()
        return value or None
    return value


def filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def is_totals_or_note(cells: list[Any]) -> bool:
    """A 合计/总计 line or a notes line ("备注：…", "填表人：…"): neither a record nor an error."""
    first = next((str(c) for c in cells if filled(c)), "")
    squeezed = re.sub(r"\s+", "", first)
    if _TOTALS.match(squeezed):
        return True
    return sum(filled(c) for c in cells) == 1 and bool(_NOTES.match(squeezed))


def _read_csv(data: bytes) -> list[Row]:
    text = _decode(data)
    sample = text[:4096]
    delimiter = max(",;\t", key=sample.count) if sample else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _capped(enumerate(reader, start=1))
    except csv.Error:
        raise FileError("file_unreadable") from None


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB 18030, the superset of the GBK Excel writes in China."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError("file_unreadable")


def _read_xlsx(data: bytes) -> list[Row]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FileError("file_unreadable") from None
    try:
        return _capped(_numbered(book.worksheets[0].iter_rows()))
    except Exception:  # a damaged sheet fails in many ways (XML, zip, values); all mean the same
        raise FileError("file_unreadable") from None
    finally:
        book.close()


def _numbered(rows) -> Iterator[Row]:
    number = 0
    for cells in rows:
        number = next((c.row for c in cells if getattr(c, "row", None)), number + 1)
        yield number, [c.value for c in cells]


def _capped(rows: Iterable[tuple[int, list[Any]]]) -> list[Row]:
    """The cleaned rows until it is clear there are too many (a 10 MB XLSX may hold millions)."""
    limit = MAX_ROWS + HEADER_SEARCH_ROWS + 1
    kept, count = [], 0
    for number, cells in rows:
        cleaned = [clean(c) for c in cells]
        kept.append((number, cleaned))
        count += any(filled(c) for c in cleaned)
        if count >= limit:
            break
    return kept


@dataclass
class Header:
    row: int
    columns: dict[str, tuple[int, str]]  # column key -> (index, header as written)
    ignored: list[str]

    def has(self, key: str) -> bool:
        return key in self.columns

    def written(self, key: str) -> str | None:
        return self.columns[key][1] if key in self.columns else None
