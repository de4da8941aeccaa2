"""/api/v1/producers and /api/v1/products: scope per role, filters, pagination, query counts, payloads."""

import io

import pytest
from django.test import Client

from ocop.accounts.models import Role
from ocop.criteria.classification import product_sets
from ocop.registry.models import ProductPhoto, ProductStatus
from tests.factories import ProducerFactory, ProductFactory, make_user

pytestmark = pytest.mark.django_db

PRODUCERS = "/api/v1/producers"
PRODUCTS = "/api/v1/products"


@pytest.fixture(params=["session", "token"])
def client_for(request, client_of, as_token):
    """Each scope test runs once through the browser session and once with a bearer token."""
    return client_of if request.param == "session" else as_token


def names(response, key="name"):
    assert response.status_code == 200, response.content
    return sorted(item[key] for item in response.json()["results"])


# --- Scope per role ---------------------------------------------------------------------------------

SCOPES = {
    # role: (producers seen, products seen) among e1/e2 (Tây Ninh, two communes) and e3 (Hà Nội)
    Role.PROVINCE_OFFICER: ({"e1", "e2"}, {"p1", "p2"}),
    Role.COUNCIL_MEMBER: ({"e1", "e2"}, {"p1", "p2"}),
    Role.COMMUNE_OFFICER: ({"e1"}, {"p1"}),
    Role.PRODUCER: ({"e1"}, {"p1"}),
    Role.MINISTRY: ({"e1", "e2", "e3"}, {"p1", "p2", "p3"}),
    Role.INTEGRATOR: (set(), set()),
}


@pytest.mark.parametrize("role", list(SCOPES))
def test_each_role_lists_exactly_its_scope(world, reader, client_for, role):
    client = client_for(reader(role))
    seen_producers, seen_products = SCOPES[role]

    producers = client.get(PRODUCERS)
    assert names(producers) == sorted(getattr(world, e).name for e in seen_producers)
    assert producers.json()["count"] == len(seen_producers)

    products = client.get(PRODUCTS)
    assert names(products, "name_vi") == sorted(getattr(world, p).name_vi for p in seen_products)


@pytest.mark.parametrize("role", list(SCOPES))
def test_detail_inside_scope_is_200_outside_is_404(world, reader, client_for, role):
    client = client_for(reader(role))
    seen_producers, seen_products = SCOPES[role]
    for key in ("e1", "e2", "e3"):
        response = client.get(f"{PRODUCERS}/{getattr(world, key).pk}")
        assert response.status_code == (200 if key in seen_producers else 404), (key, response.content)
        if response.status_code == 404:
            assert response["Content-Type"].startswith("application/problem+json")
    for key in ("p1", "p2", "p3"):
        response = client.get(f"{PRODUCTS}/{getattr(world, key).pk}")
        assert response.status_code == (200 if key in seen_products else 404), (key, response.content)


def test_superuser_sees_everything(world, client_of):
    admin = make_user("", is_superuser=True)
    assert client_of(admin).get(PRODUCTS).json()["count"] == 3


def test_producer_of_another_commune_commune_officer_elsewhere(world, client_of):
    """The scope follows the user's own place, not the first one in the data."""
    officer = make_user(Role.COMMUNE_OFFICER, commune=world.c2)
    assert names(client_of(officer).get(PRODUCTS), "name_vi") == [world.p2.name_vi]
    ha_noi = make_user(Role.PROVINCE_OFFICER, province_id=world.c3.province_id)
    assert names(client_of(ha_noi).get(PRODUCERS)) == [world.e3.name]


