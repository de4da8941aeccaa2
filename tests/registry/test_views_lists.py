"""The product and producer lists: each filter, accent-insensitive search, sorting, paging that keeps
the filters, choice lists limited to the user's area, and a query count that does not grow with the page."""

import datetime

import pytest
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.places.models import Commune, Province
from ocop.registry.models import ProducerType, Product, ProductStatus, SalesChannel
from tests.factories import (
    ProducerFactory,
    ProductFactory,
    SalesChannelFactory,
    commune,
    make_photo,
    make_user,
    other_commune,
)

PRODUCTS = reverse("registry:product_list")
PRODUCERS = reverse("registry:producer_list")


def names(response, key="name_vi") -> list[str]:
    return [getattr(obj, key) for obj in response.context["page_obj"].object_list]


@pytest.fixture
def area(db):
    """Two communes of Tây Ninh and one of another province, with varied products."""
    here, there = commune(), other_commune(commune())
    far_province = Province.objects.exclude(pk=here.province_id).order_by("code").first()
    far = Commune.objects.filter(province=far_province).order_by("code").first()
    coop = ProducerFactory(commune=here, name="Hợp tác xã Bánh tráng", producer_type=ProducerType.COOPERATIVE)
    household = ProducerFactory(
        commune=there, name="Hộ kinh doanh Muối tôm", producer_type=ProducerType.HOUSEHOLD
    )
    outsider = ProducerFactory(commune=far, name="Công ty Trà Xa", producer_type=ProducerType.ENTERPRISE)
    SalesChannelFactory(producer=household, kind=SalesChannel.Kind.ECOMMERCE)
    SalesChannelFactory(producer=coop, kind=SalesChannel.Kind.TRADITIONAL)
    products = {
        "banh": ProductFactory(
            producer=coop,
            name_vi="Bánh tráng phơi sương",
            product_set="I.3.b",
            stars=4,
            status=ProductStatus.RATED,
        ),
        "muoi": ProductFactory(
            producer=household,
            name_vi="Muối tôm Tây Ninh",
            product_set="I.4.b",
            stars=3,
            status=ProductStatus.RATED,
        ),
        "ruou": ProductFactory(producer=coop, name_vi="Rượu nếp than", product_set="II.1.a"),
        "tra": ProductFactory(
            producer=outsider, name_vi="Trà xanh", product_set="I.5.a", stars=5, status=ProductStatus.RATED
        ),
    }
    return {
        "here": here,
        "there": there,
        "far": far,
        "coop": coop,
        "household": household,
        "outsider": outsider,
        **products,
    }


@pytest.fixture
def province_client(area, client_of):
    return client_of(make_user(Role.PROVINCE_OFFICER, province_id=area["here"].province_id))


@pytest.fixture
def ministry_client(area, client_of):
    return client_of(make_user(Role.MINISTRY))


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"Bánh tráng phơi sương", "Muối tôm Tây Ninh", "Rượu nếp than"}),
        ("group=I", {"Bánh tráng phơi sương", "Muối tôm Tây Ninh"}),
        ("group=II", {"Rượu nếp than"}),
        ("product_set=I.4.b", {"Muối tôm Tây Ninh"}),
        ("sheet=6", {"Bánh tráng phơi sương"}),  # I.3.b is sheet 6
        ("stars=4", {"Bánh tráng phơi sương"}),
        ("stars=none", {"Rượu nếp than"}),
        ("status=rated", {"Bánh tráng phơi sương", "Muối tôm Tây Ninh"}),
        ("status=idea", {"Rượu nếp than"}),
        ("producer_type=household", {"Muối tôm Tây Ninh"}),
        ("q=banh+trang", {"Bánh tráng phơi sương"}),
        ("q=BÁNH", {"Bánh tráng phơi sương"}),
        ("q=tom+muoi", {"Muối tôm Tây Ninh"}),  # words in any order
        ("q=ruou+nep&group=I", set()),
    ],
)
def test_product_filters(area, province_client, query, expected):
    response = province_client.get(f"{PRODUCTS}?{query}")
    assert response.status_code == 200
    assert set(names(response)) == expected


def test_product_filter_by_commune_and_producer(area, province_client):
    assert set(names(province_client.get(f"{PRODUCTS}?commune={area['there'].pk}"))) == {"Muối tôm Tây Ninh"}
    by_producer = names(province_client.get(f"{PRODUCTS}?producer={area['coop'].pk}"))
    assert set(by_producer) == {"Bánh tráng phơi sương", "Rượu nếp than"}


def test_a_commune_outside_the_area_is_not_a_choice(area, province_client):
    response = province_client.get(f"{PRODUCTS}?commune={area['far'].pk}")
    assert "commune" in response.context["filter"].form.errors
    assert "Trà xanh" not in names(response)  # nor does it widen the scope


