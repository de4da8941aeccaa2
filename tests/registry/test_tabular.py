"""The spreadsheet layout and row checks on their own (ocop.registry.spreadsheets is pure: no database)."""

import codecs
import datetime
import io
import unicodedata
import zipfile

import openpyxl
import pytest
from stdnum import ean

from ocop.registry.spreadsheets.cells import find_header, match_header, parse_date, parse_row
from ocop.registry.spreadsheets.columns import IGNORED, PRODUCERS, PRODUCTS
from ocop.registry.spreadsheets.errors import FileProblem
from ocop.registry.spreadsheets.reading import _fast_xlsx_rows, _openpyxl_rows, detect_format, read_rows
from ocop.registry.spreadsheets.writing import csv_lines, example_record, write_xlsx

PRODUCER_HEADER = ["Mã số thuế", "Tên chủ thể", "Loại hình", "Mã xã", "Người đại diện"]
VALID_TAX = "3901234577"


def csv_bytes(lines: list[list[str]], delimiter=",", encoding="utf-8-sig") -> bytes:
    return "\r\n".join(delimiter.join(cells) for cells in lines).encode(encoding)


def xlsx_bytes(lines: list[list], title="Sheet") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for line in lines:
        sheet.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def check_rows(layout, rows):
    header, errors = find_header(layout, rows)
    assert errors == []
    return [parse_row(layout, header, n, cells) for n, cells in rows if n > header.row]


def one_row(layout, header_cells, cells):
    ((row, errors),) = check_rows(layout, [(1, header_cells), (2, cells)])
    return row, errors


# --- File type, judged by content -----------------------------------------------------------------


@pytest.mark.parametrize(
    "content, code, kind",
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not_spreadsheet", "PNG"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "not_spreadsheet", "JPEG"),
        (b"%PDF-1.7\n", "not_spreadsheet", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "legacy_xls", None),
        (b"abc\x00\x01\x02def", "not_spreadsheet", "binary"),
        (b"", "empty_file", None),
    ],
)
def test_detect_format_refuses_what_is_not_a_spreadsheet(content, code, kind):
    with pytest.raises(FileProblem) as caught:
        detect_format(content)
    assert caught.value.code == code
    if kind:
        assert caught.value.params["type"] == kind


def test_detect_format_looks_inside_a_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    data = buffer.getvalue()
    with pytest.raises(FileProblem) as caught:
        read_rows(data)
    assert caught.value.code == "not_spreadsheet"
    assert detect_format(xlsx_bytes([["a"]]), ["xl/workbook.xml"]) == "xlsx"
    assert detect_format(b"Ma so thue,Ten\r\n") == "csv"


def test_a_binary_renamed_csv_is_refused_even_without_nul_bytes():
    junk = bytes(range(1, 32)) * 40  # control characters, no NUL
    with pytest.raises(FileProblem) as caught:
        read_rows(junk)
    assert caught.value.code == "not_spreadsheet"


