"""Importing producers and products: the pages, the dry run, every error path, the all-or-nothing write.

Tasks run in the ImmediateBackend (tests/conftest.py), so an upload is checked within the request and
a confirmation writes within the request.
"""

import datetime
import functools
import io

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from stdnum import ean
from stdnum.vn import mst

from ocop.accounts.models import Role
from ocop.core.models import AuditEvent
from ocop.core.text import fold
from ocop.places.models import Commune
from ocop.registry.imports import jobs, plan, write
from ocop.registry.imports.messages import describe
from ocop.registry.models import ImportJob, Producer, Product, ProductStatus, StarRating
from ocop.registry.rules import certificate_expiry
from tests.factories import ProducerFactory, ProductFactory, commune, make_user, other_commune

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PRODUCER_HEAD = [
    "Mã số thuế",
    "Tên chủ thể",
    "Loại hình",
    "Mã xã",
    "Tên xã",
    "Người đại diện",
    "Tổng số lao động",
]
PRODUCT_HEAD = ["Mã số thuế chủ thể", "Tên sản phẩm", "Bộ sản phẩm", "Mã GTIN", "Hạng sao", "Số quyết định",
                "Ngày quyết định"]  # fmt: skip


# --- Helpers shared with test_export.py ------------------------------------------------------------


@functools.cache
def tax_code(n: int) -> str:
    """The n-th valid 10-digit tax code of a series no factory uses."""
    found = -1
    for base in range(371_234_000, 380_000_000):
        code = f"{base:09d}{mst.calc_check_digit(f'{base:09d}')}"
        if mst.is_valid(code):
            found += 1
            if found == n:
                return code
    raise AssertionError


def gtin(n: int) -> str:
    base = f"893{n:09d}"
    return base + ean.calc_check_digit(base)


def csv_file(lines, name="data.csv") -> SimpleUploadedFile:
    text = "\r\n".join(",".join(_quote(c) for c in line) for line in lines) + "\r\n"
    return SimpleUploadedFile(name, ("\ufeff" + text).encode("utf-8"), content_type="text/csv")


def _quote(value) -> str:
    value = "" if value is None else str(value)
    return f'"{value}"' if any(c in value for c in ',"\n') else value


def xlsx_file(lines, name="data.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for line in lines:
        workbook.active.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX_TYPE)


def upload(client, kind: str, file) -> ImportJob | None:
    """POST a file to the import page; the new job (already checked) or None when the form refused it."""
    before = set(ImportJob.objects.values_list("pk", flat=True))
    response = client.post(reverse("registry:import_start"), {"kind": kind, "file": file})
    created = ImportJob.objects.exclude(pk__in=before)
    if not created.exists():
        assert response.status_code == 200
        return None
    job = created.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "registry:import_detail", args=[job.pk]
    )
    return job


