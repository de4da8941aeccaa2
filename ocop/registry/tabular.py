"""The spreadsheet layout of producers and products, and reading, checking and writing such files.

Pure: no Django import, so the rules can be tested directly and reused by the import service
(ocop.registry.importer), the export views and the benchmark. Everything that needs the database
(communes, existing producers and products, the user's province) is done by the importer with lookups
it loads in bulk; this module checks what a single row can tell on its own.

Errors are returned as `RowError(row, column, value, code, params)`; the importer turns `code` into a
translated sentence. `row` is the row number the user sees in Excel (the header row is usually 1),
`column` is the header as written in the file.

The documented layout is docs/import-format.md; keep the two in step.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from ocop.core.text import fold
from ocop.criteria.classification import CURRENT_SET, product_set_for_sheet, product_sets
from ocop.registry.identifiers import InvalidIdentifier, normalize_gtin, normalize_tax_code

# --- Errors -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem: where it is (row, column as written in the file), the value found, and why."""

    row: int | None
    column: str
    value: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "params": self.params,
        }


class FileProblem(ValueError):
    """The file as a whole cannot be read as a table (wrong type, empty, damaged…)."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params

    def as_error(self) -> RowError:
        return RowError(None, "", "", self.code, self.params)


# --- Column layout ------------------------------------------------------------------------------

PRODUCER_TYPES = (
    ("cooperative", "Hợp tác xã", ("htx",)),
    ("cooperative_group", "Tổ hợp tác", ("tht",)),
    ("enterprise", "Doanh nghiệp", ("dn", "cong ty", "doanh nghiep nho va vua")),
    ("farm", "Trang trại", ()),
    ("household", "Hộ kinh doanh", ("hkd", "ho kinh doanh ca the", "ho san xuat")),
)
GENDERS = (
    ("female", "Nữ", ()),
    ("male", "Nam", ()),
    ("other", "Khác", ()),
)
YES = "Có"
NO = "Không"
_YES_WORDS = {"co", "x", "1", "true", "yes", "y", "dung"}
_NO_WORDS = {"khong", "0", "false", "no", "n", "sai"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Vietnamese, as an office writes it; the snake_case key is accepted too
    kind: str = "text"  # text, longtext, int, year, date, choice, bool, tax_code, gtin, commune_code,
    # phone, email, url, product_set, sheet, stars
    required: bool = False
    max_length: int | None = None
    aliases: tuple[str, ...] = ()
    choices: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (stored value, Vietnamese label, aliases)
    minimum: int | None = None
    maximum: int | None = None
    help_vi: str = ""
    help_en: str = ""
    example: Any = ""
    text_format: bool = False  # identifiers Excel must not turn into numbers

    def label_of(self, value: Any) -> str:
        for stored, label, _aliases in self.choices:
            if stored == value:
                return label
        return "" if value is None else str(value)

    def allowed(self) -> str:
        """The allowed values or format, in Vietnamese, for the guide sheet and error messages."""
        if self.choices:
            return "; ".join(label for _stored, label, _a in self.choices)
        return {
            "date": "dd/mm/yyyy",
            "bool": f"{YES} / {NO}",
            "tax_code": "10 chữ số, hoặc 13 (chi nhánh: 0100109106-001); "
            "hộ kinh doanh: số định danh 12 chữ số",
            "gtin": "8, 12, 13 hoặc 14 chữ số, đúng số kiểm tra",
            "commune_code": "5 chữ số (mã theo Quyết định 19/2025/QĐ-TTg)",
            "product_set": "mã bộ sản phẩm, ví dụ I.3.a (Phụ lục I, Quyết định 26/2026/QĐ-TTg)",
            "sheet": "1 – 26",
            "stars": "1 – 5",
            "int": "số nguyên ≥ 0",
            "year": f"{self.minimum} – {self.maximum}",
            "email": "địa chỉ thư điện tử",
            "url": "địa chỉ trang web",
        }.get(self.kind, f"văn bản, tối đa {self.max_length} ký tự" if self.max_length else "văn bản")


@dataclass(frozen=True)
class Layout:
    kind: str  # "producers" | "products"
    sheet_title: str
    columns: tuple[Column, ...]
    row_check: Callable[[dict[str, Any], dict[str, str]], list[tuple[str, str, str, dict]]] | None = None
    # at least one of these keys is needed in the header (and in each row), e.g. product set or sheet
    one_of: tuple[str, ...] = ()

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def column(self, key: str) -> Column:
        return self.by_key[key]

    @cached_property
    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @cached_property
    def header_index(self) -> tuple[dict[str, str], dict[str, str]]:
        """Folded header → column key: exact names, and names without a parenthesised note."""
        exact, bare = {}, {}
        for col in self.columns:
            for name in (_header_key(col.header), col.key, col.key.replace("_", " "), *col.aliases):
                exact.setdefault(fold(name), col.key)
                bare.setdefault(_bare(fold(name)), col.key)
        for name in IGNORED_HEADERS:
            exact.setdefault(name, IGNORED)
        return exact, bare


def _producer_row_check(values: dict[str, Any], labels: dict[str, str]) -> list[tuple[str, str, str, dict]]:
    """Cross-column rules of a producer row: (key, value, code, params) for each problem."""
    problems = []
    total = values.get("staff_total")
    if total is not None:
        for key in ("staff_female", "staff_local", "staff_ethnic_minority"):
            part = values.get(key)
            if part is not None and part > total:
                problems.append((key, str(part), "staff_exceeds_total", {"total": total}))
    return problems


def _product_row_check(values: dict[str, Any], labels: dict[str, str]) -> list[tuple[str, str, str, dict]]:
    problems = []
    code, sheet_code = values.get("product_set"), values.get("sheet")
    if code and sheet_code and code != sheet_code:
        sheet = product_sets(CURRENT_SET)[sheet_code].sheet
        problems.append(("sheet", str(sheet), "sheet_mismatch", {"product_set": code}))
    if not code and not sheet_code:
        problems.append(("product_set", "", "product_set_required", {}))
    rating_keys = ("stars", "decision_number", "decision_date")
    missing = [k for k in rating_keys if values.get(k) in (None, "")]
    decided = "decision_number" not in missing or "decision_date" not in missing
    if decided and missing:  # stars alone may be the current stars restated: the importer decides
        problems.append((missing[0], "", "rating_incomplete", {}))
    return problems


PRODUCER_COLUMNS = (
    Column(
        "tax_code",
        "Mã số thuế",
        "tax_code",
        required=True,
        aliases=("mst", "ma so thue/cccd"),
        help_vi="Mã số thuế của chủ thể; dùng để nhận ra chủ thể đã có (cập nhật thay vì tạo mới).",
        help_en="The producer's tax code; a producer already registered with it is updated.",
        example="3901234577",
        text_format=True,
    ),
    Column(
        "name",
        "Tên chủ thể",
        required=True,
        max_length=255,
        aliases=("ten don vi", "ten co so"),
        help_vi="Tên đầy đủ theo đăng ký kinh doanh.",
        help_en="Full registered name.",
        example="Hợp tác xã Bánh tráng Trảng Bàng",
    ),
    Column(
        "producer_type",
        "Loại hình",
        "choice",
        required=True,
        choices=PRODUCER_TYPES,
        aliases=("loai hinh chu the", "loai hinh to chuc"),
        help_vi="Loại hình tổ chức sản xuất.",
        help_en="Kind of organisation.",
        example="Hợp tác xã",
    ),
    Column(
        "commune_code",
        "Mã xã",
        "commune_code",
        required=True,
        aliases=("ma xa/phuong", "ma don vi hanh chinh", "ma xa phuong"),
        help_vi="Mã xã/phường/đặc khu gồm 5 chữ số theo danh mục đơn vị hành chính từ 01/7/2025; "
        "phải thuộc tỉnh của bạn.",
        help_en="The official 5-digit code of the commune/ward (units after 1 July 2025), in your province.",
        example="25459",
        text_format=True,
    ),
    Column(
        "commune_name",
        "Tên xã",
        aliases=("ten xa/phuong", "xa/phuong", "xa phuong", "xa"),
        help_vi="Không bắt buộc, để dễ đọc; nếu ghi thì phải khớp với mã xã.",
        help_en="Optional, for readability; when given it must match the commune code.",
        example="Phường Tân Ninh",
    ),
    Column(
        "address",
        "Địa chỉ",
        max_length=255,
        help_vi="Số nhà, ấp/khu phố.",
        help_en="Street address.",
        example="Ấp Bình Hòa",
    ),
    Column(
        "phone",
        "Điện thoại",
        "phone",
        max_length=20,
        aliases=("so dien thoai", "sdt"),
        help_vi="Số điện thoại liên hệ.",
        help_en="Contact phone.",
        example="0912345678",
        text_format=True,
    ),
    Column(
        "email",
        "Email",
        "email",
        max_length=254,
        aliases=("thu dien tu", "e-mail"),
        help_vi="Thư điện tử.",
        help_en="E-mail address.",
        example="htx@example.vn",
    ),
    Column(
        "website",
        "Website",
        "url",
        max_length=200,
        aliases=("trang web",),
        help_vi="Trang web hoặc trang mạng xã hội.",
        help_en="Website or social-media page.",
        example="",
    ),
    Column(
        "founded_on",
        "Ngày thành lập",
        "date",
        help_vi="Ngày thành lập, dd/mm/yyyy.",
        help_en="Founding date, dd/mm/yyyy.",
        example="15/06/2015",
    ),
    Column(
        "representative_name",
        "Người đại diện",
        required=True,
        max_length=150,
        aliases=("nguoi dai dien theo phap luat", "nguoi dai dien phap luat"),
        help_vi="Họ tên người đại diện theo pháp luật.",
        help_en="Legal representative's full name.",
        example="Nguyễn Thị Hoa",
    ),
    Column(
        "representative_position",
        "Chức vụ",
        max_length=100,
        help_vi="Chức vụ của người đại diện.",
        help_en="Representative's position.",
        example="Giám đốc",
    ),
    Column(
        "representative_gender",
        "Giới tính",
        "choice",
        choices=GENDERS,
        help_vi="Giới tính của người đại diện.",
        help_en="Representative's gender.",
        example="Nữ",
    ),
    Column(
        "representative_ethnicity",
        "Dân tộc",
        max_length=50,
        help_vi="Dân tộc của người đại diện.",
        help_en="Representative's ethnicity.",
        example="Kinh",
    ),
    Column(
        "representative_birth_year",
        "Năm sinh",
        "year",
        minimum=1900,
        maximum=2020,
        help_vi="Năm sinh của người đại diện.",
        help_en="Representative's year of birth.",
        example=1978,
    ),
    Column(
        "representative_has_disability",
        "Người khuyết tật",
        "bool",
        help_vi="Người đại diện là người khuyết tật?",
        help_en="Is the representative a person with a disability?",
        example=NO,
    ),
    Column(
        "staff_total",
        "Tổng số lao động",
        "int",
        aliases=("so lao dong", "lao dong"),
        help_vi="Tổng số lao động.",
        help_en="Number of workers.",
        example=25,
    ),
    Column(
        "staff_female",
        "Lao động nữ",
        "int",
        help_vi="Số lao động nữ (không quá tổng số).",
        help_en="Of whom women (at most the total).",
        example=18,
    ),
    Column(
        "staff_local",
        "Lao động địa phương",
        "int",
        help_vi="Số lao động là người địa phương.",
        help_en="Of whom local people.",
        example=22,
    ),
    Column(
        "staff_ethnic_minority",
        "Lao động dân tộc thiểu số",
        "int",
        help_vi="Số lao động là người dân tộc thiểu số.",
        help_en="Of whom ethnic-minority people.",
        example=0,
    ),
)

PRODUCT_COLUMNS = (
    Column(
        "producer_tax_code",
        "Mã số thuế chủ thể",
        "tax_code",
        required=True,
        aliases=("mst chu the", "ma so thue"),
        help_vi="Mã số thuế của chủ thể sản xuất (đã có trên hệ thống, trong tỉnh của bạn).",
        help_en="Tax code of the producer (already registered, in your province).",
        example="3901234577",
        text_format=True,
    ),
    Column(
        "producer_name",
        "Tên chủ thể",
        help_vi="Không bắt buộc, chỉ để dễ đọc; hệ thống không dùng cột này.",
        help_en="Optional, for readability only; not used by the import.",
        example="Hợp tác xã Bánh tráng Trảng Bàng",
    ),
    Column(
        "name_vi",
        "Tên sản phẩm",
        required=True,
        max_length=255,
        aliases=("ten san pham ocop",),
        help_vi="Tên sản phẩm (tiếng Việt). Sản phẩm không có GTIN được nhận ra theo chủ thể và tên.",
        help_en="Product name in Vietnamese. Without a GTIN a product is matched on producer and name.",
        example="Bánh tráng phơi sương Trảng Bàng",
    ),
    Column(
        "name_en",
        "Tên tiếng Anh",
        max_length=255,
        aliases=("ten san pham tieng anh", "ten tieng anh"),
        help_vi="Tên sản phẩm bằng tiếng Anh.",
        help_en="Product name in English.",
        example="Trang Bang dew-dried rice paper",
    ),
    Column(
        "product_set",
        "Bộ sản phẩm",
        "product_set",
        aliases=("ma bo san pham", "bo"),
        help_vi="Mã bộ sản phẩm theo Phụ lục I (ví dụ I.3.a). Ghi bộ sản phẩm hoặc số phiếu (hoặc cả hai, "
        "khi đó phải khớp).",
        help_en="Product-set code of Annex I (e.g. I.3.a). Give the set or the sheet number (or both, "
        "which must then agree).",
        example="I.3.b",
    ),
    Column(
        "sheet",
        "Phiếu đánh giá số",
        "sheet",
        aliases=("phieu so", "so phieu", "phieu danh gia"),
        help_vi="Số phiếu đánh giá (1 – 26) của bộ sản phẩm.",
        help_en="Scoring-sheet number (1 – 26) of the product set.",
        example=6,
    ),
    Column(
        "gtin",
        "Mã GTIN",
        "gtin",
        aliases=("gtin", "ma vach", "ma so ma vach", "ma gtin/ma vach"),
        help_vi="Mã số mã vạch GTIN (8, 12, 13 hoặc 14 chữ số). Nếu có, sản phẩm được nhận ra theo mã này.",
        help_en="GTIN barcode number (8, 12, 13 or 14 digits). When given, the product is matched on it.",
        example="8935049500018",
        text_format=True,
    ),
    Column(
        "net_quantity",
        "Khối lượng tịnh",
        max_length=64,
        aliases=("khoi luong/the tich tinh", "khoi luong", "the tich"),
        help_vi="Khối lượng hoặc thể tích tịnh, ví dụ 500 g, 750 ml.",
        help_en="Net quantity, e.g. 500 g.",
        example="500 g",
    ),
    Column(
        "packaging",
        "Quy cách đóng gói",
        max_length=255,
        aliases=("bao bi", "dong goi"),
        help_vi="Bao bì, quy cách đóng gói.",
        help_en="Packaging.",
        example="Túi PE hút chân không",
    ),
    Column(
        "shelf_life_days",
        "Hạn sử dụng (ngày)",
        "int",
        aliases=("han su dung",),
        help_vi="Hạn sử dụng, tính bằng ngày.",
        help_en="Shelf life in days.",
        example=180,
    ),
    Column(
        "description_vi",
        "Mô tả",
        "longtext",
        aliases=("mo ta san pham",),
        help_vi="Mô tả sản phẩm.",
        help_en="Description (Vietnamese).",
        example="Bánh tráng phơi sương làm thủ công.",
    ),
    Column(
        "stars",
        "Hạng sao",
        "stars",
        aliases=("so sao", "sao", "xep hang"),
        help_vi="Hạng sao hiện tại theo quyết định công nhận (ghi cùng số và ngày quyết định).",
        help_en="Current star rating from a recognition decision (with its number and date).",
        example=4,
    ),
    Column(
        "decision_number",
        "Số quyết định",
        max_length=64,
        aliases=("so qd", "quyet dinh"),
        help_vi="Số quyết định công nhận hạng sao.",
        help_en="Number of the recognition decision.",
        example="1234/QĐ-UBND",
    ),
    Column(
        "decision_date",
        "Ngày quyết định",
        "date",
        aliases=("ngay qd", "ngay cong nhan"),
        help_vi="Ngày ký quyết định, dd/mm/yyyy. Chứng nhận có hiệu lực 36 tháng.",
        help_en="Date of the decision, dd/mm/yyyy. A certificate is valid 36 months.",
        example="12/03/2024",
    ),
)

PRODUCERS = Layout("producers", "Chủ thể", PRODUCER_COLUMNS, _producer_row_check)
PRODUCTS = Layout(
    "products", "Sản phẩm", PRODUCT_COLUMNS, _product_row_check, one_of=("product_set", "sheet")
)
LAYOUTS = {"producers": PRODUCERS, "products": PRODUCTS}
GUIDE_TITLE = "Hướng dẫn"


# --- Reading a file -----------------------------------------------------------------------------

Cells = list[str | None]
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


# --- Headers ------------------------------------------------------------------------------------

_PARENS = re.compile(r"\([^)]*\)")


def _header_key(text: str) -> str:
    return fold(text).rstrip("*: ").strip()


def _bare(text: str) -> str:
    return " ".join(_PARENS.sub(" ", text).split())


# Columns offices keep in their tables that carry nothing to import: the running number and notes.
IGNORED = "-"
IGNORED_HEADERS = ("stt", "tt", "so tt", "so thu tu", "ghi chu")


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
    cleaned = text.replace(" ", "")
    if re.fullmatch(r"\d+(\.0+)?", cleaned):
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
