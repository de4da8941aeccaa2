"""The registry services: who may change what, one transaction per change, and its audit row."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from ocop.accounts.models import Role
from ocop.core import audit
from ocop.core.models import AuditEvent
from ocop.registry import rules, services
from ocop.registry.models import Producer, Product, ProductPhoto, ProductStatus, SalesChannel, StarRating
from tests.factories import (
    ProducerFactory,
    ProductFactory,
    SalesChannelFactory,
    commune,
    image_upload,
    make_photo,
    make_user,
    other_commune,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def here():
    return commune()


@pytest.fixture
def province(here):
    return make_user(Role.PROVINCE_OFFICER, province_id=here.province_id)


def rating(stars=4, decision_date=datetime.date(2025, 6, 20), **kwargs) -> StarRating:
    return StarRating(stars=stars, decision_number="45/QĐ-UBND", decision_date=decision_date, **kwargs)


def test_certificate_expiry_is_36_months():
    assert rules.certificate_expiry(datetime.date(2025, 6, 20)) == datetime.date(2028, 6, 20)
    assert rules.certificate_expiry(datetime.date(2024, 2, 29)) == datetime.date(2027, 2, 28)


def test_record_rating_sets_stars_status_and_validity(province, here):
    product = ProductFactory(producer=ProducerFactory(commune=here))
    with translation.override("vi"):  # the history keeps the labels in the language of the change
        saved = services.record_rating(province, product, rating(points=Decimal("72.5")))
    assert saved.valid_until == datetime.date(2028, 6, 20) and saved.created_by == province
    product.refresh_from_db()
    assert product.stars == 4 and product.status == ProductStatus.RATED
    event = audit.history(product).get()
    assert event.action == AuditEvent.Action.RATE and event.verb == "rating.record"
    assert event.changes["stars"] == [None, 4]
    assert event.changes["status"] == ["Ý tưởng sản phẩm", "Đã phân hạng"]
    assert event.changes["decision"] == [None, "45/QĐ-UBND (20/06/2025), 72.5"]


def test_an_explicit_validity_is_kept(province, here):
    product = ProductFactory(producer=ProducerFactory(commune=here))
    saved = services.record_rating(province, product, rating(valid_until=datetime.date(2026, 1, 1)))
    assert saved.valid_until == datetime.date(2026, 1, 1)


def test_an_old_decision_makes_the_product_expired(province, here):
    product = ProductFactory(producer=ProducerFactory(commune=here))
    services.record_rating(province, product, rating(stars=3, decision_date=datetime.date(2019, 1, 1)))
    product.refresh_from_db()
    assert product.status == ProductStatus.EXPIRED and product.stars == 3


def test_two_stars_have_no_certificate(province, here):
    product = ProductFactory(producer=ProducerFactory(commune=here), status=ProductStatus.IN_EVALUATION)
    saved = services.record_rating(province, product, rating(stars=2))
    assert saved.valid_until is None
    product.refresh_from_db()
    assert product.stars == 2 and product.status == ProductStatus.IN_EVALUATION


@pytest.mark.parametrize("role", [Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER, Role.MINISTRY])
def test_only_province_records_ratings(here, role):
    product = ProductFactory(producer=ProducerFactory(commune=here))
    user = make_user(role, producer=product.producer) if role == Role.PRODUCER else make_user(role)
    with pytest.raises(PermissionDenied):
        services.record_rating(user, product, rating())
    assert not StarRating.objects.exists() and Product.objects.get(pk=product.pk).stars is None


def test_the_ministry_records_only_five_star_ratings(here):
    """The Minister recognises 5★ (Art. 3.3): the Ministry records that rating, and no other."""
    product = ProductFactory(producer=ProducerFactory(commune=here))
    ministry = make_user(Role.MINISTRY)
    assert services.can_record_rating(ministry, product, 5)
    assert not services.can_record_rating(ministry, product) and not services.can_record_rating(
        ministry, product, 4
    )
    with pytest.raises(PermissionDenied):
        services.record_rating(ministry, product, rating(stars=4))
    assert not StarRating.objects.exists()
    saved = services.record_rating(ministry, product, rating(stars=5))
    assert saved.created_by == ministry and saved.valid_until == datetime.date(2028, 6, 20)
    product.refresh_from_db()
    assert product.stars == 5 and product.status == ProductStatus.RATED
    assert audit.history(product).get().action == AuditEvent.Action.RATE


@pytest.mark.parametrize("role", [Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER])
def test_no_other_role_records_a_five_star_rating(here, role):
    product = ProductFactory(producer=ProducerFactory(commune=here))
    user = make_user(role, producer=product.producer) if role == Role.PRODUCER else make_user(role)
    with pytest.raises(PermissionDenied):
        services.record_rating(user, product, rating(stars=5))
    assert not StarRating.objects.exists()


def test_province_officer_of_another_province_cannot_rate(here):
    product = ProductFactory(producer=ProducerFactory(commune=here))
    with pytest.raises(PermissionDenied):
        services.record_rating(make_user(Role.PROVINCE_OFFICER, province_id="01"), product, rating())


def test_create_producer_checks_the_commune(here):
    officer = make_user(Role.COMMUNE_OFFICER, commune=here)
    with pytest.raises(PermissionDenied):
        services.create_producer(officer, ProducerFactory.build(commune=other_commune(here)))
    with pytest.raises(PermissionDenied):
        services.create_producer(make_user(Role.PRODUCER), ProducerFactory.build(commune=here))
    assert services.create_producer(officer, ProducerFactory.build(commune=here, tax_code="0100109106")).pk


def test_update_producer_refuses_a_move_outside_the_area(here):
    producer = ProducerFactory(commune=here)
    officer = make_user(Role.COMMUNE_OFFICER, commune=here)
    producer.commune = other_commune(here)
    producer.address = "changed"
    with pytest.raises(PermissionDenied):
        services.update_producer(officer, producer)
    stored = Producer.objects.get(pk=producer.pk)
    assert stored.commune_id == here.pk and stored.address != "changed"


def test_producer_cannot_move_its_own_producer(here):
    producer = ProducerFactory(commune=here)
    owner = make_user(Role.PRODUCER, producer=producer)
    producer.commune = other_commune(here)
    with pytest.raises(PermissionDenied):
        services.update_producer(owner, producer)
    assert Producer.objects.get(pk=producer.pk).commune_id == here.pk


def test_update_producer_records_old_and_new(here, province):
    producer = ProducerFactory(commune=here, phone="")
    producer.phone = "0276 3822 111"
    services.update_producer(province, producer)
    assert audit.history(producer).get().changes == {"phone": ["", "0276 3822 111"]}
    services.update_producer(province, producer)  # no change, no event
    assert audit.history(producer).count() == 1


def test_update_product_keeps_official_fields_for_producers_and_communes(here):
    product = ProductFactory(producer=ProducerFactory(commune=here))
    owner = make_user(Role.PRODUCER, producer=product.producer)
    product.stars, product.status, product.name_vi = 5, ProductStatus.RATED, "Tên mới"
    services.update_product(owner, product)
    stored = Product.objects.get(pk=product.pk)
    assert (stored.stars, stored.status, stored.name_vi) == (None, ProductStatus.IDEA, "Tên mới")
    officer = make_user(Role.COMMUNE_OFFICER, commune=here)
    stored.stars, stored.status = 5, ProductStatus.IN_EVALUATION
    services.update_product(officer, stored)
    stored = Product.objects.get(pk=product.pk)
    assert (stored.stars, stored.status) == (None, ProductStatus.IN_EVALUATION)


def test_producer_creating_a_product_gets_an_idea_without_stars(here):
    owner = make_user(Role.PRODUCER, producer=ProducerFactory(commune=here))
    product = services.create_product(
        owner, ProductFactory.build(producer=owner.producer, stars=5, status=ProductStatus.RATED)
    )
    assert (product.stars, product.status) == (None, ProductStatus.IDEA)
    with pytest.raises(PermissionDenied):
        services.create_product(owner, ProductFactory.build(producer=ProducerFactory(commune=here)))


def test_delete_is_for_province_officers_only(here, province):
    product = ProductFactory(producer=ProducerFactory(commune=here))
    with pytest.raises(PermissionDenied):
        services.delete_product(make_user(Role.COMMUNE_OFFICER, commune=here), product)
    with pytest.raises(ValidationError):
        services.delete_producer(province, product.producer)  # it still has a product
    services.delete_product(province, product)
    services.delete_producer(province, product.producer)
    assert not Producer.objects.filter(pk=product.producer_id).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DELETE).count() == 2


def test_sales_channels_of_another_producer_are_refused(here, province):
    producer, other = ProducerFactory(commune=here), ProducerFactory(commune=here)
    foreign = SalesChannelFactory(producer=other, name="Lazada")
    foreign.name = "Stolen"
    with pytest.raises(PermissionDenied):
        services.set_sales_channels(province, producer, [foreign], [])
    with pytest.raises(PermissionDenied):
        services.set_sales_channels(province, producer, [], [SalesChannel.objects.get(pk=foreign.pk)])
    assert SalesChannel.objects.get(pk=foreign.pk).name == "Lazada"


def test_sales_channels_audited(here, province):
    producer = ProducerFactory(commune=here)
    with translation.override("vi"):
        services.set_sales_channels(
            province, producer, [SalesChannel(kind=SalesChannel.Kind.SUPERMARKET, name="GO!")], []
        )
    assert producer.uses_modern_channel
    assert audit.history(producer).get().changes == {"sales_channels": [[], ["Siêu thị: GO!"]]}


def test_add_photo_failure_leaves_no_files(here, province, monkeypatch, settings):
    product = ProductFactory(producer=ProducerFactory(commune=here))

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.add_photo(province, product, image_upload())
    assert not ProductPhoto.objects.exists()
    media = settings.MEDIA_ROOT
    assert not list(media.rglob("*.*")) if media.exists() else True


def test_photo_permission(here):
    product = ProductFactory(producer=ProducerFactory(commune=here))
    with pytest.raises(PermissionDenied):
        services.add_photo(make_user(Role.COUNCIL_MEMBER), product, image_upload())
    photo = make_photo(product)
    other_owner = make_user(Role.PRODUCER, producer=ProducerFactory(commune=here))
    with pytest.raises(PermissionDenied):
        services.delete_photo(other_owner, photo)
    assert ProductPhoto.objects.filter(pk=photo.pk).exists()


def test_delete_product_removes_photo_files_after_commit(here, province, django_capture_on_commit_callbacks):
    product = ProductFactory(producer=ProducerFactory(commune=here))
    photo = make_photo(product, province)
    storage, names = photo.image.storage, [photo.image.name, photo.thumbnail.name]
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_product(province, product)
    assert not any(storage.exists(n) for n in names)


# --- Writes made for other apps' processes (dossiers, certificates): locked, audited, no-op when equal


def test_set_status_records_old_and_new(here, province):
    product = ProductFactory(producer=ProducerFactory(commune=here), status=ProductStatus.IDEA)
    with translation.override("en"):
        saved = services.set_status(province, product, ProductStatus.IN_EVALUATION, note="dossier filed")
    assert saved.status == ProductStatus.IN_EVALUATION
    assert Product.objects.get(pk=product.pk).status == ProductStatus.IN_EVALUATION
    event = audit.history(product).get()
    assert event.action == AuditEvent.Action.UPDATE and event.verb == "product.set_status"
    assert event.actor == province
    assert event.note == "dossier filed"
    assert list(event.changes) == ["status"]
    with translation.override("en"):
        assert event.changes["status"] == [ProductStatus.IDEA.label, ProductStatus.IN_EVALUATION.label]


def test_set_status_is_a_no_op_when_unchanged(here):
    product = ProductFactory(producer=ProducerFactory(commune=here), status=ProductStatus.RATED)
    stamp = Product.objects.get(pk=product.pk).updated_at
    services.set_status(None, product, ProductStatus.RATED)
    assert not audit.history(product).exists()
    assert Product.objects.get(pk=product.pk).updated_at == stamp


def test_set_status_by_a_system_run_has_no_actor(here):
    product = ProductFactory(producer=ProducerFactory(commune=here), status=ProductStatus.RATED)
    services.set_status(None, product, ProductStatus.EXPIRED, note="ocop_expire")
    event = audit.history(product).get()
    assert event.actor is None and event.note == "ocop_expire"


def test_set_status_writes_only_the_status(here, province):
    product = ProductFactory(producer=ProducerFactory(commune=here), status=ProductStatus.IDEA)
    product.name_vi = "changed in memory only"
    services.set_status(province, product, ProductStatus.IN_EVALUATION)
    stored = Product.objects.get(pk=product.pk)
    assert stored.name_vi != "changed in memory only"
    assert stored.status == ProductStatus.IN_EVALUATION


def test_assigning_the_ocop_code_is_audited(here, province):
    product = ProductFactory(producer=ProducerFactory(commune=here))
    assert product.ocop_code == ""
    services.assign_ocop_code(province, product, "80-80001-001-2026")
    assert Product.objects.get(pk=product.pk).ocop_code == "80-80001-001-2026"
    event = audit.history(product).get()
    assert event.action == AuditEvent.Action.UPDATE and event.verb == "product.assign_ocop_code"
    assert event.actor == province
    assert event.changes == {"ocop_code": ["", "80-80001-001-2026"]}
    # The same code again changes nothing and writes no second event.
    services.assign_ocop_code(province, product, "80-80001-001-2026")
    assert audit.history(product).count() == 1