def confirm(client, job: ImportJob) -> ImportJob:
    response = client.post(reverse("registry:import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    return job


def errors_of(job: ImportJob) -> list[tuple]:
    return [(e["row"], e["column"], e["value"], e["code"]) for e in job.errors]


def registry_state():
    """Everything an import could change, to prove that a refused file changed nothing."""
    return (
        sorted(Producer.objects.values_list("pk", "tax_code", "name", "commune_id", "updated_at")),
        sorted(Product.objects.values_list("pk", "name_vi", "gtin", "stars", "status", "updated_at")),
        StarRating.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def officer():
    return make_user(Role.PROVINCE_OFFICER)


@pytest.fixture
def client(client_of, officer):
    return client_of(officer)


def producer_line(n=0, **over):
    home = commune()
    line = {"Mã số thuế": tax_code(n), "Tên chủ thể": f"Hợp tác xã Đ {n}", "Loại hình": "Hợp tác xã",
            "Mã xã": home.code, "Tên xã": home.name, "Người đại diện": "Đặng Thị Ánh",
            "Tổng số lao động": "12"}  # fmt: skip
    line.update(over)
    return [line[h] for h in PRODUCER_HEAD]


# --- Producers ------------------------------------------------------------------------------------


def test_producers_dry_run_writes_nothing_then_confirm_writes_all(client, officer):
    existing = ProducerFactory(tax_code=tax_code(1), name="Tên cũ", commune=commune(), staff_total=3)
    state = registry_state()
    job = upload(client, "producers", csv_file([PRODUCER_HEAD, producer_line(0), producer_line(1)]))
    assert job.status == ImportJob.Status.CHECKED
    assert (job.created_count, job.updated_count, job.unchanged_count) == (1, 1, 0)
    assert (job.total_rows, job.processed_rows) == (2, 2)
    assert registry_state() == state  # the dry run wrote nothing

    page = client.get(reverse("registry:import_detail", args=[job.pk]))
    assert page.status_code == 200
    assert reverse("registry:import_confirm", args=[job.pk]).encode() in page.content

    job = confirm(client, job)
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.updated_count, job.total_rows, job.processed_rows) == (1, 1, 2, 2)
    created = Producer.objects.get(tax_code=tax_code(0))
    assert created.name == "Hợp tác xã Đ 0" and created.representative_name == "Đặng Thị Ánh"
    assert created.search_key == "hop tac xa d 0 " + tax_code(0) + " dang thi anh"
    existing.refresh_from_db()
    assert existing.name == "Hợp tác xã Đ 1" and existing.staff_total == 12
    events = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT, actor=officer)
    assert sorted(events.values_list("object_id", flat=True)) == sorted([str(created.pk), str(existing.pk)])
    assert set(events.values_list("verb", flat=True)) == {"producer.import"}
    update = events.get(object_id=str(existing.pk))
    assert update.changes["name"] == ["Tên cũ", "Hợp tác xã Đ 1"] and update.note.startswith("data.csv")


def test_blank_cells_keep_stored_values(client):
    existing = ProducerFactory(tax_code=tax_code(1), commune=commune(), address="Ấp Bình Hòa", staff_total=7)
    head = [
        "Mã số thuế",
        "Tên chủ thể",
        "Loại hình",
        "Mã xã",
        "Người đại diện",
        "Địa chỉ",
        "Tổng số lao động",
    ]
    line = [
        existing.tax_code,
        existing.name,
        "Hợp tác xã",
        existing.commune_id,
        existing.representative_name,
        "",
        "",
    ]
    job = upload(client, "producers", csv_file([head, line]))
    assert (job.status, job.unchanged_count, job.updated_count) == (ImportJob.Status.CHECKED, 1, 0)


def test_household_may_use_a_personal_id(client):
    line = producer_line(0, **{"Mã số thuế": "079123456789", "Loại hình": "Hộ kinh doanh"})
    job = confirm(client, upload(client, "producers", csv_file([PRODUCER_HEAD, line])))
    assert job.status == ImportJob.Status.DONE
    assert Producer.objects.get(tax_code="079123456789").producer_type == "household"


def test_moving_a_producer_to_another_commune_of_the_province(client):
    existing = ProducerFactory(tax_code=tax_code(1), commune=commune())
    target = other_commune(commune())
    line = producer_line(1, **{"Mã xã": target.code, "Tên xã": target.name})
    job = confirm(client, upload(client, "producers", csv_file([PRODUCER_HEAD, line])))
    assert job.status == ImportJob.Status.DONE
    existing.refresh_from_db()
    assert existing.commune_id == target.code
    event = AuditEvent.objects.get(action="import", object_id=str(existing.pk))
    assert event.changes["commune"] == [commune().name, target.name]


# --- Every error path: the file is refused, each error names row, column, value and a message --------


def assert_refused(job, expected, state):
    assert job.status == ImportJob.Status.INVALID
    assert set(expected) <= set(errors_of(job)), errors_of(job)
    for error in job.errors:
        assert describe(error)  # a sentence for each
    assert registry_state() == state
    assert job.error_count == len(job.errors)


def test_wrong_columns_are_named(client):
    state = registry_state()
    head = ["Mã số thuế", "Tên chủ thể", "Màu sắc", "Mã xã", "Người đại diện"]
    job = upload(client, "producers", csv_file([head, [tax_code(0), "HTX", "đỏ", commune().code, "An"]]))
    assert job.status == ImportJob.Status.INVALID
    codes = {e["code"]: e for e in job.errors}
    assert set(codes) == {"missing_columns", "unknown_columns"}
    missing = describe(codes["missing_columns"])
    unknown = describe(codes["unknown_columns"])
    assert "Loại hình" in missing and "Màu sắc" in unknown and "Mã số thuế" in unknown  # the expected list
    assert registry_state() == state
    page = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "Màu sắc" in page and "Loại hình" in page


def test_bad_tax_code(client):
    state = registry_state()
    job = upload(
        client,
        "producers",
        csv_file([PRODUCER_HEAD, producer_line(0), producer_line(1, **{"Mã số thuế": "0100109107"})]),
    )
    assert_refused(job, [(3, "Mã số thuế", "0100109107", "tax_code_check_digit")], state)
    page = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "0100109107" in page and describe(job.errors[0]) in page


def test_unknown_commune_and_name_mismatch_and_other_province(client):
    state = registry_state()
    elsewhere = Commune.objects.exclude(province_id="80").order_by("code").first()
    lines = [
        PRODUCER_HEAD,
        producer_line(0, **{"Mã xã": "99999", "Tên xã": ""}),
        producer_line(1, **{"Tên xã": "Xã Không Có"}),
        producer_line(2, **{"Mã xã": elsewhere.code, "Tên xã": elsewhere.name}),
        producer_line(
            3, **{"Tên xã": commune().name.split(" ", 1)[1].upper()}
        ),  # without "Xã", in capitals: fine
    ]
    job = upload(client, "producers", csv_file(lines))
    assert_refused(
        job,
        [
            (2, "Mã xã", "99999", "unknown_commune"),
            (3, "Tên xã", "Xã Không Có", "commune_name_mismatch"),
            (4, "Mã xã", elsewhere.code, "outside_province"),
        ],  # fmt: skip
        state,
    )
    assert len(job.errors) == 3
    mismatch = next(e for e in job.errors if e["code"] == "commune_name_mismatch")
    assert commune().name in describe(mismatch)


def test_duplicates_within_the_file_and_against_the_database(client):
    elsewhere = Commune.objects.exclude(province_id="80").order_by("code").first()
    ProducerFactory(tax_code=tax_code(5), commune=elsewhere)  # a producer of another province
    state = registry_state()
    lines = [
        PRODUCER_HEAD,
        producer_line(0),
        producer_line(1),
        producer_line(0, **{"Tên chủ thể": "Khác"}),
        producer_line(5),
    ]
    job = upload(client, "producers", csv_file(lines))
    assert_refused(
        job,
        [
            (4, "Mã số thuế", tax_code(0), "duplicate_in_file"),
            (5, "Mã số thuế", tax_code(5), "tax_code_taken"),
        ],
        state,
    )
    duplicate = next(e for e in job.errors if e["code"] == "duplicate_in_file")
    assert duplicate["params"] == {"first_row": 2} and "2" in describe(duplicate)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("anh.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000, "PNG"),
        ("data.csv", bytes(range(256)) * 40, ""),
        ("cu.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
        ("empty.csv", b"", ""),
    ],
)
def test_wrong_file_type_or_empty_is_refused_before_anything_is_stored(client, name, content, message):
    state = registry_state()
    response = client.post(
        reverse("registry:import_start"), {"kind": "producers", "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert errors and message in errors[0]
    assert not ImportJob.objects.exists()
    assert registry_state() == state


def test_a_20_mb_file_is_refused(client, settings):
    assert settings.OCOP_IMPORT_MAX_BYTES == 15 * 1024 * 1024
    big = b"Ma so thue,Ten\r\n" + b"0100109106,HTX\r\n" * (20 * 1024 * 1024 // 16)
    assert len(big) > 20 * 1024 * 1024
    response = client.post(
        reverse("registry:import_start"), {"kind": "producers", "file": SimpleUploadedFile("big.csv", big)}
    )
    assert response.status_code == 200
    assert "15" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists()


def test_a_file_with_only_headers(client):
    state = registry_state()
    job = upload(client, "producers", xlsx_file([PRODUCER_HEAD]))
    assert_refused(job, [(1, "", "", "no_rows")], state)
    assert job.total_rows == 0


def test_all_or_nothing_when_the_last_row_is_bad(client):
    state = registry_state()
    lines = (
        [PRODUCER_HEAD]
        + [producer_line(n) for n in range(30)]
        + [producer_line(30, **{"Loại hình": "Liên hiệp"})]
    )
    job = upload(client, "producers", csv_file(lines))
    assert_refused(job, [(32, "Loại hình", "Liên hiệp", "choice")], state)
    response = client.post(reverse("registry:import_confirm", args=[job.pk]))  # confirming a refused file
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID and registry_state() == state


def test_the_write_checks_again_and_writes_nothing_if_the_registry_changed(client):
    job = upload(client, "producers", csv_file([PRODUCER_HEAD, producer_line(0), producer_line(1)]))
    assert job.status == ImportJob.Status.CHECKED
    elsewhere = Commune.objects.exclude(province_id="80").order_by("code").first()
    ProducerFactory(tax_code=tax_code(1), commune=elsewhere)  # meanwhile, registered in another province
    state = registry_state()
    job = confirm(client, job)
    assert job.status == ImportJob.Status.INVALID
    assert errors_of(job) == [(3, "Mã số thuế", tax_code(1), "tax_code_taken")]
    assert registry_state() == state


def test_a_failure_during_the_write_rolls_everything_back(client, monkeypatch):
    job = upload(client, "producers", csv_file([PRODUCER_HEAD] + [producer_line(n) for n in range(5)]))
    state = registry_state()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(write.audit, "record_many", broken)  # after the bulk inserts
    job = confirm(client, job)
    assert job.status == ImportJob.Status.FAILED and "disk full" in job.message
    assert registry_state() == state
    page = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert "disk full" in page


def test_many_errors_are_paged(client):
    lines = [PRODUCER_HEAD] + [producer_line(n, **{"Mã số thuế": f"12{n:04d}"}) for n in range(130)]
    job = upload(client, "producers", csv_file(lines))
    assert job.error_count == 130
    first = client.get(reverse("registry:import_detail", args=[job.pk]))
    assert len(first.context["error_page"].object_list) == 100
    second = client.get(reverse("registry:import_detail", args=[job.pk]) + "?page=2")
    rows = [e["row"] for e in second.context["error_page"].object_list]
    assert rows == list(range(102, 132))


# --- Products -------------------------------------------------------------------------------------


@pytest.fixture
def maker():
    return ProducerFactory(tax_code=tax_code(0), commune=commune(), name="Hợp tác xã Đ")


def test_products_with_a_rating_from_xlsx(client, officer, maker):
    decided = datetime.date(2024, 3, 12)
    lines = [
        PRODUCT_HEAD,
        [maker.tax_code, "Bánh tráng phơi sương Trảng Bàng", "I.3.b", gtin(1), 4, "1234/QĐ-UBND", decided],
        [maker.tax_code, "Muối tôm Tây Ninh", "i.4.b", None, None, None, None],
        [maker.tax_code, "Đ", "I.3.a", gtin(2), 2, "99/QĐ-UBND", "01/02/2020"],
    ]
    job = upload(client, "products", xlsx_file(lines))
    assert (job.status, job.created_count) == (ImportJob.Status.CHECKED, 3)
    assert StarRating.objects.count() == 0
    job = confirm(client, job)
    assert job.status == ImportJob.Status.DONE and job.processed_rows == job.total_rows == 3
    banh = Product.objects.get(gtin="0" + gtin(1))
    current = certificate_expiry(decided) >= datetime.date.today()
    assert (banh.producer, banh.name_vi, banh.product_set, banh.stars, banh.status) == (
        maker, "Bánh tráng phơi sương Trảng Bàng", "I.3.b", 4,
        ProductStatus.RATED if current else ProductStatus.EXPIRED,
    )  # fmt: skip
    rating = banh.ratings.get()
    assert (rating.source, rating.decision_number, rating.decision_date, rating.created_by) == (
        StarRating.Source.IMPORT,
        "1234/QĐ-UBND",
        decided,
        officer,
    )
    assert rating.valid_until == certificate_expiry(decided) == datetime.date(2027, 3, 12)
    muoi = Product.objects.get(name_vi="Muối tôm Tây Ninh")
    assert (muoi.product_set, muoi.stars, muoi.status, muoi.gtin) == ("I.4.b", None, ProductStatus.IDEA, "")
    two = Product.objects.get(name_vi="Đ")
    assert (two.stars, two.status, two.ratings.get().valid_until) == (2, ProductStatus.IDEA, None)
    product_type = ContentType.objects.get_for_model(Product)
    events = AuditEvent.objects.filter(action="import", content_type=product_type)
    assert events.count() == 3 and set(events.values_list("verb", flat=True)) == {"product.import"}
    assert events.get(object_id=str(banh.pk)).changes["decision"] == [None, "1234/QĐ-UBND (12/03/2024)"]


def test_product_error_paths(client, maker):
    elsewhere = Commune.objects.exclude(province_id="80").order_by("code").first()
    stranger = ProducerFactory(tax_code=tax_code(7), commune=elsewhere)
    ProductFactory(producer=stranger, gtin="0" + gtin(9))
    state = registry_state()
    lines = [
        PRODUCT_HEAD,
        [maker.tax_code, "A", "I.3.a", "8935049500019", "", "", ""],  # bad check digit
        [maker.tax_code, "B", "I.3.a", "12345", "", "", ""],  # bad length
        [tax_code(8), "C", "I.3.a", "", "", "", ""],  # unknown producer
        [stranger.tax_code, "D", "I.3.a", "", "", "", ""],  # producer of another province
        [maker.tax_code, "E", "I.3.a", gtin(9), "", "", ""],  # GTIN of another producer's product
        [maker.tax_code, "F", "I.3.a", gtin(3), "", "", ""],
        [maker.tax_code, "G", "I.3.a", gtin(3), "", "", ""],  # same GTIN twice in the file
        [maker.tax_code, "H", "I.3.a", "", "", "", ""],
        [maker.tax_code, "h ", "I.3.a", "", "", "", ""],  # same producer and name twice, no GTIN
        [maker.tax_code, "I", "I.3.a", "", "4", "", "12/03/2024"],  # rating without its number
        [maker.tax_code, "J", "XI.1", "", "", "", ""],
    ]
    job = upload(client, "products", csv_file(lines))
    assert_refused(
        job,
        [
            (2, "Mã GTIN", "8935049500019", "gtin_check_digit"),
            (3, "Mã GTIN", "12345", "gtin_length"),
            (4, "Mã số thuế chủ thể", tax_code(8), "unknown_producer"),
            (5, "Mã số thuế chủ thể", stranger.tax_code, "producer_outside_province"),
            (6, "Mã GTIN", gtin(9), "gtin_taken"),
            (8, "Mã GTIN", gtin(3), "duplicate_in_file"),
            (10, "Tên sản phẩm", "h", "duplicate_in_file"),
            (11, "Số quyết định", "", "rating_incomplete"),
            (12, "Bộ sản phẩm", "XI.1", "product_set"),
        ],
        state,
    )
    assert len(job.errors) == 9


def test_products_match_on_gtin_then_on_producer_and_name(client, maker):
    by_gtin = ProductFactory(producer=maker, name_vi="Tên cũ", gtin="0" + gtin(1))
    by_name = ProductFactory(producer=maker, name_vi="Muối tôm Tây Ninh", gtin="")
    lines = [
        PRODUCT_HEAD,
        [maker.tax_code, "Bánh tráng phơi sương Trảng Bàng", "I.3.a", gtin(1), "", "", ""],
        [maker.tax_code, "MUỐI TÔM  TÂY NINH", "I.4.b", gtin(2), "", "", ""],  # claims the GTIN-less product
    ]
    job = confirm(client, upload(client, "products", csv_file(lines)))
    assert (job.status, job.created_count, job.updated_count) == (ImportJob.Status.DONE, 0, 2)
    by_gtin.refresh_from_db()
    by_name.refresh_from_db()
    assert by_gtin.name_vi == "Bánh tráng phơi sương Trảng Bàng"
    assert (by_name.gtin, by_name.product_set, by_name.name_vi) == (
        "0" + gtin(2),
        "I.4.b",
        "MUỐI TÔM TÂY NINH",
    )
    assert by_name.search_key == fold(f"MUỐI TÔM TÂY NINH {by_name.name_en} 0{gtin(2)}")


def test_ambiguous_name_needs_a_gtin(client, maker):
    ProductFactory(producer=maker, name_vi="Muối tôm", gtin="")
    ProductFactory(producer=maker, name_vi="Muối tôm", gtin="")
    job = upload(
        client, "products", csv_file([PRODUCT_HEAD, [maker.tax_code, "Muối tôm", "I.4.b", "", "", "", ""]])
    )
    assert errors_of(job) == [(2, "Tên sản phẩm", "Muối tôm", "ambiguous_name")]


def test_ratings_already_recorded_older_or_conflicting(client, maker):
    product = ProductFactory(producer=maker, gtin="0" + gtin(1), stars=4, status=ProductStatus.RATED)
    StarRating.objects.create(
        product=product, stars=4, decision_number="1/QĐ", decision_date=datetime.date(2024, 5, 1)
    )
    same = [maker.tax_code, product.name_vi, "I.3.a", gtin(1), 4, "1/QĐ", "01/05/2024"]
    job = upload(client, "products", csv_file([PRODUCT_HEAD, same]))
    assert (job.status, job.unchanged_count) == (ImportJob.Status.CHECKED, 1)
    conflict = [*same[:4], 3, "1/QĐ", "01/05/2024"]
    job = upload(client, "products", csv_file([PRODUCT_HEAD, conflict]))
    assert errors_of(job) == [(2, "Hạng sao", "3", "decision_conflict")]
    stars_only = [*same[:4], 4, "", ""]  # the current stars without their decision: accepted as they are
    assert upload(client, "products", csv_file([PRODUCT_HEAD, stars_only])).status == ImportJob.Status.CHECKED
    older = [*same[:4], 3, "9/QĐ", "01/05/2022"]  # recorded, but the newer rating stays the current one
    job = confirm(client, upload(client, "products", csv_file([PRODUCT_HEAD, older])))
    assert job.status == ImportJob.Status.DONE
    product.refresh_from_db()
    assert product.stars == 4 and product.ratings.count() == 2


# --- Progress -------------------------------------------------------------------------------------


def test_status_polls_while_running_and_refreshes_the_page_when_done(client, officer):
    job = ImportJob.objects.create(
        kind="products", created_by=officer, original_name="a.xlsx", file="imports/a.xlsx",
        status=ImportJob.Status.CHECKING, total_rows=2000, processed_rows=500,
    )  # fmt: skip
    url = reverse("registry:import_status", args=[job.pk])
    response = client.get(url, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and f'hx-get="{url}"' in body and "25" in body
    assert "HX-Refresh" not in response
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKED, processed_rows=2000)
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true" and "hx-trigger" not in response.content.decode()
    detail = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' not in detail


def test_progress_is_saved_as_the_check_goes(client, officer, monkeypatch):
    seen = []
    original = jobs._job_progress

    def spy(job_id):
        save = original(job_id)

        def record(count):
            save(count)
            seen.append(ImportJob.objects.get(pk=job_id).processed_rows)

        return record

    monkeypatch.setattr(plan, "PROGRESS_EVERY", 10)
    monkeypatch.setattr(jobs, "_job_progress", spy)
    job = upload(client, "producers", csv_file([PRODUCER_HEAD] + [producer_line(n) for n in range(40)]))
    assert job.status == ImportJob.Status.CHECKED
    assert seen == sorted(seen) and seen[0] < 40 and seen[-1] == 40 == job.processed_rows == job.total_rows


# --- Who may --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COMMUNE_OFFICER, Role.COUNCIL_MEMBER, Role.PRODUCER, Role.MINISTRY])
def test_only_provincial_officers_import(client_of, role):
    other = client_of(make_user(role))
    for url in (
        reverse("registry:import_start"),
        reverse("registry:import_template", args=["producers", "xlsx"]),
    ):
        assert other.get(url).status_code == 403
    response = other.post(
        reverse("registry:import_start"),
        {"kind": "producers", "file": csv_file([PRODUCER_HEAD, producer_line(0)])},
    )
    assert response.status_code == 403 and not ImportJob.objects.exists()


def test_anonymous_is_sent_to_sign_in():
    response = Client().get(reverse("registry:import_start"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_job_is_seen_and_confirmed_only_by_its_owner(client, client_of):
    job = upload(client, "producers", csv_file([PRODUCER_HEAD, producer_line(0)]))
    colleague = client_of(make_user(Role.PROVINCE_OFFICER))
    for name in ("registry:import_detail", "registry:import_status"):
        assert colleague.get(reverse(name, args=[job.pk])).status_code == 404
    assert colleague.post(reverse("registry:import_confirm", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert (
        job.status == ImportJob.Status.CHECKED and not Producer.objects.filter(tax_code=tax_code(0)).exists()
    )


def test_confirm_is_post_only_and_once(client):
    job = upload(client, "producers", csv_file([PRODUCER_HEAD, producer_line(0)]))
    assert client.get(reverse("registry:import_confirm", args=[job.pk])).status_code == 405
    confirm(client, job)
    assert confirm(client, job).status == ImportJob.Status.DONE
    assert Producer.objects.filter(tax_code=tax_code(0)).count() == 1
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_start_page_lists_templates_and_recent_jobs(client):
    job = upload(client, "producers", csv_file([PRODUCER_HEAD, producer_line(0)]))
    page = client.get(reverse("registry:import_start") + "?kind=products")
    body = page.content.decode()
    assert page.context["form"].initial == {"kind": "products"}
    assert reverse("registry:import_template", args=["products", "xlsx"]) in body
    assert reverse("registry:import_detail", args=[job.pk]) in body


# --- The fast paths give what the plain ones give ---------------------------------------------------


def test_a_new_producer_needs_workers_within_the_total(client):
    head = ["Mã số thuế", "Tên chủ thể", "Loại hình", "Mã xã", "Người đại diện", "Lao động nữ"]
    line = [tax_code(0), "HTX", "Hợp tác xã", commune().code, "An", "5"]
    job = upload(client, "producers", csv_file([head, line]))
    assert errors_of(job) == [(2, "Lao động nữ", "5", "staff_exceeds_total")]


def test_the_write_reads_the_file_again_when_the_checked_rows_are_gone(client):
    from django.core.files.storage import default_storage

    job = upload(client, "producers", csv_file([PRODUCER_HEAD, producer_line(0), producer_line(1)]))
    kept = jobs._cache_name(job)
    assert default_storage.exists(kept)
    default_storage.delete(kept)
    job = confirm(client, job)
    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 2)
    assert not default_storage.exists(kept)


def test_snapshots_match_the_audit_module(maker):
    from ocop.core import audit

    product = ProductFactory(producer=maker, gtin="0" + gtin(4), stars=4, status=ProductStatus.RATED,
                             shelf_life_days=90, product_set="I.4.b")  # fmt: skip
    product = Product.objects.select_related("producer").get(pk=product.pk)
    assert plan.Snapshots(Product)(product) == audit.snapshot(product)
    producer = Producer.objects.select_related("commune").get(pk=maker.pk)
    assert plan.Snapshots(Producer)(producer) == audit.snapshot(producer)
    assert plan.Snapshots(Product)(product, ["stars", "status"]) == audit.snapshot(
        product, ["stars", "status"]
    )


def test_a_job_whose_worker_stopped_is_marked_failed(client, officer):
    from django.utils import timezone

    job = ImportJob.objects.create(
        kind="products", created_by=officer, original_name="a.xlsx", file="imports/a.xlsx",
        status=ImportJob.Status.IMPORTING, total_rows=100, processed_rows=50,
    )  # fmt: skip
    recent = timezone.now() - datetime.timedelta(minutes=2)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=recent)
    client.get(reverse("registry:import_detail", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING  # a little quiet is no sign of trouble
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=20))
    response = client.get(reverse("registry:import_status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.finished_at is not None
    assert job.message in client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()


def test_a_job_no_worker_took_up_says_so(client, officer):
    from django.utils import timezone

    job = ImportJob.objects.create(
        kind="producers", created_by=officer, original_name="a.csv", file="imports/a.csv"
    )
    url = reverse("registry:import_status", args=[job.pk])
    assert "db_worker" not in client.get(url).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    body = client.get(url).content.decode()
    assert "db_worker" in body and 'hx-trigger="every 1s"' in body
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PENDING


def test_progress_has_a_heartbeat(client):
    job = upload(client, "producers", csv_file([PRODUCER_HEAD, producer_line(0)]))
    assert job.heartbeat_at is not None
    before = job.heartbeat_at
    job = confirm(client, job)
    assert job.heartbeat_at >= before
