"""Exporting producers and products (XLSX and CSV), who may, which rows, and the round trip: an exported
file imported again changes nothing."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.core.models import AuditEvent
from ocop.places.models import Commune
from ocop.registry.models import ImportJob, Producer, Product, ProductStatus, StarRating
from ocop.registry.spreadsheets.columns import PRODUCERS, PRODUCTS
from ocop.registry.spreadsheets.reading import read_rows
from tests.factories import ProducerFactory, ProductFactory, commune, make_user, other_commune
from tests.registry.test_import import confirm, gtin, registry_state, tax_code, upload

pytestmark = pytest.mark.django_db

NAMES = ["Bánh tráng phơi sương Trảng Bàng", "Muối tôm Tây Ninh", "Đ"]


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[list[str]]:
    data = content(response)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM, so that Excel shows the diacritics
    _fmt, rows = read_rows(data)
    return [cells for _n, cells in rows]


def xlsx_rows(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(content(response)))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def registry():
    """Producers in two communes of Tây Ninh and one elsewhere, with rated and unrated products."""
    home, neighbour = commune(), other_commune(commune())
    elsewhere = Commune.objects.exclude(province_id="80").order_by("code").first()
    first = ProducerFactory(
        tax_code=tax_code(0), name="Hợp tác xã Bánh tráng Đ", commune=home,
        address="Ấp Bình Hòa, Trảng Bàng", phone="0912345678", email="htx@example.vn",
        website="https://htx.example.vn", founded_on=datetime.date(2015, 6, 5),
        representative_name="Đặng Thị Ánh", representative_position="Giám đốc",
        representative_gender="female", representative_ethnicity="Khơ Me", representative_birth_year=1978,
        representative_has_disability=True,
        staff_total=25, staff_female=18, staff_local=22, staff_ethnic_minority=3,
    )  # fmt: skip
    second = ProducerFactory(
        tax_code=tax_code(1), name="Hộ kinh doanh Muối tôm", commune=neighbour, producer_type="household"
    )
    far = ProducerFactory(
        tax_code=tax_code(2), name="Doanh nghiệp Xa", commune=elsewhere, producer_type="enterprise"
    )
    rated = ProductFactory(
        producer=first, name_vi=NAMES[0], name_en="Trang Bang dew-dried rice paper", product_set="I.3.b",
        gtin="0" + gtin(1), net_quantity="500 g", packaging="Túi PE", shelf_life_days=180,
        description_vi="Làm thủ công.\nPhơi sương đêm.", stars=4, status=ProductStatus.RATED,
    )  # fmt: skip
    StarRating.objects.create(
        product=rated, stars=3, decision_number="1/QĐ-UBND", decision_date=datetime.date(2021, 1, 4)
    )
    StarRating.objects.create(
        product=rated, stars=4, decision_number="1234/QĐ-UBND", decision_date=datetime.date(2024, 3, 12)
    )
    salt = ProductFactory(
        producer=second, name_vi=NAMES[1], name_en="", product_set="I.4.b", stars=3
    )  # stars, no decision
    tiny = ProductFactory(producer=first, name_vi=NAMES[2], name_en="", product_set="VI.1")
    ProductFactory(producer=far, name_vi="Sản phẩm xa", product_set="I.1.a")
    return {"first": first, "second": second, "far": far, "rated": rated, "salt": salt, "tiny": tiny}


# --- Who may, and which rows --------------------------------------------------------------------------


@pytest.mark.parametrize("role, allowed", [
    (Role.PROVINCE_OFFICER, True), (Role.COMMUNE_OFFICER, True), (Role.MINISTRY, True),
    (Role.COUNCIL_MEMBER, False), (Role.PRODUCER, False),
])  # fmt: skip
def test_who_may_export(client_of, role, allowed):
    client = client_of(make_user(role))
    for kind in ("producers", "products"):
        for fmt in ("csv", "xlsx"):
            response = client.get(reverse("registry:export", args=[kind, fmt]))
            assert response.status_code == (200 if allowed else 403)


def test_anonymous_export_is_sent_to_sign_in():
    response = Client().get(reverse("registry:export", args=["products", "csv"]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_unknown_kind_or_format_is_404(client_of):
    client = client_of(make_user(Role.PROVINCE_OFFICER))
    assert client.get(reverse("registry:export", args=["cows", "csv"])).status_code == 404
    assert client.get(reverse("registry:export", args=["products", "pdf"])).status_code == 404


def test_each_role_exports_its_scope(client_of, registry):
    def names(user, kind):
        response = client_of(user).get(reverse("registry:export", args=[kind, "csv"]))
        return sorted(row[1] if kind == "producers" else row[2] for row in csv_rows(response)[1:])

    province = make_user(Role.PROVINCE_OFFICER)
    assert names(province, "producers") == sorted(["Hợp tác xã Bánh tráng Đ", "Hộ kinh doanh Muối tôm"])
    assert names(province, "products") == sorted(NAMES)
    commune_officer = make_user(Role.COMMUNE_OFFICER, commune=registry["second"].commune)
    assert names(commune_officer, "producers") == ["Hộ kinh doanh Muối tôm"]
    assert names(commune_officer, "products") == ["Muối tôm Tây Ninh"]
    ministry = make_user(Role.MINISTRY)
    assert len(names(ministry, "products")) == 4


def test_the_list_filters_narrow_the_export(client_of, registry):
    client = client_of(make_user(Role.PROVINCE_OFFICER))
    url = reverse("registry:export", args=["products", "csv"])
    assert [r[2] for r in csv_rows(client.get(url + "?stars=4"))[1:]] == [NAMES[0]]
    assert [r[2] for r in csv_rows(client.get(url + "?q=muoi+tom"))[1:]] == [NAMES[1]]
    assert [r[2] for r in csv_rows(client.get(url + "?producer_type=household"))[1:]] == [NAMES[1]]
    assert sorted(
        r[2] for r in csv_rows(client.get(url + f"?commune={commune().code}&page=3"))[1:]
    ) == sorted([NAMES[0], NAMES[2]])
    producers = reverse("registry:export", args=["producers", "xlsx"])
    rows = xlsx_rows(client.get(producers + "?producer_type=household"))
    assert [r[1] for r in rows[1:]] == ["Hộ kinh doanh Muối tôm"]
    assert client.get(url + "?stars=9").status_code == 400


def test_csv_layout_and_diacritics(client_of, registry):
    response = client_of(make_user(Role.PROVINCE_OFFICER)).get(
        reverse("registry:export", args=["products", "csv"])
    )
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="san-pham-')
    rows = csv_rows(response)
    assert rows[0] == PRODUCTS.headers
    rated = next(r for r in rows if r[2] == NAMES[0])
    assert rated[:7] == [tax_code(0), "Hợp tác xã Bánh tráng Đ", NAMES[0], "Trang Bang dew-dried rice paper",
                         "I.3.b", "6", "0" + gtin(1)]  # fmt: skip
    assert rated[-3:] == ["4", "1234/QĐ-UBND", "12/03/2024"]  # the newest decision


def test_xlsx_layout(client_of, registry):
    response = client_of(make_user(Role.PROVINCE_OFFICER)).get(
        reverse("registry:export", args=["producers", "xlsx"])
    )
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(content(response)))
    assert workbook.sheetnames == ["Chủ thể", "Hướng dẫn"]
    rows = [list(r) for r in workbook["Chủ thể"].iter_rows(values_only=True)]
    assert rows[0] == PRODUCERS.headers
    first = next(r for r in rows if r[0] == tax_code(0))
    assert first[1:5] == ["Hợp tác xã Bánh tráng Đ", "Hợp tác xã", commune().code, commune().name]
    assert first[9] == datetime.datetime(2015, 6, 5) and first[15] == "Có"


# --- Round trip -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", ["producers", "products"])
def test_reimporting_an_export_changes_nothing(client_of, registry, kind, fmt):
    officer = make_user(Role.PROVINCE_OFFICER)
    client = client_of(officer)
    exported = content(client.get(reverse("registry:export", args=[kind, fmt])))
    state = registry_state()
    job = upload(client, kind, SimpleUploadedFile(f"export.{fmt}", exported))
    assert job.status == ImportJob.Status.CHECKED, job.errors
    expected_rows = 2 if kind == "producers" else 3
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, expected_rows)
    body = client.get(reverse("registry:import_detail", args=[job.pk])).content.decode()
    assert reverse("registry:import_confirm", args=[job.pk]) not in body  # nothing to import
    job = confirm(client, job)  # even when forced, it writes nothing
    assert job.status == ImportJob.Status.DONE and (job.created_count, job.updated_count) == (0, 0)
    assert registry_state() == state
    assert not AuditEvent.objects.filter(action="import").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_into_an_empty_registry_recreates_it_with_diacritics(client_of, registry, fmt):
    """The export of one province imported into a registry without those records creates them as they were."""
    officer = make_user(Role.PROVINCE_OFFICER)
    client = client_of(officer)
    # Stars without a decision cannot create a product (a rating needs its decision): keep it unrated.
    Product.objects.filter(pk=registry["salt"].pk).update(stars=None)
    producers = content(client.get(reverse("registry:export", args=["producers", fmt])))
    products = content(client.get(reverse("registry:export", args=["products", fmt])))
    fields = ["producer__tax_code", "name_vi", "name_en", "product_set", "gtin", "net_quantity", "packaging",
              "shelf_life_days", "description_vi", "stars"]  # fmt: skip
    before_products = sorted(Product.objects.filter(producer__commune__province_id="80").values_list(*fields))
    producer_fields = [
        f.name for f in Producer._meta.concrete_fields if f.name not in ("id", "created_at", "updated_at")
    ]
    before_producers = sorted(
        Producer.objects.filter(commune__province_id="80").values_list(*producer_fields)
    )
    StarRating.objects.all().delete()
    Product.objects.filter(producer__commune__province_id="80").delete()
    Producer.objects.filter(commune__province_id="80").delete()

    job = confirm(client, upload(client, "producers", SimpleUploadedFile(f"p.{fmt}", producers)))
    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 2), job.errors
    assert (
        sorted(Producer.objects.filter(commune__province_id="80").values_list(*producer_fields))
        == before_producers
    )
    job = confirm(client, upload(client, "products", SimpleUploadedFile(f"s.{fmt}", products)))
    assert (job.status, job.created_count) == (ImportJob.Status.DONE, 3), job.errors
    after = sorted(Product.objects.filter(producer__commune__province_id="80").values_list(*fields))
    assert after == before_products
    assert set(Product.objects.values_list("name_vi", flat=True)) >= set(NAMES)
    rating = StarRating.objects.get(product__name_vi=NAMES[0])
    assert (rating.stars, rating.decision_number, rating.source) == (
        4,
        "1234/QĐ-UBND",
        StarRating.Source.IMPORT,
    )


def test_the_list_sort_order_carries_over(client_of, registry):
    client = client_of(make_user(Role.PROVINCE_OFFICER))
    producers = csv_rows(client.get(reverse("registry:export", args=["producers", "csv"]) + "?sort=-stars"))
    assert [r[1] for r in producers[1:]] == [
        "Hợp tác xã Bánh tráng Đ",
        "Hộ kinh doanh Muối tôm",
    ]  # 4★ before 3★
    products = csv_rows(client.get(reverse("registry:export", args=["products", "csv"]) + "?sort=-name"))
    in_db_order = Product.objects.filter(producer__commune__province_id="80").order_by("-name_vi", "-id")
    assert [r[2] for r in products[1:]] == list(
        in_db_order.values_list("name_vi", flat=True)
    )  # the collation's


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, shown",
    [
        (Role.PROVINCE_OFFICER, True),
        (Role.COMMUNE_OFFICER, True),
        (Role.MINISTRY, True),
        (Role.COUNCIL_MEMBER, False),
        (Role.PRODUCER, False),
    ],
)
def test_export_buttons_only_for_those_who_may_export(role, shown, user_of, client_of):
    client = client_of(user_of(role))
    for url, kind in (("/registry/products/", "products"), ("/registry/producers/", "producers")):
        page = client.get(url).content.decode()
        assert (f"/registry/export/{kind}.csv" in page) is shown
        assert (f"/registry/export/{kind}.xlsx" in page) is shown
