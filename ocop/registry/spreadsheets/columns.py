"""The spreadsheet layout of producers and products: their columns (header, kind, limits, help,
example), the cross-column rules of a row, and how a header written in a file names a column.

The documented layout is docs/import-format.md; keep the two in step."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ocop.core.text import fold
from ocop.criteria.classification import CURRENT_SET, product_sets

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

Cells = list[str | None]

# --- Headers ------------------------------------------------------------------------------------

_PARENS = re.compile(r"\([^)]*\)")


def _header_key(text: str) -> str:
    return fold(text).rstrip("*: ").strip()


def _bare(text: str) -> str:
    return " ".join(_PARENS.sub(" ", text).split())


# Columns offices keep in their tables that carry nothing to import: the running number and notes.
IGNORED = "-"
IGNORED_HEADERS = ("stt", "tt", "so tt", "so thu tu", "ghi chu")
