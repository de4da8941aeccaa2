"""Every registry page × every role: who may read, who may change, and what the others get.

An object outside the user's area answers 404 (its existence is not revealed); an action the user's
role may not take answers 403; an anonymous visitor is sent to sign in. Writes that are refused leave
the database as it was.
"""

from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.places.models import Province
from ocop.registry.models import Producer, Product, ProductPhoto, SalesChannel, StarRating
from tests.factories import (
    ProducerFactory,
    ProductFactory,
    SalesChannelFactory,
    commune,
    image_upload,
    make_photo,
    make_user,
    other_commune,
    valid_tax_code,
)

WHO = [
    "province",
    "province_elsewhere",
    "commune_here",
    "commune_other",
    "council",
    "owner",
    "other_producer",
    "ministry",
    "anonymous",
]


@dataclass
class World:
    producer: Producer
    product: Product
    photo: ProductPhoto
    channel: SalesChannel
    users: dict

    def client(self, who: str) -> Client:
        client = Client()
        if who != "anonymous":
            client.force_login(self.users[who])
        return client


@pytest.fixture
def world(db):
    here = commune()
    there = other_commune(here)
    producer = ProducerFactory(
        commune=here, name="Hợp tác xã Bánh tráng Trảng Bàng", tax_code=valid_tax_code(0)
    )
    product = ProductFactory(producer=producer, name_vi="Bánh tráng phơi sương")
    elsewhere = Province.objects.exclude(pk=here.province_id).order_by("code").first()
    users = {
        "province": make_user(Role.PROVINCE_OFFICER, province_id=here.province_id),
        "province_elsewhere": make_user(Role.PROVINCE_OFFICER, province_id=elsewhere.pk),
        "commune_here": make_user(Role.COMMUNE_OFFICER, commune=here),
        "commune_other": make_user(Role.COMMUNE_OFFICER, commune=there),
        "council": make_user(Role.COUNCIL_MEMBER, province_id=here.province_id),
        "owner": make_user(Role.PRODUCER, producer=producer),
        # Same commune, another producer: a producer's scope is its producer, not its commune.
        "other_producer": make_user(Role.PRODUCER, producer=ProducerFactory(commune=here)),
        "ministry": make_user(Role.MINISTRY),
    }
    photo = make_photo(product, users["province"])
    channel = SalesChannelFactory(producer=producer)
    return World(producer, product, photo, channel, users)


def expected(table: dict, who: str) -> int:
    return table[who]


READ_ALL = dict.fromkeys(WHO, 200) | {"anonymous": 302}
READ_OBJECT = READ_ALL | {"province_elsewhere": 404, "commune_other": 404, "other_producer": 404}
EDIT_OBJECT = READ_OBJECT | {"council": 403, "ministry": 403}
PROVINCE_ONLY = {
    "province": 200,
    "province_elsewhere": 404,
    "commune_here": 403,
    "commune_other": 403,
    "council": 403,
    "owner": 403,
    "other_producer": 403,
    "ministry": 403,
    "anonymous": 302,
}
CREATE_PRODUCT = READ_ALL | {"council": 403, "ministry": 403}
CREATE_PRODUCER = CREATE_PRODUCT | {"owner": 403, "other_producer": 403}
# POST-only actions answer a GET with 405 — after the role check, so others still get 403.
POST_ONLY = dict.fromkeys(WHO, 405) | {"council": 403, "ministry": 403, "anonymous": 302}

GET_PAGES = [
    ("registry:product_list", None, READ_ALL),
    ("registry:producer_list", None, READ_ALL),
    ("registry:product_detail", "product", READ_OBJECT),
    ("registry:product_history", "product", READ_OBJECT),
    ("registry:producer_detail", "producer", READ_OBJECT),
    ("registry:producer_history", "producer", READ_OBJECT),
    ("registry:product_edit", "product", EDIT_OBJECT),
    ("registry:producer_edit", "producer", EDIT_OBJECT),
    ("registry:producer_channels", "producer", EDIT_OBJECT),
    ("registry:product_create", None, CREATE_PRODUCT),
    ("registry:producer_create", None, CREATE_PRODUCER),
    ("registry:product_delete", "product", PROVINCE_ONLY),
    ("registry:producer_delete", "producer", PROVINCE_ONLY),
    ("registry:product_rate", "product", PROVINCE_ONLY),
    ("registry:photo_add", "product", POST_ONLY),
    ("registry:photo_delete", "photo", POST_ONLY),
]