@pytest.mark.parametrize("url", [PRODUCERS, PRODUCTS, f"{PRODUCERS}/1", f"{PRODUCTS}/1"])
def test_anonymous_gets_401(world, client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response["Content-Type"].startswith("application/problem+json")


def test_user_without_a_role_gets_403(world, client_of, as_token):
    nobody = make_user("")
    for client in (client_of(nobody), as_token(nobody)):
        response = client.get(PRODUCTS)
        assert response.status_code == 403
        assert response.json()["status"] == 403


# --- Payloads ---------------------------------------------------------------------------------------


def test_product_detail_payload(world, reader, client_of):
    ProductPhoto.objects.create(
        product=world.p1,
        image="products/x/a.jpg",
        thumbnail="products/x/a-thumb.jpg",
        width=1200,
        height=800,
        caption="Mặt trước",
    )
    data = client_of(reader(Role.MINISTRY)).get(f"{PRODUCTS}/{world.p1.pk}").json()
    ps = product_sets()["I.3.a"]
    assert data["name_vi"] == "Bánh tráng phơi sương"
    assert data["stars"] == 4
    assert data["status"] == "rated"
    assert data["gtin"] == "08934567890120"
    assert data["classification"] == {
        "criteria_set": "qd26-2026",
        "group": {"code": "I", "name_vi": ps.group_vi, "name_en": ps.group_en},
        "subgroup": {"code": "I.3", "name_vi": ps.subgroup_vi, "name_en": ps.subgroup_en},
        "product_set": {"code": "I.3.a", "name_vi": ps.name_vi, "name_en": ps.name_en},
        "sheet": ps.sheet,
    }
    producer_user = data["producer"]
    assert producer_user["id"] == world.e1.pk
    assert producer_user["commune"] == {"code": world.c1.code, "name": world.c1.name}
    assert producer_user["province"] == {"code": "80", "name": "Tỉnh Tây Ninh"}
    rating = data["current_rating"]
    assert rating["decision_number"] == "345/QĐ-UBND"  # the newest of the two decisions
    assert rating["decision_date"] == "2025-06-10"
    assert rating["valid_until"] == "2028-06-10"
    assert rating["stars"] == 4 and rating["points"] == 78.5
    photo = data["photos"][0]
    pk = ProductPhoto.objects.get().pk
    assert photo["url"] == f"http://testserver/api/v1/products/photos/{pk}/full"
    assert photo["thumbnail_url"] == f"http://testserver/api/v1/products/photos/{pk}/thumb"
    assert photo["caption"] == "Mặt trước" and photo["width"] == 1200


def test_unrated_product_has_null_rating_and_gtin(world, reader, client_of):
    data = client_of(reader(Role.MINISTRY)).get(f"{PRODUCTS}/{world.p2.pk}").json()
    assert data["current_rating"] is None
    assert data["gtin"] is None
    assert data["stars"] is None
    assert data["photos"] == []


def test_producer_detail_payload(world, reader, client_of):
    data = client_of(reader(Role.PROVINCE_OFFICER)).get(f"{PRODUCERS}/{world.e1.pk}").json()
    assert data["name"] == "Hợp tác xã Bánh tráng Trảng Bàng"
    assert data["producer_type"] == "cooperative"
    assert data["tax_code"] == world.e1.tax_code
    assert data["commune"]["code"] == world.c1.code
    assert data["province"] == {"code": "80", "name": "Tỉnh Tây Ninh"}
    assert data["modern_channel"] is True
    assert data["sales_channels"] == [{"kind": "ecommerce", "name": "Shopee", "url": "", "modern": True}]
    assert data["product_count"] == 1
    assert set(data["workers"]) == {"total", "women", "local", "ethnic_minority"}


def test_labels_follow_accept_language(world, reader, client_of):
    client = client_of(reader(Role.MINISTRY))
    en = client.get(f"{PRODUCERS}/{world.e2.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert en["producer_type_label"] == "Household business"


# --- Filters ----------------------------------------------------------------------------------------


@pytest.fixture
def ministry(world, client_of):
    return client_of(make_user(Role.MINISTRY))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("province=80", {"e1", "e2"}),
        ("province=01", {"e3"}),
        ("producer_type=household", {"e2"}),
        ("q=banh trang", {"e1"}),
        ("q=TRẢNG BÀNG", {"e1"}),
        ("q=tay ninh muoi", {"e2"}),
        ("q=không có", set()),
        ("modern_channel=true", {"e1"}),
        ("modern_channel=false", {"e2", "e3"}),
        ("province=80&modern_channel=false", {"e2"}),
    ],
)
def test_producer_filters(world, ministry, query, expected):
    assert names(ministry.get(f"{PRODUCERS}?{query}")) == sorted(getattr(world, e).name for e in expected)


