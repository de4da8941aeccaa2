"""The Django admin shows, but cannot add, change or delete, the models whose changes have rules or an
audit trail: those change only through their app's services (or management commands)."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from ocop.accounts.auth import issue_token
from ocop.accounts.models import ApiToken
from ocop.places.models import Commune, Province
from ocop.registry.models import Producer, Product, ProductPhoto, SalesChannel, StarRating
from tests.factories import (
    ProducerFactory,
    ProductFactory,
    SalesChannelFactory,
    StarRatingFactory,
    UserFactory,
    make_photo,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def client(superuser):
    client = Client()
    client.force_login(superuser)
    return client


def _stored(obj) -> dict:
    """Every concrete field of the stored row."""
    row = type(obj).objects.get(pk=obj.pk)
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}


def _objects(superuser) -> dict:
    producer = ProducerFactory()
    product = ProductFactory(producer=producer)
    _, _key = issue_token(superuser.username, name="ci")
    return {
        Producer: producer,
        Product: product,
        Province: Province.objects.order_by("code").first(),
        Commune: Commune.objects.order_by("code").first(),
        ApiToken: ApiToken.objects.get(user=superuser),
    }


# (model, a field the POST tries to change, the value it sends)
EDITS = {
    Producer: ("name", "Renamed in the admin"),
    Product: ("name_vi", "Renamed in the admin"),
    Province: ("name", "Renamed in the admin"),
    Commune: ("name", "Renamed in the admin"),
    ApiToken: ("revoked", "on"),
}


@pytest.mark.parametrize("model", list(EDITS), ids=lambda m: m._meta.label)
def test_changelist_shown_add_refused_change_ignored(client, superuser, model):
    obj = _objects(superuser)[model]
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}?q=a").status_code == 200  # search still works
    assert client.get(f"{base}add/").status_code == 403
    count = model.objects.count()
    assert client.post(f"{base}add/", {"name": "New"}).status_code == 403
    assert model.objects.count() == count

    change = f"{base}{obj.pk}/change/"
    assert client.get(change).status_code == 200  # view only
    before = _stored(obj)
    field, value = EDITS[model]
    data = {f.name: getattr(obj, f.attname) or "" for f in model._meta.concrete_fields if f.editable}
    data[field] = value
    assert client.post(change, data).status_code == 403
    assert _stored(obj) == before

    assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_inlines_of_producer_and_product_are_read_only(client, superuser):
    product = ProductFactory()
    channel = SalesChannelFactory(producer=product.producer)
    rating = StarRatingFactory(product=product)
    photo = make_photo(product)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for model, obj in ((Producer, product.producer), (Product, product)):
        inlines = admin.site._registry[model].get_inline_instances(request, obj)
        assert inlines
        for inline in inlines:
            assert not inline.has_add_permission(request, obj)
            assert not inline.has_change_permission(request, obj)
            assert not inline.has_delete_permission(request, obj)
            assert inline.has_view_permission(request, obj)
    # The rows show on their parent's page, and are not reachable on admin pages of their own.
    page = client.get(f"/admin/registry/product/{product.pk}/change/")
    assert page.status_code == 200
    assert rating.decision_number in page.content.decode()
    assert client.get(f"/admin/registry/producer/{product.producer.pk}/change/").status_code == 200
    for model in (SalesChannel, ProductPhoto, StarRating):
        assert not admin.site.is_registered(model)
    before = [_stored(o) for o in (channel, rating, photo)]
    # A POST with inline rows changed is refused as a whole.
    data = {
        "name_vi": product.name_vi,
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "1",
        "photos-0-id": photo.pk,
        "photos-0-product": product.pk,
        "photos-0-caption": "changed",
        "photos-0-DELETE": "on",
        "ratings-TOTAL_FORMS": "1",
        "ratings-INITIAL_FORMS": "1",
        "ratings-0-id": rating.pk,
        "ratings-0-stars": "5",
    }
    assert client.post(f"/admin/registry/product/{product.pk}/change/", data).status_code == 403
    assert [_stored(o) for o in (channel, rating, photo)] == before
