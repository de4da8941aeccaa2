"""Reading an XLSX or CSV file into rows of cell texts: the type judged by the content, the text
encoding and delimiter of a CSV, a fast path through the XLSX XML. Pure: no Django."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from .columns import NO, YES, Cells
from .errors import FileProblem

# --- Reading a file -----------------------------------------------------------------------------

MAX_UNZIPPED_BYTES = 300 * 1024 * 1024

_MAGIC = (
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"%PDF", "PDF"),
    (b"\x1f\x8b", "GZIP"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7Z"),
    (b"RIFF", "RIFF"),
    (b"\x7fELF", "ELF"),
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def detect_format(data: bytes | memoryview, names: Iterable[str] | None = None) -> str:
    """'xlsx' or 'csv', judged by the content (never by the file name); FileProblem otherwise.

    `data` is the start of the file (a few KB are enough); for a zip, `names` are its members.
    """
    head = bytes(data[:16])
    if not head:
        raise FileProblem("empty_file")
    if head.startswith(b"PK"):
        if names is None:
            return "xlsx"
        names = set(names)
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "mimetype" in names or "content.xml" in names:
            raise FileProblem("ods")
        raise FileProblem("not_spreadsheet", type="ZIP")
    if head.startswith(_OLE):
        raise FileProblem("legacy_xls")
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise FileProblem("not_spreadsheet", type=kind)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    if b"\x00" in bytes(data[:8192]):
        raise FileProblem("not_spreadsheet", type="binary")
    return "csv"


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileProblem("bad_encoding") from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Excel's plain "CSV" on a Vietnamese Windows is Windows-1258 (tone marks as combining marks).
            try:
                text = data.decode("cp1258")
            except UnicodeDecodeError as exc:
                raise FileProblem("bad_encoding") from exc
    if _CONTROL.search(text):
        raise FileProblem("not_spreadsheet", type="binary")
    return text


def _delimiter(text: str) -> str:
    """The separator of the first line that has one. Excel writes ';' where the decimal mark is a comma
    (as in Vietnamese settings) and a tab for "Unicode text"."""
    for line in text[:65536].splitlines()[:10]:
        counts = {d: line.count(d) for d in (",", ";", "\t")}
        best = max(counts, key=lambda d: counts[d])
        if counts[best]:
            return best
    return ","


def _text(value: str) -> str | None:
    value = unicodedata.normalize("NFC", value).strip()
    return value or None


def cell_text(value: Any) -> str | None:
    """An XLSX cell as the text a user would see: dates as dd/mm/yyyy, whole numbers without '.0'."""
    if value is None:
        return None
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return _text(str(value))


def _read_csv(data: bytes) -> Iterator[tuple[int, Cells]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        for number, record in enumerate(reader, start=1):
            yield number, [_text(v) for v in record]
    except csv.Error as exc:
        raise FileProblem("bad_csv", detail=str(exc)) from exc


def _read_xlsx(data: bytes, max_unzipped: int) -> list[tuple[int, Cells]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileProblem("bad_xlsx") from exc
    detect_format(data, [i.filename for i in infos])
    if sum(i.file_size for i in infos) > max_unzipped:
        raise FileProblem("bad_xlsx")  # a zip bomb or something no office fills in by hand
    try:
        try:
            return _fast_xlsx_rows(data)
        except _NotFast:
            return _openpyxl_rows(data)
    except FileProblem:
        raise
    except Exception as exc:  # openpyxl and the XML parser raise many kinds on a damaged file
        raise FileProblem("bad_xlsx") from exc


def _openpyxl_rows(data: bytes) -> list[tuple[int, Cells]]:
    """The first sheet through openpyxl's public read-only API (the reference the fast reader follows)."""
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if not workbook.worksheets:
            raise FileProblem("empty_file")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong <dimension>; read what is there
        values = enumerate(sheet.iter_rows(values_only=True), start=1)
        return [(n, [cell_text(v) for v in row]) for n, row in values]
    finally:
        workbook.close()


