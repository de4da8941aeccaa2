"""The demo data generator: the promised distribution, valid identifiers, real communes, ratings that follow
the rules, scoped demo accounts that can sign in, --if-empty, --flush, and determinism."""

import datetime
import hashlib
import re
import time
from collections import Counter

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from ocop.accounts.models import Role, User
from ocop.criteria.classification import product_sets
from ocop.demo import registry as demo
from ocop.places.loader import read_units
from ocop.registry.identifiers import is_vietnam_gtin, normalize_gtin, normalize_tax_code
from ocop.registry.models import Producer, ProducerType, Product, ProductStatus, SalesChannel, StarRating
from ocop.registry.rules import certificate_expiry
from tests.factories import ProducerFactory

TODAY = datetime.date(2026, 11, 29)
PLAN = demo.TAY_NINH_PLAN


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """Province-scale demo data, generated once for the read-only tests of this module, rolled back after."""
    # The autouse settings fixture (MD5 for speed) is function-scoped: this one runs before it.
    fast_hasher = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast_hasher, transaction.atomic():
        summary = demo.generate(today=TODAY)
        yield summary
        transaction.set_rollback(True)


def digest() -> str:
    """A fingerprint of what the generator wrote: names, tax codes, places, stars, GTINs and decisions."""
    h = hashlib.sha256()
    for row in Producer.objects.order_by("tax_code").values_list(
        "name", "tax_code", "commune_id", "representative_name", "address", "phone", "staff_total"
    ):
        h.update(repr(row).encode())
    for row in Product.objects.order_by("producer__tax_code", "name_vi", "gtin").values_list(
        "name_vi", "name_en", "product_set", "gtin", "stars", "status"
    ):
        h.update(repr(row).encode())
    for row in StarRating.objects.order_by("product__gtin", "product__name_vi", "decision_date").values_list(
        "decision_number", "decision_date", "stars", "points"
    ):
        h.update(repr(row).encode())
    for row in SalesChannel.objects.order_by("producer__tax_code", "kind", "name").values_list(
        "kind", "name"
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


# --- The distribution the province scale promises ------------------------------------------------------


@pytest.mark.django_db
def test_province_scale_has_the_promised_numbers(demo_data):
    assert Producer.objects.count() == PLAN.producers == 250
    assert Product.objects.count() == PLAN.products == 410
    stars = Counter(Product.objects.exclude(stars=None).values_list("stars", flat=True))
    assert stars == {3: 300, 4: 95, 5: 2}
    statuses = Counter(Product.objects.values_list("status", flat=True))
    assert statuses[ProductStatus.IN_EVALUATION] == 8
    assert statuses[ProductStatus.IDEA] == 5
    assert (
        statuses[ProductStatus.RATED] + statuses[ProductStatus.EXPIRED] + statuses[ProductStatus.REVOKED]
        == 397
    )
    assert statuses[ProductStatus.REVOKED] == 1
    assert statuses[ProductStatus.EXPIRED] > 0
    types = Counter(Producer.objects.values_list("producer_type", flat=True))
    assert types == {
        ProducerType.COOPERATIVE: 82,
        ProducerType.ENTERPRISE: 60,
        ProducerType.HOUSEHOLD: 104,
        ProducerType.COOPERATIVE_GROUP: 3,
        ProducerType.FARM: 1,
    }
    # Every producer has at least one product; the summary reports what is in the database.
    assert not Producer.objects.filter(products=None).exists()
    assert (demo_data.producers, demo_data.products, demo_data.stars) == (250, 410, {3: 300, 4: 95, 5: 2})


@pytest.mark.django_db
def test_about_half_the_producers_sell_through_a_modern_channel(demo_data):
    modern = Producer.objects.filter(sales_channels__kind__in=SalesChannel.MODERN).distinct().count()
    assert modern == PLAN.modern_channel == 130
    names = set(SalesChannel.objects.filter(kind__in=SalesChannel.MODERN).values_list("name", flat=True))
    assert {"Co.opmart", "Bách Hóa Xanh", "Shopee", "Lazada", "TikTok Shop"} <= names
    assert not Producer.objects.filter(sales_channels=None).exists()


# --- Products: valid product sets, sensible for what the product is ------------------------------------


@pytest.mark.django_db
def test_every_product_set_is_valid_and_fits_the_product(demo_data):
    sets = product_sets()
    products = list(Product.objects.values_list("name_vi", "product_set"))
    assert all(code in sets for _name, code in products)
    # Spot checks by what the name says the product is.
    rules = [
        (r"^Bánh tráng phơi sương", {"I.3.b"}),
        (r"^Mật ong", {"I.2.b"}),
        (r"^Rượu (nếp|đế)", {"II.1.a"}),
        (r"^Rượu (vang|mãng cầu)", {"II.1.b"}),
        (r"^Muối (tôm|ớt)", {"I.4.b"}),
        (r"^Nước mắm", {"I.4.a"}),
        (r"^Hạt điều", {"I.3.c"}),
        (r"^Tỏi đen", {"I.3.c"}),
        (r"^Mãng cầu (Bà Đen|ta|Thái|bở)", {"I.1.a"}),
        (r"^Lạp xưởng", {"I.3.d"}),
        (r"^Gạo", {"I.2.a"}),
        (r"^(Giỏ|Gốm|Bình gốm|Khay|Túi xách)", {"IV.1"}),
        (r"^(Khu|Điểm) du lịch", {"VI.1"}),
    ]
    for pattern, allowed in rules:
        matching = [(name, code) for name, code in products if re.search(pattern, name)]
        assert matching, pattern
        assert {code for _name, code in matching} <= allowed, (pattern, matching[:3])
    assert Product.objects.filter(product_set="VI.1", name_vi="Khu du lịch Núi Bà Đen").exists()


@pytest.mark.django_db
def test_rows_pass_model_validation(demo_data):
    """Field validators and choices on each row (the database itself enforced the constraints and the
    uniqueness at insert; the identifiers test checks uniqueness again)."""
    for producer in Producer.objects.all():
        producer.full_clean(validate_unique=False, validate_constraints=False)
    for product in Product.objects.all():
        product.full_clean(validate_unique=False, validate_constraints=False)


# --- Identifiers ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_tax_code_and_gtin_validates(demo_data):
    personal_ids = 0
    for producer_type, tax_code in Producer.objects.values_list("producer_type", "tax_code"):
        household = producer_type == ProducerType.HOUSEHOLD
        assert normalize_tax_code(tax_code, allow_personal_id=household) == tax_code
        if len(tax_code) == 12:
            assert household
            personal_ids += 1
        else:
            assert tax_code[:2] in ("39", "11")  # former Tây Ninh and Long An
    assert 10 <= personal_ids <= 60
    gtins = list(Product.objects.exclude(gtin="").values_list("gtin", flat=True))
    assert len(gtins) >= 0.8 * PLAN.products
    assert len(set(gtins)) == len(gtins)
    for gtin in gtins:
        assert normalize_gtin(gtin) == gtin
        assert is_vietnam_gtin(gtin)
    assert not Product.objects.filter(product_set="VI.1").exclude(gtin="").exists()


# --- Places --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_all_communes_are_real_tay_ninh_communes(demo_data):
    _provinces, rows = read_units()
    tay_ninh = {r["commune_code"]: r["commune_name"] for r in rows if r["province_code"] == "80"}
    assert len(tay_ninh) == 96
    used = set(Producer.objects.values_list("commune_id", flat=True))
    assert used <= set(tay_ninh)
    assert len(used) >= 60  # spread over the province, not piled in a few communes
    # Long An's specialities come from former Long An communes (codes from 27000), Trảng Bàng's from
    # former Tây Ninh ones.
    for product in Product.objects.filter(name_vi__startswith="Lạp xưởng Cần Đước").select_related(
        "producer"
    ):
        assert product.producer.commune_id >= "27000"
    for product in Product.objects.filter(name_vi__startswith="Bánh tráng phơi sương").select_related(
        "producer"
    ):
        assert product.producer.commune_id < "27000"


@pytest.mark.django_db
def test_producers_look_like_real_ones(demo_data):
    producers = list(Producer.objects.all())
    prefixes = {
        ProducerType.COOPERATIVE: ("Hợp tác xã ",),
        ProducerType.COOPERATIVE_GROUP: ("Tổ hợp tác ",),
        ProducerType.ENTERPRISE: ("Công ty TNHH ", "Công ty Cổ phần "),
        ProducerType.FARM: ("Trang trại ",),
        ProducerType.HOUSEHOLD: ("Cơ sở ", "Hộ kinh doanh "),
    }
    for e in producers:
        assert e.name.startswith(prefixes[e.producer_type]), e.name
        assert re.fullmatch(r"0\d{9,10}", e.phone), e.phone
        assert re.match(r"^(Ấp|Khu phố|Số \d+, (ấp|khu phố))", e.address), e.address
        assert e.staff_female <= e.staff_total and e.staff_local <= e.staff_total
        assert e.staff_ethnic_minority <= e.staff_total
        assert e.representative_name and e.representative_gender in ("female", "male")
        assert e.founded_on < datetime.date(2022, 1, 1)
    assert len({e.name for e in producers}) == len(producers)
    women = sum(e.representative_gender == "female" for e in producers)
    assert women >= 0.35 * len(producers)
    ethnicities = Counter(e.representative_ethnicity for e in producers)
    assert ethnicities.most_common(1)[0][0] == "Kinh"
    assert {"Khmer", "Hoa", "Chăm"} <= set(ethnicities)


# --- Ratings -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_rated_products_carry_decisions_that_follow_the_rules(demo_data):
    expiring_soon = 0
    for product in Product.objects.prefetch_related("ratings"):
        ratings = sorted(product.ratings.all(), key=lambda r: r.decision_date)
        if product.stars is None:
            assert product.status in (ProductStatus.IDEA, ProductStatus.IN_EVALUATION)
            assert not ratings
            continue
        latest = ratings[-1]
        assert latest.stars == product.stars
        for r in ratings:
            assert r.source == StarRating.Source.IMPORT
            assert r.valid_until == certificate_expiry(r.decision_date)
            assert datetime.date(2022, 1, 1) <= r.decision_date <= TODAY
            low, high = {3: (50, 70), 4: (70, 90), 5: (90, 100)}[r.stars]
            assert low <= r.points < high
            if r.stars == 5:
                assert re.fullmatch(r"\d+/QĐ-(BNN-VPĐP|BNNMT)", r.decision_number), r.decision_number
            else:
                assert re.fullmatch(r"\d+/QĐ-UBND", r.decision_number), r.decision_number
        expected = ProductStatus.EXPIRED if latest.valid_until < TODAY else ProductStatus.RATED
        if product.certificates.filter(status="revoked").exists():
            expected = ProductStatus.REVOKED
        assert product.status == expected
        if product.status == ProductStatus.RATED and latest.valid_until <= TODAY + datetime.timedelta(
            days=180
        ):
            expiring_soon += 1
    assert expiring_soon >= 10
    # 5★ products went through the province (4★) before the Ministry.
    for product in Product.objects.filter(stars=5):
        assert sorted(product.ratings.values_list("stars", flat=True)) == [4, 5]


# --- Search keys written without save() ------------------------------------------------------------------


@pytest.mark.django_db
def test_search_keys_equal_what_save_would_write(demo_data):
    for producer in Producer.objects.all()[:60]:
        stored = producer.search_key
        producer.save()
        assert Producer.objects.get(pk=producer.pk).search_key == stored
    for product in Product.objects.all()[:120]:
        stored = product.search_key
        product.save()
        assert Product.objects.get(pk=product.pk).search_key == stored
    assert Product.objects.filter(search_key__contains="banh trang phoi suong").count() >= 20


# --- Demo accounts -------------------------------------------------------------------------------------


def sign_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


@pytest.mark.django_db
def test_each_demo_account_signs_in_and_sees_its_scope(demo_data):
    producer_user = User.objects.get(username="demo.producer")
    commune_officer = User.objects.get(username="demo.commune")
    assert producer_user.role == Role.PRODUCER and producer_user.producer.name == demo.SHOWCASE["name"]
    assert producer_user.producer_id == demo_data.showcase_producer_id
    assert commune_officer.commune_id == producer_user.producer.commune_id
    in_commune = Product.objects.filter(producer__commune_id=commune_officer.commune_id).count()
    assert in_commune > producer_user.producer.products.count() >= 5
    expected = {
        "demo.province": (PLAN.products, PLAN.producers),
        "demo.council": (PLAN.products, PLAN.producers),
        "demo.commune": (in_commune, Producer.objects.filter(commune_id=commune_officer.commune_id).count()),
        "demo.producer": (5, 1),
        "demo.ministry": (PLAN.products, PLAN.producers),
        "demo.admin": (PLAN.products, PLAN.producers),
    }
    assert {a.username for a in demo.DEMO_ACCOUNTS} == set(expected)
    for username, (products, producers) in expected.items():
        client = sign_in(username)
        response = client.get(reverse("site:home"))
        assert response.status_code == 200
        assert response.context["user"].username == username
        assert response.context["counts"]["total"] == products, username
        assert response.context["producer_count"] == producers, username
    # The producer sees its own products at every stage, the 5★ one included.
    assert (
        Counter(producer_user.producer.products.values_list("status", flat=True))[ProductStatus.IN_EVALUATION]
        == 1
    )
    assert producer_user.producer.products.filter(stars=5).exists()
    admin = User.objects.get(username="demo.admin")
    assert admin.is_superuser and admin.is_staff
    assert (
        not User.objects.filter(username__startswith="demo.", is_staff=True)
        .exclude(username="demo.admin")
        .exists()
    )
    assert (
        Client()
        .post(reverse("accounts:login"), {"username": "demo.ministry", "password": "wrong"})
        .status_code
        == 200
    )


@pytest.mark.django_db
def test_demo_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    demo.ensure_demo_accounts(ProducerFactory())
    hashes = set(User.objects.filter(username__startswith="demo.").values_list("password", flat=True))
    assert len(hashes) == 1  # one hash of the shared password serves every account
    encoded = hashes.pop()
    assert encoded.startswith("argon2$")
    assert check_password(demo.DEMO_PASSWORD, encoded)
    assert not check_password("ocop-demo-2025", encoded)


# --- The command: --if-empty, --flush, determinism ------------------------------------------------------


@pytest.mark.django_db
def test_if_empty_fills_once_then_does_nothing_quickly():
    demo.flush_registry()
    call_command("ocop_demo", "--if-empty", verbosity=0)
    assert Producer.objects.count() == PLAN.producers
    before = digest()
    first_ids = set(Product.objects.values_list("pk", flat=True))

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        call_command("ocop_demo", "--if-empty", verbosity=0)
    assert time.perf_counter() - started < 0.5
    assert len(queries) == 1  # one EXISTS on the producers
    assert set(Product.objects.values_list("pk", flat=True)) == first_ids
    assert digest() == before


@pytest.mark.django_db
def test_command_refuses_to_add_to_existing_data_and_flush_replaces_it():
    demo.flush_registry()
    call_command("ocop_demo", verbosity=0)
    with pytest.raises(CommandError, match="--flush"):
        call_command("ocop_demo", verbosity=0)
    assert Producer.objects.count() == PLAN.producers
    old_ids = set(Producer.objects.values_list("pk", flat=True))
    call_command("ocop_demo", "--flush", verbosity=0)
    assert Producer.objects.count() == PLAN.producers and Product.objects.count() == PLAN.products
    assert not old_ids & set(Producer.objects.values_list("pk", flat=True))
    # The demo producer account follows the new showcase producer.
    assert User.objects.get(username="demo.producer").producer.name == demo.SHOWCASE["name"]
    assert User.objects.filter(username__startswith="demo.").count() == len(demo.DEMO_ACCOUNTS)


@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    demo.flush_registry()
    demo.generate(seed=7, today=TODAY)
    first = digest()
    demo.flush_registry()
    demo.generate(seed=7, today=TODAY)
    assert digest() == first
    demo.flush_registry()
    demo.generate(seed=8, today=TODAY)
    assert digest() != first
    # The promised numbers do not depend on the seed.
    assert Counter(Product.objects.exclude(stars=None).values_list("stars", flat=True)) == {
        3: 300,
        4: 95,
        5: 2,
    }


def test_unknown_scale_is_refused():
    with pytest.raises(CommandError):
        call_command("ocop_demo", "--scale", "galaxy", verbosity=0)


@pytest.mark.django_db
def test_national_plan_adds_up_to_the_national_mix():
    codes = sorted(demo.PROVINCE_REGIONS)
    assert len(codes) == 34
    ctx = demo._context(demo.DEFAULT_SEED, TODAY, codes)
    rest = [c for c in codes if c != demo.TAY_NINH]
    plans = demo._national_plans(ctx, rest)
    producers = PLAN.producers + sum(p.producers for p in plans.values())
    products = PLAN.products + sum(p.products for p in plans.values())
    assert (producers, products) == (9000, 20000)
    types = Counter(PLAN.types)
    for plan in plans.values():
        types.update(plan.types)
        assert sum(plan.types.values()) == plan.producers > 0
        assert sum(plan.status_counts.values()) == plan.products >= plan.producers
        assert all(n >= 0 for n in plan.types.values())
    assert round(100 * types[ProducerType.COOPERATIVE] / producers, 1) == 32.7
    assert round(100 * types[ProducerType.ENTERPRISE] / producers, 1) == 24.1
    assert round(100 * types[ProducerType.HOUSEHOLD] / producers, 1) == 42.7
