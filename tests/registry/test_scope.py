import pytest
from django.contrib.auth.models import AnonymousUser

from ocop.accounts.models import Role
from ocop.places.models import Commune
from ocop.registry.models import ImportJob, Producer, Product
from tests.factories import ProducerFactory, ProductFactory, UserFactory, commune


@pytest.fixture
def two_provinces(db):
    tay_ninh = ProductFactory(producer=ProducerFactory(commune=commune()))
    ha_noi = ProductFactory(
        producer=ProducerFactory(commune=Commune.objects.filter(province_id="01").first())
    )
    return tay_ninh, ha_noi


def test_machine_client_reads_only_the_province_it_was_given(two_provinces):
    tay_ninh, ha_noi = two_provinces
    client = UserFactory(role=Role.INTEGRATOR, province_id="80")
    assert list(Product.objects.visible_to(client)) == [tay_ninh]
    assert list(Producer.objects.visible_to(client)) == [tay_ninh.producer]
    assert not Product.objects.editable_by(client).exists()


def test_machine_client_without_a_province_reads_nothing(two_provinces):
    client = UserFactory(role=Role.INTEGRATOR)
    assert not Product.objects.visible_to(client).exists()
    assert not Producer.objects.visible_to(client).exists()


def test_user_without_role_or_inactive_reads_nothing(two_provinces):
    assert not Product.objects.visible_to(UserFactory(role="")).exists()
    officer = UserFactory(role=Role.PROVINCE_OFFICER, province_id="80", is_active=False)
    assert not Product.objects.visible_to(officer).exists()


@pytest.mark.django_db
def test_import_jobs_are_their_uploaders():
    mine, theirs = (UserFactory(role=Role.PROVINCE_OFFICER, province_id="80") for _ in range(2))
    job = ImportJob.objects.create(kind="producers", created_by=mine, original_name="a.csv")
    ImportJob.objects.create(kind="products", created_by=theirs, original_name="b.csv")
    assert list(ImportJob.objects.visible_to(mine)) == [job]
    assert list(ImportJob.objects.editable_by(mine)) == [job]
    assert ImportJob.objects.visible_to(UserFactory(is_superuser=True)).count() == 2
    assert not ImportJob.objects.visible_to(AnonymousUser()).exists()