class _NotFast(Exception):
    """The lean reader met something it leaves to openpyxl's own (slower) reader."""


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _INLINE, _TEXT, _RUN = (_NS + t for t in ("row", "c", "v", "is", "t", "r"))


def _column_index(reference: str) -> int:
    index = 0
    for ch in reference:
        if "A" <= ch <= "Z":
            index = index * 26 + ord(ch) - 64
        else:
            break
    return index


def _fast_xlsx_rows(data: bytes) -> list[tuple[int, Cells]]:
    """The first sheet's cells as text, about three times faster than openpyxl's read-only mode.

    openpyxl reads the package — content types, shared strings, workbook, styles (date formats) —
    through the same steps as `openpyxl.load_workbook` but without opening every worksheet (which, in
    read-only mode, parses a sheet that lacks a <dimension> element once just to size it). The cells
    are then read with the standard library's XML parser, with openpyxl's conversions: shared and
    inline strings, numbers, booleans, dates by cell style, ISO dates. Anything unexpected in those
    steps is left to `_openpyxl_rows` (_NotFast).
    """
    from xml.etree.ElementTree import iterparse

    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.utils.datetime import from_excel, from_ISO8601

    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        paths = [
            rel.target
            for _sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in (rel.Type or "")
        ]
        shared = reader.shared_strings
        workbook = reader.wb
        date_styles, duration_styles = workbook._date_formats, workbook._timedelta_formats
        epoch = workbook.epoch
    except (AttributeError, TypeError, ImportError) as exc:
        raise _NotFast from exc
    if not paths:
        raise FileProblem("empty_file")
    rows: list[tuple[int, Cells]] = []
    row_number = 0
    with reader.archive.open(paths[0]) as source:
        # As openpyxl does without defusedxml: expat (>= 2.4) caps producer expansion and ElementTree
        # never fetches external producers; the archive's unpacked size is capped before this.
        for _event, element in iterparse(source):  # noqa: S314
            if element.tag != _ROW:
                continue
            row_number = int(float(element.get("r"))) if element.get("r") else row_number + 1
            cells: Cells = []
            column = 0
            for cell in element:
                if cell.tag != _CELL:
                    continue
                reference = cell.get("r")
                column = _column_index(reference) if reference else column + 1
                kind = cell.get("t", "n")
                value: Any = None
                if kind == "inlineStr":
                    inline = cell.find(_INLINE)
                    if inline is not None:  # plain text or rich-text runs; phonetic runs left out
                        value = "".join(
                            (part.text or "") if part.tag == _TEXT else (part.findtext(_TEXT) or "")
                            for part in inline
                            if part.tag in (_TEXT, _RUN)
                        )
                else:
                    text = cell.findtext(_VALUE)
                    if text:
                        if kind == "s":
                            value = shared[int(text)]
                        elif kind == "n":
                            value = float(text) if any(c in text for c in ".eE") else int(text)
                            style = int(cell.get("s", 0))
                            if style in date_styles:
                                try:
                                    value = from_excel(value, epoch, timedelta=style in duration_styles)
                                except (OverflowError, ValueError):
                                    value = "#VALUE!"
                        elif kind == "b":
                            value = bool(int(text))
                        elif kind in ("str", "e"):
                            value = text
                        elif kind == "d":
                            value = from_ISO8601(text)
                        else:
                            raise _NotFast(kind)
                if value is not None:
                    cells.extend([None] * (column - 1 - len(cells)))
                    cells.append(cell_text(value))
            element.clear()
            rows.append((row_number, cells))
    return rows


def read_rows(data: bytes, max_unzipped: int = MAX_UNZIPPED_BYTES) -> tuple[str, list[tuple[int, Cells]]]:
    """(format, [(row number, cells)]) for every non-empty row of the first sheet or of the CSV file."""
    fmt = detect_format(data)
    reader = _read_xlsx(data, max_unzipped) if fmt == "xlsx" else _read_csv(data)
    rows = []
    for number, cells in reader:
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            rows.append((number, cells))
    if not rows:
        raise FileProblem("empty_file")
    return fmt, rows
