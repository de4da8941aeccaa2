"""Creating, editing and deleting through the pages: validation messages in place, forged requests
refused with nothing changed, and an audit event (old → new) for every change, shown on the History tab."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from ocop.accounts.models import Role
from ocop.core.audit import history
from ocop.core.models import AuditEvent
from ocop.places.models import Commune
from ocop.registry.models import Producer, ProducerType, Product, ProductStatus, SalesChannel, StarRating
from tests.factories import (
    ProducerFactory,
    ProductFactory,
    SalesChannelFactory,
    commune,
    make_user,
    other_commune,
    valid_tax_code,
)
from tests.registry.test_views_access import producer_post


def product_data(product: Product, **changes) -> dict:
    data = {
        "producer": product.producer_id,
        "name_vi": product.name_vi,
        "name_en": product.name_en,
        "product_set": product.product_set,
        "status": product.status,
        "gtin": product.gtin,
        "shelf_life_days": product.shelf_life_days or "",
    }
    return data | changes


def snapshot(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


@pytest.fixture
def setup(db, client_of):
    here = commune()
    producer = ProducerFactory(commune=here, tax_code=valid_tax_code(0))
    product = ProductFactory(producer=producer, name_vi="Bánh tráng phơi sương")
    owner = make_user(Role.PRODUCER, producer=producer)
    province = make_user(Role.PROVINCE_OFFICER, province_id=here.province_id)
    officer = make_user(Role.COMMUNE_OFFICER, commune=here)
    return {
        "here": here,
        "there": other_commune(here),
        "producer": producer,
        "product": product,
        "owner": owner,
        "province": province,
        "officer": officer,
        "as_owner": client_of(owner),
        "as_province": client_of(province),
        "as_officer": client_of(officer),
    }


# --- Products --------------------------------------------------------------------------------------


def test_producer_form_hides_stars_and_status_and_fixes_the_producer(setup):
    form = setup["as_owner"].get(reverse("registry:product_edit", args=[setup["product"].pk])).context["form"]
    assert "stars" not in form.fields and "status" not in form.fields
    assert form.fields["producer"].disabled
    officer_form = setup["as_province"].get(reverse("registry:product_edit", args=[setup["product"].pk]))
    assert "status" in officer_form.context["form"].fields
    assert "stars" not in officer_form.context["form"].fields  # stars come only from a recorded rating


def test_producer_edits_own_product_and_history_shows_old_to_new(setup):
    product = setup["product"]
    url = reverse("registry:product_edit", args=[product.pk])
    response = setup["as_owner"].post(
        url, product_data(product, name_vi="Bánh tráng Trảng Bàng", gtin="8934567890120")
    )
    assert response.status_code == 302 and response["Location"] == product.get_absolute_url()
    product.refresh_from_db()
    assert product.name_vi == "Bánh tráng Trảng Bàng"
    assert product.gtin == "08934567890120"  # stored as GTIN-14
    event = history(product).get()
    assert event.action == AuditEvent.Action.UPDATE and event.actor == setup["owner"]
    assert event.changes["name_vi"] == ["Bánh tráng phơi sương", "Bánh tráng Trảng Bàng"]
    assert event.changes["gtin"] == ["", "08934567890120"]
    page = setup["as_owner"].get(reverse("registry:product_history", args=[product.pk])).content.decode()
    assert "Bánh tráng phơi sương" in page and "Bánh tráng Trảng Bàng" in page and "→" in page
    assert "banh trang phoi suong" not in page  # the derived search key is not listed as a change
    detail = setup["as_owner"].get(product.get_absolute_url()).content.decode()
    with translation.override("vi"):  # 893… is a Vietnamese GTIN
        assert translation.gettext("GS1 prefix 893: a barcode issued in Vietnam.") in detail


def test_producer_posting_stars_and_status_changes_neither(setup):
    product = setup["product"]
    url = reverse("registry:product_edit", args=[product.pk])
    data = product_data(product, name_vi="Tên mới", stars=5, status=ProductStatus.RATED)
    assert setup["as_owner"].post(url, data).status_code == 302
    product.refresh_from_db()
    assert product.name_vi == "Tên mới"
    assert product.stars is None and product.status == ProductStatus.IDEA


def test_producer_cannot_edit_another_producers_product_by_id(setup, client_of):
    other = client_of(make_user(Role.PRODUCER, producer=ProducerFactory(commune=setup["here"])))
    before = snapshot(Product, setup["product"].pk)
    url = reverse("registry:product_edit", args=[setup["product"].pk])
    assert other.post(url, product_data(setup["product"], name_vi="Hacked")).status_code == 404
    assert snapshot(Product, setup["product"].pk) == before
    assert not AuditEvent.objects.exists()


def test_producer_cannot_move_its_product_to_another_producer(setup):
    other_producer = ProducerFactory(commune=setup["here"])
    url = reverse("registry:product_edit", args=[setup["product"].pk])
    setup["as_owner"].post(url, product_data(setup["product"], producer=other_producer.pk))
    assert Product.objects.get(pk=setup["product"].pk).producer_id == setup["producer"].pk
    assert not other_producer.products.exists()


def test_officer_cannot_give_a_product_to_an_producer_outside_the_commune(setup):
    outside = ProducerFactory(commune=setup["there"])
    url = reverse("registry:product_edit", args=[setup["product"].pk])
    response = setup["as_officer"].post(url, product_data(setup["product"], producer=outside.pk))
    assert response.status_code == 200 and "producer" in response.context["form"].errors
    assert Product.objects.get(pk=setup["product"].pk).producer_id == setup["producer"].pk


@pytest.mark.parametrize(
    "gtin, message",
    [
        ("8934567890127", "The GTIN's check digit is wrong; please check the number on the barcode."),
        ("8934567890126", "The GTIN's check digit is wrong; please check the number on the barcode."),
        ("12345", "A GTIN has 8, 12, 13 or 14 digits."),
        ("89345678901x6", "A GTIN has 8, 12, 13 or 14 digits."),
    ],
)
def test_bad_gtin_is_shown_on_its_field_and_nothing_changes(setup, gtin, message):
    before = snapshot(Product, setup["product"].pk)
    url = reverse("registry:product_edit", args=[setup["product"].pk])
    response = setup["as_owner"].post(url, product_data(setup["product"], name_vi="Đổi tên", gtin=gtin))
    assert response.status_code == 200
    errors = response.context["form"].errors
    with translation.override("vi"):
        assert list(errors) == ["gtin"] and errors["gtin"] == [translation.gettext(message)]
    assert 'class="form-row has-error' in response.content.decode()
    assert snapshot(Product, setup["product"].pk) == before


def test_gtin_already_used_is_refused(setup):
    ProductFactory(gtin="08934567890120")
    url = reverse("registry:product_edit", args=[setup["product"].pk])
    response = setup["as_owner"].post(url, product_data(setup["product"], gtin="8934567890120"))
    assert "gtin" in response.context["form"].errors


def test_create_product_audited(setup):
    data = product_data(setup["product"], name_vi="Muối tôm", product_set="I.4.b", gtin="")
    response = setup["as_officer"].post(reverse("registry:product_create"), data)
    created = Product.objects.get(name_vi="Muối tôm")
    assert response["Location"] == created.get_absolute_url()
    event = history(created).get()
    assert event.action == AuditEvent.Action.CREATE
    assert event.changes["name_vi"] == [None, "Muối tôm"]


def test_commune_officer_cannot_set_stars_through_status_form(setup):
    url = reverse("registry:product_edit", args=[setup["product"].pk])
    data = product_data(setup["product"], status=ProductStatus.IN_EVALUATION, stars=5)
    setup["as_officer"].post(url, data)
    product = Product.objects.get(pk=setup["product"].pk)
    assert product.status == ProductStatus.IN_EVALUATION and product.stars is None


def test_delete_product_audited(setup):
    product = setup["product"]
    response = setup["as_province"].post(reverse("registry:product_delete", args=[product.pk]))
    assert response["Location"] == reverse("registry:product_list")
    assert not Product.objects.filter(pk=product.pk).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE)
    assert event.object_id == str(product.pk) and event.changes["name_vi"] == ["Bánh tráng phơi sương", None]


# --- Ratings ---------------------------------------------------------------------------------------


def test_record_rating_defaults_validity_and_is_audited(setup):
    product = setup["product"]
    data = {"stars": 4, "points": "76.5", "decision_number": "123/QĐ-UBND", "decision_date": "2025-06-20"}
    response = setup["as_province"].post(reverse("registry:product_rate", args=[product.pk]), data)
    assert response.status_code == 302
    rating = StarRating.objects.get(product=product)
    assert rating.valid_until == datetime.date(2028, 6, 20)  # + 36 months
    assert rating.created_by == setup["province"]
    product.refresh_from_db()
    assert product.stars == 4 and product.status == ProductStatus.RATED
    event = history(product).get()
    assert event.action == AuditEvent.Action.RATE
    assert event.changes["stars"] == [None, 4]
    assert "123/QĐ-UBND" in event.changes["decision"][1]
    detail = setup["as_province"].get(product.get_absolute_url()).content.decode()
    assert "123/QĐ-UBND" in detail and "20/06/2028" in detail


@pytest.mark.parametrize(
    "data, field",
    [
        ({"stars": 5, "points": "80"}, "stars"),  # 80 points allow 4 stars at most
        ({"stars": 3, "points": "120"}, "points"),
        ({"stars": 3, "decision_date": "2999-01-01"}, "decision_date"),
        ({"stars": 3, "valid_until": "2020-01-01"}, "valid_until"),
        ({"stars": 9}, "stars"),
        ({"stars": 3, "decision_number": ""}, "decision_number"),
    ],
)
def test_bad_rating_shows_errors_and_records_nothing(setup, data, field):
    base = {
        "stars": 4,
        "points": "",
        "decision_number": "1/QĐ",
        "decision_date": "2025-06-20",
        "valid_until": "",
    }
    response = setup["as_province"].post(
        reverse("registry:product_rate", args=[setup["product"].pk]), base | data
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not StarRating.objects.exists()
    assert Product.objects.get(pk=setup["product"].pk).stars is None


def test_producer_posting_a_rating_is_refused(setup):
    data = {"stars": 5, "decision_number": "1/QĐ", "decision_date": "2025-06-20"}
    assert (
        setup["as_owner"].post(reverse("registry:product_rate", args=[setup["product"].pk]), data).status_code
        == 403
    )
    assert not StarRating.objects.exists() and Product.objects.get(pk=setup["product"].pk).stars is None


# --- Producers -------------------------------------------------------------------------------------


def test_create_producer_normalises_tax_code_and_is_audited(setup):
    data = producer_post(
        setup["producer"], name="Hợp tác xã Mới", tax_code="0100109106 001", commune=setup["here"].pk
    )
    response = setup["as_officer"].post(reverse("registry:producer_create"), data)
    created = Producer.objects.get(name="Hợp tác xã Mới")
    assert response["Location"] == created.get_absolute_url()
    assert created.tax_code == "0100109106-001"
    event = history(created).get()
    assert event.action == AuditEvent.Action.CREATE and event.changes["tax_code"] == [None, "0100109106-001"]


@pytest.mark.parametrize(
    "producer_type, tax_code, ok",
    [
        (ProducerType.HOUSEHOLD, "072190001234", True),  # a household may use the owner's personal ID
        (ProducerType.COOPERATIVE, "072190001234", False),
        (ProducerType.HOUSEHOLD, "999190001234", False),  # no such birth-place code
        (ProducerType.COOPERATIVE, "0100109107", False),  # wrong check digit
    ],
)
def test_tax_code_rules(setup, producer_type, tax_code, ok):
    data = producer_post(setup["producer"], name="Hộ Mới", producer_type=producer_type, tax_code=tax_code)
    response = setup["as_officer"].post(reverse("registry:producer_create"), data)
    assert Producer.objects.filter(name="Hộ Mới").exists() == ok
    if not ok:
        assert list(response.context["form"].errors) == ["tax_code"]


def test_staff_counts_cannot_exceed_total(setup):
    data = producer_post(setup["producer"], staff_total=5, staff_female=6, staff_local=9)
    response = setup["as_officer"].post(reverse("registry:producer_edit", args=[setup["producer"].pk]), data)
    assert set(response.context["form"].errors) == {"staff_female", "staff_local"}


def test_duplicate_tax_code_is_refused_in_place(setup):
    other = ProducerFactory(commune=setup["here"])
    data = producer_post(setup["producer"], tax_code=other.tax_code)
    response = setup["as_officer"].post(reverse("registry:producer_edit", args=[setup["producer"].pk]), data)
    assert "tax_code" in response.context["form"].errors


def test_commune_officer_cannot_move_an_producer_out_of_the_commune(setup):
    before = snapshot(Producer, setup["producer"].pk)
    data = producer_post(setup["producer"], commune=setup["there"].pk, address="Ấp khác")
    response = setup["as_officer"].post(reverse("registry:producer_edit", args=[setup["producer"].pk]), data)
    assert response.status_code == 200 and "commune" in response.context["form"].errors
    assert snapshot(Producer, setup["producer"].pk) == before
    assert not AuditEvent.objects.exists()


def test_province_officer_moves_within_the_province_only(setup):
    far = Commune.objects.exclude(province_id=setup["here"].province_id).first()
    url = reverse("registry:producer_edit", args=[setup["producer"].pk])
    response = setup["as_province"].post(url, producer_post(setup["producer"], commune=far.pk))
    assert "commune" in response.context["form"].errors
    assert Producer.objects.get(pk=setup["producer"].pk).commune_id == setup["here"].pk
    response = setup["as_province"].post(url, producer_post(setup["producer"], commune=setup["there"].pk))
    assert response.status_code == 302
    assert Producer.objects.get(pk=setup["producer"].pk).commune_id == setup["there"].pk
    event = history(setup["producer"]).get()
    assert event.changes["commune"] == [setup["here"].name, setup["there"].name]


def test_producer_edits_own_producer_but_not_its_commune(setup):
    data = producer_post(
        setup["producer"], commune=setup["there"].pk, phone="0909 123 456", representative_has_disability="on"
    )
    response = setup["as_owner"].post(reverse("registry:producer_edit", args=[setup["producer"].pk]), data)
    assert response.status_code == 302
    producer = Producer.objects.get(pk=setup["producer"].pk)
    assert producer.phone == "0909 123 456" and producer.representative_has_disability
    assert producer.commune_id == setup["here"].pk
    assert history(producer).get().changes["representative_has_disability"] == [False, True]


def test_producer_detail_shows_all_profile_fields(setup):
    producer = setup["producer"]
    Producer.objects.filter(pk=producer.pk).update(
        representative_gender="female",
        representative_ethnicity="Khmer",
        representative_has_disability=True,
        staff_total=25,
        staff_female=14,
        staff_local=20,
        staff_ethnic_minority=7,
    )
    SalesChannelFactory(producer=producer, kind=SalesChannel.Kind.SUPERMARKET, name="Co.opmart")
    SalesChannelFactory(producer=producer, kind=SalesChannel.Kind.TRADITIONAL, name="Chợ Trảng Bàng")
    response = setup["as_province"].get(producer.get_absolute_url())
    body = response.content.decode()
    for text in (
        "Khmer",
        "<dd>Nữ</dd>",  # the gender, in the page's language
        "25",
        "14",
        "20",
        "7",
        "Co.opmart",
        "Chợ Trảng Bàng",
        "Bánh tráng phơi sương",
    ):
        assert text in body
    assert response.context["uses_modern_channel"]
    modern = [c.name for c in response.context["channels"] if c.is_modern]
    assert modern == ["Co.opmart"]


def test_delete_producer_with_products_is_refused(setup):
    response = setup["as_province"].post(reverse("registry:producer_delete", args=[setup["producer"].pk]))
    assert response.status_code == 302 and response["Location"] == setup["producer"].get_absolute_url()
    assert Producer.objects.filter(pk=setup["producer"].pk).exists()
    assert not AuditEvent.objects.exists()


def test_delete_empty_producer_audited(setup):
    empty = ProducerFactory(commune=setup["here"], name="Tổ hợp tác Rỗng")
    response = setup["as_province"].post(reverse("registry:producer_delete", args=[empty.pk]))
    assert response["Location"] == reverse("registry:producer_list")
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE)
    assert event.changes["name"] == ["Tổ hợp tác Rỗng", None]


# --- Sales channels --------------------------------------------------------------------------------


def channels_data(rows: list[dict], initial: int) -> dict:
    data = {"sales_channels-TOTAL_FORMS": str(len(rows)), "sales_channels-INITIAL_FORMS": str(initial)}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"sales_channels-{i}-{key}"] = value
    return data


def test_channels_add_change_delete_audited(setup):
    producer = setup["producer"]
    keep = SalesChannelFactory(producer=producer, kind=SalesChannel.Kind.TRADITIONAL, name="Chợ")
    drop = SalesChannelFactory(producer=producer, kind=SalesChannel.Kind.ECOMMERCE, name="Shopee")
    rows = [
        {"id": keep.pk, "producer": producer.pk, "kind": "traditional", "name": "Chợ Trảng Bàng"},
        {"id": drop.pk, "producer": producer.pk, "kind": "ecommerce", "name": "Shopee", "DELETE": "on"},
        {
            "producer": producer.pk,
            "kind": "supermarket",
            "name": "Co.opmart",
            "url": "coopmart.vn",
            "evidence_date": "2025-01-02",
        },
        {"producer": producer.pk, "kind": "", "name": ""},  # an empty extra row is skipped
    ]
    response = setup["as_owner"].post(
        reverse("registry:producer_channels", args=[producer.pk]), channels_data(rows, 2)
    )
    assert response.status_code == 302
    assert sorted(producer.sales_channels.values_list("name", flat=True)) == ["Chợ Trảng Bàng", "Co.opmart"]
    assert producer.sales_channels.get(name="Co.opmart").url == "https://coopmart.vn"
    event = history(producer).get()
    old, new = event.changes["sales_channels"]
    assert "Chợ Trảng Bàng" not in " ".join(old) and "Shopee" in " ".join(old)
    assert "Co.opmart" in " ".join(new) and "Shopee" not in " ".join(new)


def test_channel_of_another_producer_cannot_be_edited_through_this_one(setup):
    foreign = SalesChannelFactory(producer=ProducerFactory(commune=setup["here"]), name="Lazada")
    rows = [{"id": foreign.pk, "producer": setup["producer"].pk, "kind": "ecommerce", "name": "Stolen"}]
    response = setup["as_owner"].post(
        reverse("registry:producer_channels", args=[setup["producer"].pk]), channels_data(rows, 1)
    )
    assert response.status_code in (200, 302)  # an id outside this producer's channels is never used
    foreign.refresh_from_db()
    assert foreign.name == "Lazada" and foreign.producer_id != setup["producer"].pk
    assert not setup["producer"].sales_channels.exists()
    assert not AuditEvent.objects.exists()


def test_channel_errors_in_place(setup):
    rows = [{"producer": setup["producer"].pk, "kind": "", "name": "Không rõ loại"}]
    response = setup["as_owner"].post(
        reverse("registry:producer_channels", args=[setup["producer"].pk]), channels_data(rows, 0)
    )
    assert response.status_code == 200
    assert "kind" in response.context["formset"].forms[0].errors
    assert not SalesChannel.objects.exists()


def test_history_tab_lists_sales_channel_changes(setup):
    producer = setup["product"].producer
    from ocop.core import audit

    audit.record(
        setup["owner"], producer, AuditEvent.Action.UPDATE, {"sales_channels": [[], ["Siêu thị: GO!"]]}
    )
    page = setup["as_owner"].get(reverse("registry:producer_history", args=[producer.pk])).content.decode()
    assert "Siêu thị: GO!" in page
    with translation.override("vi"):
        assert translation.gettext("sales channels") in page
