"""Writing layout records as CSV lines or an XLSX workbook (with a guide sheet), and a template's
example record."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator
from typing import Any

from ocop.core.text import fold
from ocop.criteria.classification import CURRENT_SET, product_set_for_sheet, product_sets

from .cells import _choice, column_letter, parse_date
from .columns import _YES_WORDS, GUIDE_TITLE, NO, YES, Column, Layout

# --- Writing ------------------------------------------------------------------------------------


def _out(column: Column, value: Any, for_xlsx: bool) -> Any:
    if value is None or value == "":
        return None if for_xlsx else ""
    if column.kind == "choice":
        return column.label_of(value)
    if column.kind == "bool":
        return YES if value else NO
    if column.kind == "sheet" and isinstance(value, str):
        found = product_sets(CURRENT_SET).get(value)
        return found.sheet if found else None
    if isinstance(value, datetime.date):
        return value if for_xlsx else value.strftime("%d/%m/%Y")
    if for_xlsx:
        return value
    return str(value)


def row_values(layout: Layout, record: dict[str, Any], for_xlsx: bool = False) -> list[Any]:
    """A record (column key → stored value) as the cells of one line, in the layout's order."""
    return [_out(c, record.get(c.key), for_xlsx) for c in layout.columns]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(layout: Layout, records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """CSV text, line by line, for streaming: UTF-8 with a BOM so that Excel shows the diacritics."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(layout.headers)
    for record in records:
        yield writer.writerow(row_values(layout, record))


def write_xlsx(
    layout: Layout, records: Iterable[dict[str, Any]], target, guide: bool = True, examples: bool = False
) -> None:
    """Write an XLSX to `target` (a path or binary file) in openpyxl's streaming write-only mode.

    Identifier columns are written as text so Excel keeps their leading zeros; a second sheet explains
    each column when `guide` is set.
    """
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(layout.sheet_title)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(layout.columns):
        sheet.column_dimensions[column_letter(index)].width = max(12, min(40, len(column.header) + 6))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FDE7C2")
    head = []
    for column in layout.columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        if column.required:
            cell.fill = fill
        head.append(cell)
    sheet.append(head)
    date_columns = {i for i, c in enumerate(layout.columns) if c.kind == "date"}
    text_columns = {i for i, c in enumerate(layout.columns) if c.text_format}
    for record in records:
        line = row_values(layout, record, for_xlsx=True)
        for i in date_columns:
            if line[i] is not None:
                cell = WriteOnlyCell(sheet, value=line[i])
                cell.number_format = "DD/MM/YYYY"
                line[i] = cell
        for i in text_columns:
            if line[i] is not None:
                cell = WriteOnlyCell(sheet, value=str(line[i]))
                cell.number_format = "@"
                line[i] = cell
        sheet.append(line)
    if guide:
        notes = workbook.create_sheet(GUIDE_TITLE)
        for letter, width in zip("ABCDEF", (28, 26, 10, 40, 60, 60), strict=True):
            notes.column_dimensions[letter].width = width
        wrap = Alignment(wrap_text=True, vertical="top")
        titles = (
            "Cột",
            "Khóa (key)",
            "Bắt buộc",
            "Giá trị cho phép / định dạng",
            "Giải thích",
            "Explanation",
        )
        notes.append([_styled(notes, t, bold) for t in titles])
        for column in layout.columns:
            required = YES if column.required else ("Một trong hai" if column.key in layout.one_of else NO)
            cells = [column.header, column.key, required, column.allowed(), column.help_vi, column.help_en]
            notes.append([_styled(notes, v, None, wrap) for v in cells])
        notes.append([])
        for line in GUIDE_NOTES:
            notes.append([line])
    workbook.save(target)


GUIDE_NOTES = (
    "Dòng đầu tiên là tiêu đề cột; có thể có một dòng tên bảng phía trên. Thứ tự cột không quan trọng.",
    "Ô để trống: khi cập nhật, giữ nguyên giá trị đang có; khi tạo mới, để trống.",
    "Kiểm tra trước (chạy thử) toàn bộ tệp; chỉ ghi khi không còn lỗi nào, và ghi tất cả hoặc không ghi gì.",
    "Empty cells keep the stored value on update. "
    "The whole file is checked first and written all-or-nothing.",
)


def _styled(sheet, value, font=None, alignment=None):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if font:
        cell.font = font
    if alignment:
        cell.alignment = alignment
    return cell


def example_record(layout: Layout, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The example line of a template, as stored values (so that it round-trips through the parser)."""
    record: dict[str, Any] = {}
    for column in layout.columns:
        value = column.example
        if value in ("", None):
            continue
        if column.kind == "choice":
            value = _choice(column, str(value))
        elif column.kind == "bool":
            value = fold(str(value)) in _YES_WORDS
        elif column.kind == "date":
            value = parse_date(str(value))
        elif column.kind == "sheet":
            value = product_set_for_sheet(int(value), CURRENT_SET).code
        record[column.key] = value
    record.update(overrides or {})
    return record