def test_province_filter_is_for_ministry_only(area, province_client, ministry_client):
    far_province = area["far"].province_id
    response = province_client.get(f"{PRODUCTS}?province={far_province}")
    assert "province" not in response.context["filter"].form.fields
    assert "Trà xanh" not in names(response)
    response = ministry_client.get(f"{PRODUCTS}?province={far_province}")
    assert names(response) == ["Trà xanh"]
    response = ministry_client.get(f"{PRODUCTS}?province={area['here'].province_id}")
    assert "Trà xanh" not in names(response) and len(names(response)) == 3


def test_commune_choices_follow_the_users_scope(area, client_of):
    province = client_of(make_user(Role.PROVINCE_OFFICER, province_id=area["here"].province_id))
    choices = province.get(PRODUCTS).context["filter"].form.fields["commune"].queryset
    assert choices.count() == Commune.objects.filter(province_id=area["here"].province_id).count() == 96
    officer = client_of(make_user(Role.COMMUNE_OFFICER, commune=area["there"]))
    choices = officer.get(PRODUCTS).context["filter"].form.fields["commune"].queryset
    assert list(choices) == [area["there"]]
    producer_user = client_of(make_user(Role.PRODUCER, producer=area["coop"]))
    assert "commune" not in producer_user.get(PRODUCTS).context["filter"].form.fields


def test_ministry_gets_short_commune_list_until_a_province_is_chosen(area, ministry_client):
    widget_choices = lambda r: [v for v, _ in r.context["filter"].form.fields["commune"].widget.choices if v]  # noqa: E731
    assert widget_choices(ministry_client.get(PRODUCTS)) == []
    chosen = ministry_client.get(f"{PRODUCTS}?province={area['far'].province_id}")
    assert len(widget_choices(chosen)) == Commune.objects.filter(province_id=area["far"].province_id).count()
    # A commune from a link (no province in the URL) still filters and stays selected.
    response = ministry_client.get(f"{PRODUCTS}?commune={area['far'].pk}")
    assert names(response) == ["Trà xanh"]
    assert widget_choices(response) == [area["far"].pk]


def test_lists_are_scoped(area, client_of):
    officer = client_of(make_user(Role.COMMUNE_OFFICER, commune=area["there"]))
    assert names(officer.get(PRODUCTS)) == ["Muối tôm Tây Ninh"]
    producer_user = client_of(make_user(Role.PRODUCER, producer=area["coop"]))
    assert set(names(producer_user.get(PRODUCTS))) == {"Bánh tráng phơi sương", "Rượu nếp than"}
    assert names(producer_user.get(PRODUCERS), "name") == ["Hợp tác xã Bánh tráng"]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("name", ["Bánh tráng phơi sương", "Muối tôm Tây Ninh", "Rượu nếp than"]),
        ("-name", ["Rượu nếp than", "Muối tôm Tây Ninh", "Bánh tráng phơi sương"]),
        ("-stars", ["Bánh tráng phơi sương", "Muối tôm Tây Ninh", "Rượu nếp than"]),  # unrated last
        ("stars", ["Muối tôm Tây Ninh", "Bánh tráng phơi sương", "Rượu nếp than"]),
    ],
)
def test_product_sorting(area, province_client, sort, expected):
    assert names(province_client.get(f"{PRODUCTS}?sort={sort}")) == expected


def test_sort_by_updated(area, province_client):
    Product.objects.filter(pk=area["ruou"].pk).update(
        updated_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    )
    assert names(province_client.get(f"{PRODUCTS}?sort=-updated"))[0] == "Rượu nếp than"
    assert names(province_client.get(f"{PRODUCTS}?sort=updated"))[-1] == "Rượu nếp than"


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", {"Hợp tác xã Bánh tráng", "Hộ kinh doanh Muối tôm"}),
        ("producer_type=household", {"Hộ kinh doanh Muối tôm"}),
        ("modern=true", {"Hộ kinh doanh Muối tôm"}),
        ("modern=false", {"Hợp tác xã Bánh tráng"}),
        ("q=hop+tac+xa", {"Hợp tác xã Bánh tráng"}),
        ("q=HỘ+KINH", {"Hộ kinh doanh Muối tôm"}),
    ],
)
def test_producer_filters(area, province_client, query, expected):
    assert set(names(province_client.get(f"{PRODUCERS}?{query}"), "name")) == expected


def test_producer_filter_by_commune_and_tax_code_search(area, province_client):
    response = province_client.get(f"{PRODUCERS}?commune={area['there'].pk}")
    assert names(response, "name") == ["Hộ kinh doanh Muối tôm"]
    response = province_client.get(f"{PRODUCERS}?q={area['coop'].tax_code}")
    assert names(response, "name") == ["Hợp tác xã Bánh tráng"]


