"""Checking what a single row can tell on its own: which row is the header, and each cell's parsing
and checks (formats, required cells, cross-column rules). Pure: everything that needs the database is
done by the import planning with lookups it loads in bulk.

Errors are returned as `RowError(row, column, value, code, params)`; `row` is the row number the user
sees in Excel (the header row is usually 1), `column` is the header as written in the file."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ocop.core.text import fold
from ocop.criteria.classification import CURRENT_SET, product_set_for_sheet, product_sets
from ocop.registry.identifiers import InvalidIdentifier, normalize_gtin, normalize_tax_code

from .columns import (
    _NO_WORDS,
    _YES_WORDS,
    IGNORED,
    NO,
    PRODUCERS,
    YES,
    Cells,
    Column,
    Layout,
    _bare,
    _header_key,
)
from .errors import RowError


def match_header(layout: Layout, text: str | None) -> str | None:
    """The column key a header names (Vietnamese header, an alias, or the snake_case key), IGNORED for a
    running-number or notes column, or None."""
    if not text:
        return None
    exact, bare = layout.header_index
    key = _header_key(text)
    return exact.get(key) or exact.get(key.replace(" ", "_")) or bare.get(_bare(key))


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Header:
    row: int
    positions: dict[str, int]  # column key → 0-based cell index
    labels: dict[str, str]  # column key → header as written in the file


def find_header(layout: Layout, rows: list[tuple[int, Cells]]) -> tuple[Header, list[RowError]]:
    """The header row (the first of the first ten rows that names at least two known columns, so a
    title line above the table is skipped) and the problems with it: missing, unknown or repeated columns."""
    chosen = 0
    for i, (_number, cells) in enumerate(rows[:10]):
        if sum(1 for c in cells if match_header(layout, c) not in (None, IGNORED)) >= 2:
            chosen = i
            break
    number, cells = rows[chosen]
    header = Header(number, {}, {})
    errors: list[RowError] = []
    unknown, repeated = [], []
    for index, text in enumerate(cells):
        key = match_header(layout, text)
        if key is None:
            if text is not None:
                unknown.append(text)
            continue
        if key == IGNORED:
            continue
        if key in header.positions:
            repeated.append(text or "")
            continue
        header.positions[key] = index
        header.labels[key] = text or ""
    # Data under a column without a header would be silently lost: name such columns.
    headless = {i for i, text in enumerate(cells) if text is None}
    unnamed: set[int] = set()
    for _n, data in rows[chosen + 1 :]:
        if len(data) > len(cells):
            unnamed.update(i for i in range(len(cells), len(data)) if data[i] is not None)
        unnamed.update(i for i in headless if i < len(data) and data[i] is not None)
    unnamed = sorted(unnamed)
    missing = [c.header for c in layout.columns if c.required and c.key not in header.positions]
    if layout.one_of and not any(k in header.positions for k in layout.one_of):
        missing.append(" / ".join(layout.column(k).header for k in layout.one_of))
    if missing:
        errors.append(RowError(number, ", ".join(missing), "", "missing_columns", {"columns": missing}))
    if unknown:
        errors.append(
            RowError(
                number,
                ", ".join(unknown),
                ", ".join(unknown),
                "unknown_columns",
                {"columns": unknown, "expected": layout.headers},
            )
        )
    if repeated:
        errors.append(RowError(number, ", ".join(repeated), "", "duplicate_columns", {"columns": repeated}))
    if unnamed:
        letters = [column_letter(i) for i in unnamed]
        errors.append(RowError(number, ", ".join(letters), "", "unnamed_columns", {"columns": letters}))
    return header, errors


# --- Checking one row ---------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/.]+(\.[^\s/.]+)+(/\S*)?$", re.IGNORECASE)
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_date(text: str) -> datetime.date:
    """dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd), or an Excel day number."""
    text = text.split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if text.isdigit() and 1 <= int(text) <= 2_958_465:  # a date cell Excel shows as a number
        return _EXCEL_EPOCH + datetime.timedelta(days=int(text))
    raise ValueError(text)


def _int(text: str) -> int:
    """A whole number, negative ones included (the column's range then names the fault)."""
    cleaned = text.replace(" ", "").replace("\u2212", "-")  # a typographic minus, as word processors write it
    if re.fullmatch(r"-?\d+(\.0+)?", cleaned):
        return int(cleaned.split(".")[0])
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", cleaned):  # 1.200 or 1,200
        return int(re.sub(r"[.,]", "", cleaned))
    raise ValueError(text)


def _choice(column: Column, text: str) -> str | None:
    key = fold(text)
    for stored, label, aliases in column.choices:
        if key in (fold(label), stored, stored.replace("_", " ")) or key in aliases:
            return stored
    return None


def _digits(text: str) -> str:
    return re.sub(r"[\s.]", "", text)


def parse_cell(column: Column, text: str, allow_personal_id: bool = False) -> Any:
    """The value of one non-empty cell, or raise CellError(code, params)."""
    kind = column.kind
    if kind in ("text", "longtext"):
        value = text if kind == "longtext" else " ".join(text.split())
        if column.max_length and len(value) > column.max_length:
            raise CellError("too_long", max=column.max_length)
        return value
    if kind == "tax_code":
        value = _tax_code(text, allow_personal_id)  # cached: a file names each producer many times
        if value.startswith("!"):
            raise CellError(value[1:])
        return value
    if kind == "gtin":
        return _gtin(text)
    if kind == "commune_code":
        raw = _digits(text)
        if not re.fullmatch(r"\d{1,5}", raw):
            raise CellError("commune_code")
        return raw.zfill(5)
    if kind == "phone":
        raw = text.strip()
        if re.fullmatch(r"\d{9}", raw) and raw[0] != "0":
            raw = "0" + raw
        if len(raw) > (column.max_length or 20):
            raise CellError("too_long", max=column.max_length)
        return raw
    if kind == "email":
        if not _EMAIL.match(text) or len(text) > (column.max_length or 254):
            raise CellError("email")
        return text
    if kind == "url":
        value = text if re.match(r"^https?://", text, re.IGNORECASE) else "https://" + text
        if not _URL.match(value) or len(value) > (column.max_length or 200):
            raise CellError("url")
        return value
    if kind == "date":
        try:
            value = parse_date(text)
        except ValueError as exc:
            raise CellError("date") from exc
        if value > datetime.date.today():
            raise CellError("date_future")
        return value
    if kind in ("int", "year", "sheet", "stars"):
        try:
            number = _int(text)
        except ValueError as exc:
            raise CellError("integer") from exc
        low, high = {
            "int": (0, None),
            "year": (column.minimum, column.maximum),
            "sheet": (1, 26),
            "stars": (1, 5),
        }[kind]
        if high is None and low is not None and number < low:
            raise CellError("negative") if low == 0 else CellError("at_least", min=low)
        if (low is not None and number < low) or (high is not None and number > high):
            raise CellError("range", min=low, max=high)
        if kind == "sheet":
            found = product_set_for_sheet(number, CURRENT_SET)
            if found is None:
                raise CellError("range", min=1, max=26)
            return found.code
        return number
    if kind == "choice":
        value = _choice(column, text)
        if value is None:
            raise CellError("choice", allowed=[label for _s, label, _a in column.choices])
        return value
    if kind == "bool":
        key = fold(text)
        if key in _YES_WORDS:
            return True
        if key in _NO_WORDS:
            return False
        raise CellError("choice", allowed=[YES, NO])
    if kind == "product_set":
        sets = product_sets(CURRENT_SET)
        wanted = text.replace(" ", "").rstrip(".")
        for code in sets:
            if code.lower() == wanted.lower():
                return code
        raise CellError("product_set")
    raise AssertionError(f"unknown column kind {kind}")


@lru_cache(maxsize=65536)
def _tax_code(text: str, allow_personal_id: bool) -> str:
    """The canonical tax code, or '!' and the error code."""
    raw = _digits(text)
    if re.fullmatch(r"\d{9}", raw) or (allow_personal_id and re.fullmatch(r"\d{11}", raw)):
        raw = "0" + raw  # Excel drops a leading zero when the column is a number
    try:
        return normalize_tax_code(raw, allow_personal_id=allow_personal_id)
    except InvalidIdentifier as exc:
        if not allow_personal_id and re.fullmatch(r"\d{12}", raw):
            return "!personal_id_not_household"
        return f"!{exc}"


def _gtin(text: str) -> str:
    """identifiers.normalize_gtin, with the usual case (only digits, a right length) checked inline:
    a products file holds one GTIN per row, and python-stdnum's general cleaning is the slow part."""
    if text.isdigit() and len(text) in (8, 12, 13, 14) and text.isascii():
        digits = [int(c) for c in text]
        weighted = sum(d * (3 if i % 2 else 1) for i, d in enumerate(reversed(digits[:-1]), start=1))
        if (10 - weighted % 10) % 10 != digits[-1]:
            raise CellError("gtin_check_digit")
        return text.zfill(14)
    try:
        return normalize_gtin(text)
    except InvalidIdentifier as exc:
        raise CellError(str(exc)) from exc


class CellError(ValueError):
    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class ParsedRow:
    number: int
    values: dict[str, Any]  # column key → parsed value, only for non-empty cells
    raw: dict[str, str]  # column key → text as found

    def text(self, key: str) -> str:
        return self.raw.get(key, "")

    def to_json(self) -> list:
        """A JSON-safe form (dates as ISO text), to keep checked rows between the dry run and the write."""
        values = {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in self.values.items()}
        return [self.number, values, self.raw]

    @classmethod
    def from_json(cls, layout: Layout, data: list) -> ParsedRow:
        number, values, raw = data
        for key, value in values.items():
            if layout.column(key).kind == "date":
                values[key] = datetime.date.fromisoformat(value)
        return cls(number, values, raw)


def parse_row(layout: Layout, header: Header, number: int, cells: Cells) -> tuple[ParsedRow, list[RowError]]:
    """Check one data row on its own: formats, required cells, cross-column rules."""
    raw: dict[str, str] = {}
    for key, index in header.positions.items():
        value = cells[index] if index < len(cells) else None
        if value is not None and value.strip():
            raw[key] = value
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    labels = header.labels
    household = False
    if layout is PRODUCERS and "producer_type" in raw:
        household = _choice(layout.column("producer_type"), raw["producer_type"]) == "household"
    for column in layout.columns:
        text = raw.get(column.key)
        if text is None:
            if column.required:
                errors.append(RowError(number, labels.get(column.key, column.header), "", "required"))
            continue
        allow_personal = household if column.key == "tax_code" else column.key == "producer_tax_code"
        try:
            values[column.key] = parse_cell(column, text, allow_personal_id=allow_personal)
        except CellError as exc:
            errors.append(RowError(number, labels.get(column.key, column.header), text, exc.code, exc.params))
    if layout.row_check and not errors:
        for key, value, code, params in layout.row_check(values, labels):
            errors.append(RowError(number, labels.get(key, layout.column(key).header), value, code, params))
    return ParsedRow(number, values, raw), errors
