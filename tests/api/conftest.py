"""Shared data for the API tests: three producers in two Tây Ninh communes and one in Hà Nội."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from ocop.accounts.models import ApiToken, Role
from ocop.places.models import Commune
from ocop.registry.models import Producer, ProducerType, Product, ProductStatus, SalesChannel, StarRating
from tests.factories import (
    ProducerFactory,
    ProductFactory,
    SalesChannelFactory,
    commune,
    make_user,
    other_commune,
)

HA_NOI = "01"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def token_client(user, **extra) -> Client:
    _token, key = ApiToken.issue(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", **extra)


@pytest.fixture
def as_token():
    """as_token(user) → a client sending a fresh bearer token of that user."""
    return token_client


@dataclass
class World:
    c1: Commune
    c2: Commune
    c3: Commune
    e1: Producer
    e2: Producer
    e3: Producer
    p1: Product
    p2: Product
    p3: Product


@pytest.fixture
def world(db) -> World:
    c1 = commune()
    c2 = other_commune(c1)
    c3 = commune(province=HA_NOI)
    e1 = ProducerFactory(
        name="Hợp tác xã Bánh tráng Trảng Bàng", commune=c1, producer_type=ProducerType.COOPERATIVE
    )
    e2 = ProducerFactory(
        name="Hộ kinh doanh Muối tôm Tây Ninh", commune=c2, producer_type=ProducerType.HOUSEHOLD
    )
    e3 = ProducerFactory(name="Công ty Gốm Bát Tràng", commune=c3, producer_type=ProducerType.ENTERPRISE)
    SalesChannelFactory(producer=e1, kind=SalesChannel.Kind.ECOMMERCE, name="Shopee")
    SalesChannelFactory(producer=e2, kind=SalesChannel.Kind.TRADITIONAL, name="Chợ Long Hoa")
    p1 = ProductFactory(
        producer=e1,
        name_vi="Bánh tráng phơi sương",
        name_en="Dew-dried rice paper",
        product_set="I.3.a",
        stars=4,
        status=ProductStatus.RATED,
        gtin="08934567890120",
    )
    StarRating.objects.create(
        product=p1,
        stars=3,
        decision_number="12/QĐ-UBND",
        decision_date=datetime.date(2022, 3, 1),
        valid_until=datetime.date(2025, 3, 1),
    )
    StarRating.objects.create(
        product=p1,
        stars=4,
        points="78.50",
        decision_number="345/QĐ-UBND",
        decision_date=datetime.date(2025, 6, 10),
        valid_until=datetime.date(2028, 6, 10),
    )
    p2 = ProductFactory(producer=e2, name_vi="Muối tôm", name_en="Shrimp salt", product_set="I.5.a")
    p3 = ProductFactory(
        producer=e3,
        name_vi="Gốm men lam",
        name_en="Blue-glaze pottery",
        product_set="IV.2",
        stars=3,
        status=ProductStatus.RATED,
    )
    return World(c1, c2, c3, e1, e2, e3, p1, p2, p3)


@pytest.fixture
def reader(world):
    """reader(role) → a signed-in user of that role, scoped to the world's first producer or its place."""

    def make(role, **kwargs):
        if role == Role.COMMUNE_OFFICER:
            kwargs.setdefault("commune", world.c1)
        elif role == Role.PRODUCER:
            kwargs.setdefault("producer", world.e1)
        return make_user(role, **kwargs)

    return make