def url_for(world: World, name: str, target: str | None) -> str:
    return reverse(name, args=[getattr(world, target).pk]) if target else reverse(name)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("name, target, table", GET_PAGES, ids=[p[0].split(":")[1] for p in GET_PAGES])
def test_get_each_page_as_each_role(world, who, name, target, table):
    url = url_for(world, name, target)
    response = world.client(who).get(url)
    assert response.status_code == expected(table, who), f"{who} GET {url}"
    if who == "anonymous":
        assert response["Location"] == f"{reverse(settings.LOGIN_URL)}?next={quote(url)}"


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("variant", ["thumb", "full"])
def test_photo_file_only_for_those_who_see_the_product(world, who, variant):
    response = world.client(who).get(reverse("registry:photo_file", args=[world.photo.pk, variant]))
    assert response.status_code == READ_OBJECT[who]
    if response.status_code == 200:
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, max-age=86400"
        body = b"".join(response.streaming_content)
        field = world.photo.image if variant == "full" else world.photo.thumbnail
        with field.storage.open(field.name, "rb") as stored:
            assert body == stored.read()


def test_photo_variant_must_be_known(world):
    response = world.client("province").get(reverse("registry:photo_file", args=[world.photo.pk, "original"]))
    assert response.status_code == 404


def test_media_has_no_public_url(world):
    assert world.client("province").get("/" + settings.MEDIA_URL + world.photo.image.name).status_code == 404


# --- Writes, role by role: the status, and whether the database changed ---------------------------

EDIT_WRITE = {
    "province": 302,
    "province_elsewhere": 404,
    "commune_here": 302,
    "commune_other": 404,
    "council": 403,
    "owner": 302,
    "other_producer": 404,
    "ministry": 403,
    "anonymous": 302,
}
PROVINCE_WRITE = PROVINCE_ONLY | {"province": 302}


def product_post(world: World, **changes) -> dict:
    p = world.product
    data = {
        "producer": p.producer_id,
        "name_vi": p.name_vi,
        "name_en": p.name_en,
        "product_set": p.product_set,
        "status": p.status,
        "gtin": p.gtin,
    }
    return data | changes


def producer_post(producer: Producer, **changes) -> dict:
    data = {
        "name": producer.name,
        "producer_type": producer.producer_type,
        "tax_code": producer.tax_code,
        "commune": producer.commune_id,
        "representative_name": producer.representative_name,
        "staff_total": producer.staff_total,
        "staff_female": producer.staff_female,
        "staff_local": producer.staff_local,
        "staff_ethnic_minority": producer.staff_ethnic_minority,
    }
    return data | changes


@pytest.mark.parametrize("who", WHO)
def test_edit_product_post(world, who):
    response = world.client(who).post(
        reverse("registry:product_edit", args=[world.product.pk]), product_post(world, name_vi="Tên mới")
    )
    assert response.status_code == EDIT_WRITE[who]
    changed = Product.objects.get(pk=world.product.pk).name_vi == "Tên mới"
    assert changed == (EDIT_WRITE[who] == 302 and who != "anonymous")


@pytest.mark.parametrize("who", WHO)
def test_edit_producer_post(world, who):
    response = world.client(who).post(
        reverse("registry:producer_edit", args=[world.producer.pk]),
        producer_post(world.producer, address="Ấp Mới"),
    )
    assert response.status_code == EDIT_WRITE[who]
    changed = Producer.objects.get(pk=world.producer.pk).address == "Ấp Mới"
    assert changed == (EDIT_WRITE[who] == 302 and who != "anonymous")


@pytest.mark.parametrize("who", WHO)
def test_channels_post(world, who):
    data = {
        "sales_channels-TOTAL_FORMS": "1",
        "sales_channels-INITIAL_FORMS": "1",
        "sales_channels-0-id": world.channel.pk,
        "sales_channels-0-producer": world.producer.pk,
        "sales_channels-0-kind": SalesChannel.Kind.SUPERMARKET,
        "sales_channels-0-name": "Co.opmart",
    }
    response = world.client(who).post(reverse("registry:producer_channels", args=[world.producer.pk]), data)
    assert response.status_code == EDIT_WRITE[who]
    changed = SalesChannel.objects.get(pk=world.channel.pk).name == "Co.opmart"
    assert changed == (EDIT_WRITE[who] == 302 and who != "anonymous")