def test_producer_commune_filter(world, ministry):
    assert names(ministry.get(f"{PRODUCERS}?commune={world.c2.code}")) == [world.e2.name]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("province=80", {"p1", "p2"}),
        ("group=IV", {"p3"}),
        ("group=I", {"p1", "p2"}),
        ("product_set=I.5.a", {"p2"}),
        (f"sheet={product_sets()['I.3.a'].sheet}", {"p1"}),
        ("stars=3", {"p3"}),
        ("stars=4", {"p1"}),
        ("status=idea", {"p2"}),
        ("status=rated", {"p1", "p3"}),
        ("gtin=8934567890120", {"p1"}),  # GTIN-13, stored as GTIN-14
        ("gtin=08934567890120", {"p1"}),
        ("gtin=893 4567 89012-0", {"p1"}),
        ("q=banh trang", {"p1"}),
        ("q=SHRIMP", {"p2"}),
        ("q=gốm", {"p3"}),
        ("group=I&stars=4", {"p1"}),
    ],
)
def test_product_filters(world, ministry, query, expected):
    response = ministry.get(PRODUCTS, dict(pair.split("=", 1) for pair in query.split("&")))
    assert names(response, "name_vi") == sorted(getattr(world, p).name_vi for p in expected)


def test_product_place_and_producer_filters(world, ministry):
    assert names(ministry.get(f"{PRODUCTS}?commune={world.c2.code}"), "name_vi") == [world.p2.name_vi]
    assert names(ministry.get(f"{PRODUCTS}?producer={world.e3.pk}"), "name_vi") == [world.p3.name_vi]
    # the parameter's former name still filters
    assert names(ministry.get(f"{PRODUCTS}?entity={world.e3.pk}"), "name_vi") == [world.p3.name_vi]


def test_filters_never_widen_the_scope(world, client_of):
    officer = make_user(Role.COMMUNE_OFFICER, commune=world.c1)
    client = client_of(officer)
    assert client.get(f"{PRODUCTS}?province=01").json()["count"] == 0
    assert client.get(f"{PRODUCTS}?producer={world.e3.pk}").json()["count"] == 0


@pytest.mark.parametrize(
    "query, field",
    [
        ("gtin=123", "gtin"),
        ("gtin=8934567890121", "gtin"),  # wrong check digit
        ("group=VII", "group"),
        ("product_set=I.9.z", "product_set"),
        ("sheet=27", "sheet"),
        ("stars=6", "stars"),
        ("status=golden", "status"),
        ("province=8", "province"),
        ("commune=abc", "commune"),
        ("page=0", "page"),
        ("page_size=201", "page_size"),
        ("producer=x", "producer"),
    ],
)
def test_invalid_filter_is_a_422_problem_naming_the_field(world, ministry, query, field):
    response = ministry.get(f"{PRODUCTS}?{query}")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert [(e["location"], e["field"]) for e in errors] == [("query", field)]
    assert errors[0]["message"]


def test_gtin_messages_say_what_is_wrong(world, ministry):
    length = ministry.get(f"{PRODUCTS}?gtin=123", HTTP_ACCEPT_LANGUAGE="en").json()["errors"][0]["message"]
    check = ministry.get(f"{PRODUCTS}?gtin=8934567890121", HTTP_ACCEPT_LANGUAGE="en").json()["errors"][0][
        "message"
    ]
    assert "8, 12, 13 or 14 digits" in length
    assert "check digit" in check


def test_bad_producer_filter_is_422(world, ministry):
    response = ministry.get(f"{PRODUCERS}?producer_type=alien&modern_channel=maybe")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"producer_type", "modern_channel"}


# --- Pagination -------------------------------------------------------------------------------------


@pytest.fixture
def seven_products(world):
    for n in range(4):
        ProductFactory(producer=world.e2, name_vi=f"Muối ớt {n}", product_set="I.5.a")


def test_pages_count_and_link(world, ministry, seven_products):
    first = ministry.get(f"{PRODUCTS}?page_size=3&province=80").json()
    assert first["count"] == 6  # p1, p2 and the four new ones in Tây Ninh
    assert first["pages"] == 2
    assert len(first["results"]) == 3
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver/api/v1/products?")
    assert "page=2" in first["next"] and "page_size=3" in first["next"] and "province=80" in first["next"]

    second = Client.get(ministry, first["next"]).json()
    assert len(second["results"]) == 3
    assert second["next"] is None
    assert "page=1" in second["previous"]
    seen = [p["id"] for p in first["results"] + second["results"]]
    assert len(set(seen)) == 6  # no item on two pages, none missing


def test_default_page_size_and_max(world, ministry, seven_products):
    data = ministry.get(PRODUCTS).json()
    assert data["page_size"] == 50 and data["count"] == 7 and len(data["results"]) == 7
    assert ministry.get(f"{PRODUCTS}?page_size=200").status_code == 200