def test_producer_sort_by_best_stars(area, province_client):
    response = province_client.get(f"{PRODUCERS}?sort=-stars")
    assert names(response, "name") == ["Hợp tác xã Bánh tráng", "Hộ kinh doanh Muối tôm"]
    assert [e.best_stars for e in response.context["page_obj"].object_list] == [4, 3]
    assert [e.product_count for e in response.context["page_obj"].object_list] == [2, 1]


def test_pages_of_fifty_keep_the_filters(area, province_client, settings):
    assert settings.OCOP_PAGE_SIZE == 50
    ProductFactory.create_batch(60, producer=area["coop"], stars=3, status=ProductStatus.RATED)
    first = province_client.get(f"{PRODUCTS}?stars=3&sort=name")
    assert len(first.context["page_obj"].object_list) == 50
    assert first.context["page_obj"].paginator.count == 61
    body = first.content.decode()
    assert "?stars=3&amp;sort=name&amp;page=2" in body
    second = province_client.get(f"{PRODUCTS}?stars=3&sort=name&page=2")
    assert len(second.context["page_obj"].object_list) == 11
    # The filter form shows the chosen values on the next page too.
    assert second.context["filter"].form["stars"].value() == "3"
    assert '<option value="3" selected>' in second.content.decode()


def test_export_links_carry_the_filters(area, province_client):
    body = province_client.get(f"{PRODUCTS}?stars=3&page=1").content.decode()
    assert reverse("registry:export", args=["products", "csv"]) + "?stars=3" in body
    assert reverse("registry:export", args=["products", "xlsx"]) + "?stars=3" in body
    body = province_client.get(f"{PRODUCERS}?modern=true").content.decode()
    assert reverse("registry:export", args=["producers", "csv"]) + "?modern=true" in body


# --- Query counts: fixed whatever the page size ----------------------------------------------------


def fill(producer_count: int, per_producer: int, photos: bool = True):
    here = commune()
    for _ in range(producer_count):
        producer = ProducerFactory(commune=here)
        SalesChannelFactory(producer=producer)
        for product in ProductFactory.create_batch(per_producer, producer=producer, stars=4):
            if photos:
                make_photo(product, size=(40, 30))


@pytest.mark.parametrize(
    "role, queries",
    [
        # session, user, count, rows (with the first photo), commune choices
        (Role.PROVINCE_OFFICER, 5),
        # session, user, count, rows, province choices (communes wait for a province)
        (Role.MINISTRY, 5),
    ],
)
def test_product_list_query_count_is_fixed(db, client_of, settings, django_assert_num_queries, role, queries):
    fill(producer_count=4, per_producer=5)
    client = client_of(make_user(role))
    counts = []
    for size in (3, 20):
        settings.OCOP_PAGE_SIZE = size
        with django_assert_num_queries(queries) as captured:
            response = client.get(f"{PRODUCTS}?sort=-stars&stars=4")
        assert len(response.context["page_obj"].object_list) == size
        body = response.content.decode()
        assert body.count('class="thumb"><img') == size  # every row shows its first photo
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_producer_list_query_count_is_fixed(db, client_of, settings, django_assert_num_queries):
    fill(producer_count=12, per_producer=2, photos=False)
    client = client_of(make_user(Role.PROVINCE_OFFICER))
    for size in (2, 10):
        settings.OCOP_PAGE_SIZE = size
        # session, user, count, rows (with counts, best stars, modern channel), commune choices
        with django_assert_num_queries(5):
            response = client.get(f"{PRODUCERS}?sort=-stars")
        assert len(response.context["page_obj"].object_list) == size


def test_links_saved_with_the_former_parameter_names_keep_their_filter(client_of):
    """?entity= and ?entity_type= were the lists' parameters before the code said "producer"."""
    here = commune()
    kept = ProducerFactory(commune=here, name="Hợp tác xã Giữ lại", producer_type=ProducerType.COOPERATIVE)
    ProducerFactory(commune=here, name="Hộ kinh doanh Bỏ qua", producer_type=ProducerType.HOUSEHOLD)
    product = ProductFactory(producer=kept, name_vi="Bánh tráng giữ lại")
    ProductFactory(name_vi="Sản phẩm khác")
    client = client_of(make_user(Role.PROVINCE_OFFICER, province_id=here.province_id))
    by_producer = client.get(reverse("registry:product_list"), {"entity": kept.pk})
    assert list(by_producer.context["page_obj"]) == [product]
    by_type = client.get(reverse("registry:producer_list"), {"entity_type": ProducerType.COOPERATIVE})
    listed = {p.name for p in by_type.context["page_obj"]}
    assert "Hợp tác xã Giữ lại" in listed and "Hộ kinh doanh Bỏ qua" not in listed