@pytest.mark.parametrize("who", WHO)
def test_delete_product_post(world, who):
    response = world.client(who).post(reverse("registry:product_delete", args=[world.product.pk]))
    assert response.status_code == PROVINCE_WRITE[who]
    assert Product.objects.filter(pk=world.product.pk).exists() == (who != "province")


@pytest.mark.parametrize("who", WHO)
def test_delete_producer_post(world, who):
    empty = ProducerFactory(commune=world.producer.commune)
    response = world.client(who).post(reverse("registry:producer_delete", args=[empty.pk]))
    table = PROVINCE_WRITE | {"owner": 403, "other_producer": 403}
    assert response.status_code == table[who]
    assert Producer.objects.filter(pk=empty.pk).exists() == (who != "province")


@pytest.mark.parametrize("who", WHO)
def test_rate_post(world, who):
    data = {"stars": 4, "points": "78", "decision_number": "12/QĐ-UBND", "decision_date": "2025-06-20"}
    response = world.client(who).post(reverse("registry:product_rate", args=[world.product.pk]), data)
    assert response.status_code == PROVINCE_WRITE[who]
    assert StarRating.objects.filter(product=world.product).exists() == (who == "province")
    assert (Product.objects.get(pk=world.product.pk).stars == 4) == (who == "province")


@pytest.mark.parametrize("who", WHO)
def test_photo_add_post(world, who):
    response = world.client(who).post(
        reverse("registry:photo_add", args=[world.product.pk]), {"image": image_upload()}
    )
    assert response.status_code == EDIT_WRITE[who]
    added = world.product.photos.count() == 2
    assert added == (EDIT_WRITE[who] == 302 and who != "anonymous")


@pytest.mark.parametrize("who", WHO)
def test_photo_delete_post(world, who):
    response = world.client(who).post(reverse("registry:photo_delete", args=[world.photo.pk]))
    assert response.status_code == EDIT_WRITE[who]
    gone = not ProductPhoto.objects.filter(pk=world.photo.pk).exists()
    assert gone == (EDIT_WRITE[who] == 302 and who != "anonymous")


@pytest.mark.parametrize("who", WHO)
def test_create_product_post(world, who):
    data = product_post(world, name_vi="Sản phẩm mới", gtin="")
    response = world.client(who).post(reverse("registry:product_create"), data)
    created = Product.objects.filter(name_vi="Sản phẩm mới")
    if who in ("province", "commune_here", "owner"):
        assert response.status_code == 302
        assert created.get().producer_id == world.producer.pk
    elif who == "other_producer":
        # The producer field is fixed to the producer's own: the posted id is ignored.
        assert response.status_code == 302
        assert created.get().producer_id == world.users["other_producer"].producer_id
    elif who in ("province_elsewhere", "commune_other"):
        assert response.status_code == 200  # the producer is not among the choices
        assert "producer" in response.context["form"].errors
        assert not created.exists()
    else:
        assert response.status_code == CREATE_PRODUCT[who]
        assert not created.exists()


@pytest.mark.parametrize("who", WHO)
def test_create_producer_post(world, who):
    data = producer_post(world.producer, name="Hợp tác xã Mới", tax_code="0100109106")
    response = world.client(who).post(reverse("registry:producer_create"), data)
    created = Producer.objects.filter(name="Hợp tác xã Mới")
    if who in ("province", "commune_here"):
        assert response.status_code == 302
        assert created.get().commune_id == world.producer.commune_id
    elif who in ("province_elsewhere", "commune_other"):
        assert response.status_code == 200
        assert "commune" in response.context["form"].errors
        assert not created.exists()
    else:
        assert response.status_code == CREATE_PRODUCER[who]
        assert not created.exists()


@pytest.mark.parametrize("name", ["registry:photo_add", "registry:photo_delete"])
def test_post_only_actions_refuse_get_and_change_nothing(world, name):
    target = world.product if name == "registry:photo_add" else world.photo
    response = world.client("province").get(reverse(name, args=[target.pk]))
    assert response.status_code == 405
    assert ProductPhoto.objects.count() == 1


def test_signed_in_pages_never_link_to_media(world):
    """The detail page shows the photo only through the checked view, never a storage URL."""
    body = world.client("owner").get(world.product.get_absolute_url()).content.decode()
    assert reverse("registry:photo_file", args=[world.photo.pk, "thumb"]) in body
    assert world.photo.image.name not in body
    assert world.photo.thumbnail.name not in body