def test_page_beyond_last_is_a_404_problem(world, ministry, seven_products):
    response = ministry.get(f"{PRODUCTS}?page_size=3&page=4")
    assert response.status_code == 404
    body = response.json()
    assert body["type"] == "urn:ocop:problem:page-out-of-range"
    assert body["pages"] == 3 and body["count"] == 7


def test_empty_result_has_one_empty_page(world, ministry):
    data = ministry.get(f"{PRODUCTS}?q=nothing-like-this").json()
    assert data == {
        "count": 0,
        "page": 1,
        "page_size": 50,
        "pages": 1,
        "next": None,
        "previous": None,
        "results": [],
    }
    assert ministry.get(f"{PRODUCTS}?q=nothing-like-this&page=2").status_code == 404


@pytest.fixture
def many(world):
    """30 more products, each with a photo and two ratings, from 10 more producers with channels."""
    import datetime

    from ocop.registry.models import StarRating
    from tests.factories import SalesChannelFactory

    for n in range(10):
        producer = ProducerFactory(commune=world.c1)
        SalesChannelFactory(producer=producer)
        for m in range(3):
            product = ProductFactory(producer=producer, stars=3, status=ProductStatus.RATED)
            ProductPhoto.objects.create(
                product=product, image=f"p/{n}-{m}.jpg", thumbnail=f"p/{n}-{m}-t.jpg", width=1, height=1
            )
            for year in (2022, 2025):
                StarRating.objects.create(
                    product=product,
                    stars=3,
                    decision_number=f"{n}{m}/{year}",
                    decision_date=datetime.date(year, 1, 1),
                )


@pytest.mark.parametrize("size", [2, 200])
def test_product_list_costs_the_same_queries_whatever_the_page_size(
    world, many, as_token, django_assert_num_queries, size
):
    client = as_token(make_user(Role.MINISTRY))
    client.get(PRODUCTS)  # the token's first use records last_used_at; later uses within a minute do not
    # token lookup, count, page, photos, ratings
    with django_assert_num_queries(5):
        response = client.get(f"{PRODUCTS}?page_size={size}")
    assert len(response.json()["results"]) == min(size, 33)
    rated = [item["current_rating"] for item in response.json()["results"] if item["current_rating"]]
    assert all(r["decision_date"].startswith("2025") for r in rated)  # the newest decision of each
    if size == 200:
        assert len(rated) == 31  # p1 and the thirty new ones


@pytest.mark.parametrize("size", [2, 200])
def test_producer_list_costs_the_same_queries_whatever_the_page_size(
    world, many, as_token, django_assert_num_queries, size
):
    client = as_token(make_user(Role.MINISTRY))
    client.get(PRODUCERS)
    # token lookup, count, page, sales channels
    with django_assert_num_queries(4):
        response = client.get(f"{PRODUCERS}?page_size={size}")
    assert len(response.json()["results"]) == min(size, 13)


def test_detail_costs_fixed_queries(world, many, as_token, django_assert_num_queries):
    client = as_token(make_user(Role.MINISTRY))
    client.get(PRODUCTS)
    with django_assert_num_queries(4):  # token, product, photos, ratings
        assert client.get(f"{PRODUCTS}/{world.p1.pk}").status_code == 200


def test_machine_client_downloads_photos_with_its_token(as_token):
    from PIL import Image

    from tests.factories import make_photo

    inside = ProductFactory()  # Tây Ninh
    photo = make_photo(inside, size=(900, 600))
    integrator = make_user(Role.INTEGRATOR, province_id="80", username="san.tmdt")
    client = as_token(integrator)
    product = client.get(f"{PRODUCTS}/{inside.pk}").json()
    full = client.get(product["photos"][0]["url"])
    assert full.status_code == 200 and full["Content-Type"] in ("image/jpeg", "image/webp")
    assert Image.open(io.BytesIO(b"".join(full.streaming_content))).size == (900, 600)
    thumb = client.get(product["photos"][0]["thumbnail_url"])
    assert max(Image.open(io.BytesIO(b"".join(thumb.streaming_content))).size) <= 400
    # Outside the client's province: the same 404 as a photo that does not exist.
    elsewhere = make_user(Role.INTEGRATOR, province_id="01", username="san.khac")
    refused = as_token(elsewhere).get(product["photos"][0]["url"])
    assert refused.status_code == 404 and refused["Content-Type"].startswith("application/problem+json")
    assert client.get(f"{PRODUCTS}/photos/{photo.pk}/huge").status_code == 404
    assert Client().get(product["photos"][0]["url"]).status_code == 401
