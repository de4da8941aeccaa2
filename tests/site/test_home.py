import pytest
from django.test import Client

from ocop.accounts.models import Role
from ocop.places.models import Commune
from ocop.registry.models import ProductStatus
from tests.factories import ProducerFactory, ProductFactory


def rated(stars, status=ProductStatus.RATED, province="80"):
    producer = ProducerFactory(commune=Commune.objects.filter(province_id=province).first())
    return ProductFactory(producer=producer, stars=stars, status=status)


@pytest.fixture
def products(db):
    rated(3), rated(3), rated(4), rated(5)
    rated(3, ProductStatus.EXPIRED)  # no longer counted
    rated(4, ProductStatus.REVOKED)
    rated(4, province="01")  # another province
    ProductFactory()  # an idea, no stars


def stat_numbers(html: str) -> list[str]:
    return [chunk.split("</span>")[0] for chunk in html.split('<span class="num">')[1:]]


def test_anonymous_home_shows_the_default_provinces_valid_ratings(products, settings):
    settings.OCOP_DEFAULT_PROVINCE_CODE = "80"
    html = Client().get("/").content.decode()
    assert "Tây Ninh" in html
    assert stat_numbers(html) == ["2", "1", "1"]


def test_signed_in_home_counts_the_users_area(products, user_of, client_of):
    html = client_of(user_of(Role.MINISTRY)).get("/").content.decode()
    # all products, then valid 3★, 4★, 5★ across the country, then producers
    assert stat_numbers(html)[:4] == ["8", "2", "2", "1"]
    html = client_of(user_of(Role.PROVINCE_OFFICER)).get("/").content.decode()
    assert stat_numbers(html)[:4] == ["7", "2", "1", "1"]