def test_a_damaged_xlsx_is_refused():
    data = xlsx_bytes([["a"]])
    with pytest.raises(FileProblem) as caught:
        read_rows(data[: len(data) // 2])
    assert caught.value.code == "bad_xlsx"


def test_empty_csv_and_blank_lines_only_are_empty():
    for data in (b"\xef\xbb\xbf", b"\r\n , \r\n,,\r\n"):
        with pytest.raises(FileProblem) as caught:
            read_rows(data)
        assert caught.value.code == "empty_file"


# --- Reading CSV: encodings and separators --------------------------------------------------------


def test_csv_utf8_with_bom_semicolons_and_nfc():
    decomposed = "Mu\u1ed1i to\u0302m"  # 'ô' typed as o + combining circumflex
    data = csv_bytes([["Tên sản phẩm", "Mã GTIN"], [decomposed, "8935049500018"]], delimiter=";")
    fmt, rows = read_rows(data)
    assert fmt == "csv"
    assert rows[1][1][0] == "Muối tôm"  # composed (NFC), so it matches what the registry stores


def to_cp1258(text: str) -> bytes:
    """As Windows-1258 stores Vietnamese: precomposed letters where it has them, tone marks combining."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += (base + tones).encode("cp1258")
    return out


def test_csv_from_excel_on_vietnamese_windows_cp1258():
    text = "Tên chủ thể\r\nĐặng Thị Ánh\r\n"
    data = to_cp1258(text)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    _fmt, rows = read_rows(data)
    assert rows[1][1] == ["Đặng Thị Ánh"]


def test_csv_unicode_text_from_excel_utf16_tabs():
    data = codecs.BOM_UTF16_LE + "Mã số thuế\tTên chủ thể\r\n0100109106\tHTX Đ\r\n".encode("utf-16-le")
    _fmt, rows = read_rows(data)
    assert rows == [(1, ["Mã số thuế", "Tên chủ thể"]), (2, ["0100109106", "HTX Đ"])]


def test_row_numbers_are_those_excel_shows_and_blank_rows_are_skipped():
    data = csv_bytes([["Tên sản phẩm"], ["A"], [""], ["B"]])
    _fmt, rows = read_rows(data)
    assert [n for n, _c in rows] == [1, 2, 4]


def test_xlsx_cells_become_text_and_real_dates_become_dd_mm_yyyy():
    data = xlsx_bytes(
        [["Ngày quyết định", "Hạng sao", "Mã GTIN"], [datetime.datetime(2024, 3, 12), 4, 8935049500018]]
    )
    _fmt, rows = read_rows(data)
    assert rows[1] == (2, ["12/03/2024", "4", "8935049500018"])


# --- Headers ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, key",
    [
        ("Mã số thuế", "tax_code"),
        ("MÃ SỐ THUẾ *", "tax_code"),
        ("ma so thue", "tax_code"),
        ("tax_code", "tax_code"),
        ("Tax code", "tax_code"),
        ("MST", "tax_code"),
        ("Mã xã", "commune_code"),
        ("Tên xã", "commune_name"),
        ("Loại hình", "producer_type"),
        ("Ngày thành lập (dd/mm/yyyy)", "founded_on"),
        ("STT", IGNORED),
        ("Màu sắc", None),
    ],
)
def test_header_names(text, key):
    assert match_header(PRODUCERS, text) == key


def test_missing_and_unknown_columns_are_named():
    rows = [(1, ["Mã số thuế", "Tên chủ thể", "Màu sắc", "Mã xã"]), (2, [VALID_TAX, "HTX", "đỏ", "25459"])]
    _header, errors = find_header(PRODUCERS, rows)
    codes = {e.code: e for e in errors}
    assert set(codes) == {"missing_columns", "unknown_columns"}
    assert codes["missing_columns"].params["columns"] == ["Loại hình", "Người đại diện"]
    assert "Loại hình" in codes["missing_columns"].column
    assert codes["unknown_columns"].params["columns"] == ["Màu sắc"]
    assert codes["unknown_columns"].row == 1


def test_products_need_the_product_set_or_the_sheet_column():
    rows = [(1, ["Mã số thuế chủ thể", "Tên sản phẩm"]), (2, [VALID_TAX, "Muối tôm"])]
    _header, errors = find_header(PRODUCTS, rows)
    assert [e.code for e in errors] == ["missing_columns"]
    assert errors[0].params["columns"] == ["Bộ sản phẩm / Phiếu đánh giá số"]


def test_a_title_line_above_the_header_is_skipped_and_stt_ignored():
    rows = [
        (1, ["DANH SÁCH CHỦ THỂ OCOP NĂM 2025"]),
        (3, ["STT", *PRODUCER_HEADER]),
        (4, ["1", VALID_TAX, "HTX Đ", "Hợp tác xã", "25459", "Lê Văn Tám"]),
    ]
    header, errors = find_header(PRODUCERS, rows)
    assert errors == []
    assert header.row == 3
    assert header.positions["tax_code"] == 1


def test_repeated_and_headerless_columns_are_errors():
    rows = [(1, ["Mã số thuế", "MST", *PRODUCER_HEADER[1:]]), (2, ["a", "b", "c", "d", "e", "f", "lost"])]
    _header, errors = find_header(PRODUCERS, rows)
    assert {e.code for e in errors} == {"duplicate_columns", "unnamed_columns"}
    assert next(e for e in errors if e.code == "unnamed_columns").params["columns"] == ["G"]


# --- One row ----------------------------------------------------------------------------------------


def producer_row(**cells):
    base = {"Mã số thuế": VALID_TAX, "Tên chủ thể": "HTX Đ", "Loại hình": "Hợp tác xã", "Mã xã": "25459",
            "Người đại diện": "Lê Văn Tám"}  # fmt: skip
    base.update(cells)
    return one_row(PRODUCERS, list(base), list(base.values()))


def test_a_good_producer_row():
    row, errors = producer_row(**{"Ngày thành lập": "5/6/2015", "Năm sinh": "1978", "Giới tính": "nữ"})
    assert errors == []
    assert row.values["producer_type"] == "cooperative"
    assert row.values["founded_on"] == datetime.date(2015, 6, 5)
    assert row.values["representative_birth_year"] == 1978
    assert row.values["representative_gender"] == "female"


@pytest.mark.parametrize(
    "word, stored",
    [("Hợp tác xã", "cooperative"), ("Tổ hợp tác", "cooperative_group"), ("Doanh nghiệp", "enterprise"),
     ("Trang trại", "farm"), ("Hộ kinh doanh", "household"), ("HTX", "cooperative"),
     ("hop tac xa", "cooperative"), ("household", "household")],
)  # fmt: skip
def test_producer_types_accept_the_vietnamese_words(word, stored):
    row, errors = producer_row(**{"Loại hình": word})
    assert errors == [] and row.values["producer_type"] == stored


def test_bad_producer_type_lists_the_allowed_words():
    _row, errors = producer_row(**{"Loại hình": "Công ty cổ phần đa quốc gia"})
    assert [(e.row, e.column, e.value, e.code) for e in errors] == [
        (2, "Loại hình", "Công ty cổ phần đa quốc gia", "choice")
    ]
    assert "Hộ kinh doanh" in errors[0].params["allowed"]


@pytest.mark.parametrize(
    "value, code",
    [
        ("0100109107", "tax_code_check_digit"),
        ("12345", "tax_code"),
        ("abc", "tax_code"),
        ("079123456789", "personal_id_not_household"),
    ],
)
def test_bad_tax_codes(value, code):
    _row, errors = producer_row(**{"Mã số thuế": value})
    assert [(e.column, e.value, e.code) for e in errors] == [("Mã số thuế", value, code)]


def test_tax_codes_are_normalised_and_recover_the_zero_excel_drops():
    assert producer_row(**{"Mã số thuế": "100109106"})[0].values["tax_code"] == "0100109106"
    assert producer_row(**{"Mã số thuế": "0100109106 001"})[0].values["tax_code"] == "0100109106-001"
    row, errors = producer_row(**{"Mã số thuế": "079123456789", "Loại hình": "Hộ kinh doanh"})
    assert errors == [] and row.values["tax_code"] == "079123456789"


def test_commune_code_is_five_digits_and_regains_leading_zeros():
    assert producer_row(**{"Mã xã": "4"})[0].values["commune_code"] == "00004"
    _row, errors = producer_row(**{"Mã xã": "Tân Ninh"})
    assert [(e.column, e.code) for e in errors] == [("Mã xã", "commune_code")]


def test_required_cells_and_number_rules():
    _row, errors = producer_row(
        **{"Người đại diện": "", "Tổng số lao động": "10", "Lao động nữ": "12", "Năm sinh": "1850"}
    )
    assert sorted((e.column, e.code) for e in errors) == [
        ("Người đại diện", "required"),
        ("Năm sinh", "range"),
    ]
    _row, errors = producer_row(**{"Tổng số lao động": "10", "Lao động nữ": "12"})
    assert [(e.column, e.value, e.code, e.params) for e in errors] == [
        ("Lao động nữ", "12", "staff_exceeds_total", {"total": 10})
    ]


@pytest.mark.parametrize("text, date", [("12/03/2024", (2024, 3, 12)), ("2024-03-12", (2024, 3, 12)),
                                        ("1.2.2020", (2020, 2, 1)), ("45363", (2024, 3, 12))])  # fmt: skip
def test_dates(text, date):
    assert parse_date(text) == datetime.date(*date)


@pytest.mark.parametrize("text", ["31/02/2024", "12/2024", "hôm qua"])
def test_bad_dates(text):
    _row, errors = producer_row(**{"Ngày thành lập": text})
    assert [(e.value, e.code) for e in errors] == [(text, "date")]


def test_future_dates_are_refused():
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).strftime("%d/%m/%Y")
    assert [e.code for e in producer_row(**{"Ngày thành lập": tomorrow})[1]] == ["date_future"]


def product(**cells):
    base = {"Mã số thuế chủ thể": VALID_TAX, "Tên sản phẩm": "Muối tôm Tây Ninh", "Bộ sản phẩm": "I.4.b"}
    base.update(cells)
    return one_row(PRODUCTS, list(base), list(base.values()))


def test_gtin_is_checked_and_stored_as_gtin14():
    row, errors = product(**{"Mã GTIN": "8935049500018"})
    assert errors == [] and row.values["gtin"] == "08935049500018"
    assert [e.code for e in product(**{"Mã GTIN": "8935049500019"})[1]] == ["gtin_check_digit"]
    assert [e.code for e in product(**{"Mã GTIN": "89350495"[:7]})[1]] == ["gtin_length"]
    assert [e.code for e in product(**{"Mã GTIN": "893504950001A"})[1]] == ["gtin_length"]


def test_product_set_or_sheet_and_their_agreement():
    assert product(**{"Bộ sản phẩm": "i.3.a"})[0].values["product_set"] == "I.3.a"
    row, errors = product(**{"Bộ sản phẩm": "", "Phiếu đánh giá số": "10"})
    assert errors == [] and row.values["sheet"] == "I.4.b"
    _row, errors = product(**{"Bộ sản phẩm": "I.4.b", "Phiếu đánh giá số": "5"})
    assert [(e.column, e.code, e.params) for e in errors] == [
        ("Phiếu đánh giá số", "sheet_mismatch", {"product_set": "I.4.b"})
    ]
    assert [e.code for e in product(**{"Bộ sản phẩm": "IX.9"})[1]] == ["product_set"]
    assert [e.code for e in product(**{"Bộ sản phẩm": ""})[1]] == ["product_set_required"]
    assert [e.code for e in product(**{"Bộ sản phẩm": "", "Phiếu đánh giá số": "27"})[1]] == ["range"]


def test_a_rating_needs_its_decision():
    row, errors = product(**{"Hạng sao": "4", "Số quyết định": "12/QĐ-UBND", "Ngày quyết định": "12/03/2024"})
    assert errors == [] and row.values["stars"] == 4
    _row, errors = product(**{"Hạng sao": "4", "Số quyết định": "12/QĐ-UBND"})
    assert [(e.column, e.code) for e in errors] == [("Ngày quyết định", "rating_incomplete")]
    assert [e.code for e in product(**{"Hạng sao": "6"})[1]] == ["range"]


# --- Writing ----------------------------------------------------------------------------------------


def test_csv_lines_start_with_a_bom_and_keep_diacritics():
    record = {"producer_tax_code": VALID_TAX, "name_vi": "Bánh tráng phơi sương Trảng Bàng",
              "product_set": "I.3.b", "sheet": "I.3.b",
              "decision_date": datetime.date(2024, 3, 12)}  # fmt: skip
    text = "".join(csv_lines(PRODUCTS, [record]))
    assert text.startswith("\ufeffMã số thuế chủ thể,")
    line = text.splitlines()[1]
    assert "Bánh tráng phơi sương Trảng Bàng" in line and ",6," in line and "12/03/2024" in line


def test_xlsx_template_has_a_guide_sheet_and_its_example_parses():
    buffer = io.BytesIO()
    write_xlsx(PRODUCERS, [example_record(PRODUCERS)], buffer, guide=True)
    workbook = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert workbook.sheetnames == ["Chủ thể", "Hướng dẫn"]
    guide = [row for row in workbook["Hướng dẫn"].iter_rows(values_only=True)]
    types = next(row for row in guide if row[0] == "Loại hình")
    assert "Hợp tác xã" in types[3] and "Hộ kinh doanh" in types[3]
    assert workbook["Chủ thể"]["A2"].value == "3901234577" and workbook["Chủ thể"]["A2"].data_type == "s"
    _fmt, rows = read_rows(buffer.getvalue())
    ((_row, errors),) = check_rows(PRODUCERS, rows)
    assert errors == []


def test_gtin_example_is_valid():
    assert ean.is_valid(next(c.example for c in PRODUCTS.columns if c.key == "gtin"))


def test_the_fast_xlsx_reader_reads_as_openpyxl_does():
    """The lean cell loop (_fast_xlsx_rows) against openpyxl's own reader, on the cell kinds an
    office's file holds: shared and rich-text strings, numbers, dates and times, booleans, gaps."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Mã số thuế", "Tên chủ thể", None, "Ngày thành lập", "Năm sinh", "Có?"])
    sheet.append(["0100109106", "Hợp tác xã Đ", None, datetime.date(2015, 6, 5), 1978, True])
    sheet.append([100109106, CellRichText("Muối ", TextBlock(InlineFont(b=True), "tôm")), 4.5,
                  datetime.datetime(2024, 3, 12, 8, 30), 0.1, False])  # fmt: skip
    sheet["H7"] = "xa"  # a gap of rows and columns
    sheet["B9"] = 8935049500018
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    fast = _fast_xlsx_rows(data)
    reference = _openpyxl_rows(data)
    trimmed = []
    for number, cells in reference:
        while cells and cells[-1] is None:
            cells.pop()
        trimmed.append((number, cells))
    assert [r for r in fast if r[1]] == [r for r in trimmed if r[1]]
    assert fast[2] == (3, ["100109106", "Muối tôm", "4.5", "12/03/2024 08:30", "0.1", "Không"])
    assert fast[1][1][3] == "05/06/2015"


def test_xlsx_written_by_the_export_reads_back_with_diacritics():
    names = ("Bánh tráng phơi sương Trảng Bàng", "Muối tôm Tây Ninh", "Đ")
    records = [{"producer_tax_code": VALID_TAX, "name_vi": name, "product_set": "I.3.a", "sheet": "I.3.a",
                "decision_date": datetime.date(2024, 3, 12)} for name in names]  # fmt: skip
    buffer = io.BytesIO()
    write_xlsx(PRODUCTS, records, buffer)
    _fmt, rows = read_rows(buffer.getvalue())
    assert [cells[2] for _n, cells in rows[1:]] == [
        "Bánh tráng phơi sương Trảng Bàng",
        "Muối tôm Tây Ninh",
        "Đ",
    ]
    assert rows[1][1][-1] == "12/03/2024" and rows[1][1][0] == VALID_TAX


def test_number_messages_name_the_real_fault():
    _row, errors = producer_row(**{"Tổng số lao động": "-3"})
    assert [(e.column, e.code) for e in errors] == [("Tổng số lao động", "negative")]
    _row, errors = producer_row(**{"Mã số thuế": "0100109107"})
    assert [(e.column, e.code) for e in errors] == [("Mã số thuế", "tax_code_check_digit")]
