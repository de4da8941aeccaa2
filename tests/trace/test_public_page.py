"""The consumer trace page: the facts Circular 02/2024 asks for, the journey in order with a verified
badge per logged event, the lab results; public, cacheable, and a fixed number of queries."""

import datetime as dt
from urllib.parse import quote

import pytest
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.certificates.models import Certificate, CertificateStatus
from ocop.trace.models import Batch, Event
from ocop.trace.services import batches
from tests.factories import ProducerFactory, ProductFactory, make_user

pytestmark = pytest.mark.django_db

GTIN = "08938500000010"


@pytest.fixture
def batch():
    producer = ProducerFactory(name="HTX Bánh tráng Trảng Bàng", address="Ấp Bình Hòa")
    product = ProductFactory(producer=producer, gtin=GTIN, name_vi="Bánh tráng phơi sương", stars=4)
    return Batch.objects.create(
        product=product,
        producer=producer,
        gtin=GTIN,
        lot="L2026-01",
        produced_on=dt.date(2026, 1, 10),
        expires_on=dt.date(2026, 7, 10),
        sources=[{"kind": "farm", "name": "Ruộng ông Tư", "plot": "Thửa 12", "certificate": "VietGAP"}],
    )


def certificate(product, number="12/2026/CN-OCOP-80", **kw):
    producer = product.producer
    today = dt.date.today()
    values = {
        "number": number,
        "product": product,
        "producer": producer,
        "province": producer.commune.province,
        "decision_number": "1234/QĐ-UBND",
        "decision_date": today - dt.timedelta(days=30),
        "stars": 4,
        "product_name": product.name_vi,
        "producer_name": producer.name,
        "issued_on": today - dt.timedelta(days=30),
        "expires_on": today + dt.timedelta(days=700),
    }
    return Certificate.objects.create(**(values | kw))


def record(batch, step, day, **kw):
    owner = make_user(Role.PRODUCER, producer=batch.producer)
    when = dt.datetime(2026, 1, day, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    data = {"when": when, "quantity": 100, "unit": "KGM", "source": 1, "inputs": [1]} | kw
    return batches.record_step(owner, batch, step, data)


def url(batch):
    return reverse("trace:batch_public", args=[batch.gtin, batch.lot])


def test_required_facts_and_certificate(client, batch):
    certificate(batch.product, number="5/2025/CN-OCOP-80", status=CertificateStatus.SUPERSEDED)
    certificate(batch.product)
    response = client.get(url(batch))
    assert response.status_code == 200
    page = response.text
    for fact in (
        "Bánh tráng phơi sương",
        "HTX Bánh tráng Trảng Bàng",
        "Ấp Bình Hòa",
        batch.producer.commune.name,
        "L2026-01",
        "10/01/2026",
        "10/07/2026",
        "★★★★",
        "Ruộng ông Tư",
        "VietGAP",
    ):
        assert fact in page, fact
    assert f'href="{reverse("certificates:verify", args=["12/2026/CN-OCOP-80"])}"' in page
    assert 'data-status="valid"' in page and "5/2025/CN-OCOP-80" not in page
    assert response["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    # The language comes from a cookie: a shared cache must keep one copy per language.
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in response["Vary"].split(",")}
    assert "<script" not in page.split("<body", 1)[1]  # nothing runs but the site's deferred htmx


def test_expired_or_revoked_certificate_says_so(client, batch):
    certificate(batch.product, status=CertificateStatus.REVOKED, revoked_on=dt.date.today())
    assert 'data-status="revoked"' in client.get(url(batch)).text


def test_journey_in_order_with_verified_badges_and_lab_results(client, batch):
    ship = record(batch, "ship", 14, partner="Co.op Mart Tây Ninh", partner_kind="point_of_sale")
    harvest = record(batch, "harvest", 2)
    pack = record(batch, "pack", 12)
    lab = record(
        batch, "inspect", 13, lab="Trung tâm Kỹ thuật TĐC 3", report_number="KQ-77", passed=True, result="Đạt"
    )
    hidden = record(batch, "store", 13, note="kho riêng")
    Event.objects.filter(pk=hidden.pk).update(public=False)
    response = client.get(url(batch))
    page = response.text
    journey = page[page.index('id="journey"') : page.index("</ol>", page.index('id="journey"'))]
    steps = [journey.index(f'data-step="{k}"') for k in ("harvesting", "packing", "inspecting", "shipping")]
    assert steps == sorted(steps)
    assert "storing" not in journey and "kho riêng" not in page
    assert "02/01/2026" in journey and "14/01/2026" in journey
    assert "Ruộng ông Tư — Thửa 12" in journey and "Co.op Mart Tây Ninh" in journey
    for event in (harvest, pack, ship, lab):
        event.refresh_from_db()
        proof = f"/transparency/proof?event={quote(event.event_id, safe='')}"
        assert event.leaf_index is not None  # the capture service appended it to the log
        assert proof in journey
    labs = page[page.index('id="labs"') :]
    assert "Trung tâm Kỹ thuật TĐC 3" in labs and "KQ-77" in labs and "Đạt" in labs


def test_no_badge_without_a_leaf(client, batch):
    event = record(batch, "pack", 12)
    Event.objects.filter(pk=event.pk).update(leaf_index=None)
    page = client.get(url(batch)).text
    assert 'data-step="packing"' in page and "/transparency/proof" not in page


def test_fixed_number_of_queries(client, batch, django_assert_num_queries):
    certificate(batch.product)
    record(batch, "harvest", 2)
    with django_assert_num_queries(3):
        client.get(url(batch))
    for day in range(3, 15):
        record(batch, "store", day)
    with django_assert_num_queries(3):
        response = client.get(url(batch))
    assert response.text.count('data-step="storing"') == 12


def test_product_page_fixed_queries(client, batch, django_assert_num_queries):
    certificate(batch.product)
    with django_assert_num_queries(3):
        client.get(reverse("trace:product_public", args=[GTIN]))
    for n in range(5):
        Batch.objects.create(product=batch.product, producer=batch.producer, gtin=GTIN, lot=f"X{n}")
    with django_assert_num_queries(3):
        response = client.get(reverse("trace:product_public", args=[GTIN]))
    assert response.text.count("/trace/08938500000010/X") == 5


def test_short_gtins_unknown_lots_and_product_page(client, batch):
    assert client.get(reverse("trace:batch_public", args=["8938500000010", batch.lot])).status_code == 200
    assert client.get(reverse("trace:batch_public", args=[GTIN, "NOPE"])).status_code == 404
    assert client.get(reverse("trace:batch_public", args=["12345", batch.lot])).status_code == 404
    response = client.get(reverse("trace:product_public", args=[GTIN]))
    assert response.status_code == 200
    assert "Bánh tráng phơi sương" in response.text and url(batch) in response.text
    assert client.get(reverse("trace:product_public", args=["08938500000027"])).status_code == 404


def test_signed_in_answers_are_private_and_english_switch(client_of, client, batch):
    user = make_user(Role.MINISTRY)
    response = client_of(user).get(url(batch))
    assert response.status_code == 200 and "private" in response["Cache-Control"]
    client.get(reverse("site:set_language", args=["en"]))
    page = client.get(url(batch)).text
    assert "From source to shelf" in page and '<html lang="en">' in page


def test_the_page_shows_the_products_public_thumbnail(client):
    from django.urls import reverse

    from ocop.trace.models import Batch
    from tests.factories import ProductFactory, make_photo

    product = ProductFactory(gtin="08938500000027")
    batch = Batch.objects.create(product=product, producer=product.producer, gtin=product.gtin, lot="A1")
    photo = make_photo(product)
    page = client.get(reverse("trace:batch_public", args=[batch.gtin, batch.lot])).content.decode()
    src = reverse("registry:photo_public", args=[photo.pk])
    assert f'src="{src}"' in page
    assert client.get(src).status_code == 200


def test_anonymous_page_is_served_from_the_cache_until_a_step_is_recorded(
    client, client_of, django_assert_num_queries
):
    """One render per minute for a scan storm; a new step shows at once; signed-in users never share it."""
    from django.core.cache import cache
    from django.urls import reverse

    from ocop.accounts.models import Role
    from ocop.trace.models import Batch
    from tests.factories import ProductFactory, make_user

    cache.clear()
    product = ProductFactory(gtin="08938500000034")
    batch = Batch.objects.create(product=product, producer=product.producer, gtin=product.gtin, lot="C1")
    url = reverse("trace:batch_public", args=[batch.gtin, batch.lot])
    first = client.get(url)
    with django_assert_num_queries(1):  # the certificate's status, part of the key
        again = client.get(url)
    assert again.content == first.content and "public" in again["Cache-Control"]
    producer_user = make_user(Role.PRODUCER, producer=product.producer)
    step = {"date": "2026-11-20", "time": "08:00", "quantity": "10", "unit": "KGM"}
    assert (
        client_of(producer_user).post(reverse("trace:event_new", args=[batch.pk, "pack"]), step).status_code
        == 302
    )
    fresh = client.get(url)
    assert fresh.content != first.content and 'data-step="packing"' in fresh.content.decode()
    # signed in: rendered for the user, never served from or written to the shared cache
    signed_in = client_of(producer_user).get(url)
    assert "private" in signed_in["Cache-Control"]


def _pending_message_cookie(text):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    storage = CookieStorage(RequestFactory().get("/"))
    return storage._encode([Message(constants.INFO, text)])


def test_a_visitors_pending_message_is_never_put_in_the_shared_page(client, batch):
    """base.html renders pending messages: such a render is the visitor's own, never cached or public."""
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    visitor = Client()
    visitor.cookies["messages"] = _pending_message_cookie("PRIVATE-NOTE-of-visitor")
    mine = visitor.get(url(batch))
    assert "PRIVATE-NOTE-of-visitor" in mine.content.decode()
    assert "private" in mine["Cache-Control"] and "public" not in mine["Cache-Control"]
    assert "PRIVATE-NOTE-of-visitor" not in client.get(url(batch)).content.decode()


def test_recording_a_step_drops_the_cached_label_address_with_its_query_string(client, batch):
    """Labels carry ?17=YYMMDD: that cached copy goes too when a step is recorded."""
    from django.core.cache import cache

    cache.clear()
    labelled = url(batch) + "?17=260710"
    first = client.get(labelled).content.decode()
    assert 'data-step="packing"' not in first
    record(batch, "pack", 12)
    assert 'data-step="packing"' in client.get(labelled).content.decode()


def test_user_text_on_the_public_page_is_escaped(client, batch):
    from django.core.cache import cache

    cache.clear()
    evil = '<script>alert("x")</script>'
    batch.sources = [{"kind": "farm", "name": evil, "plot": "'\"><b>", "certificate": evil}]
    batch.save()
    record(batch, "ship", 12, partner=evil, partner_kind="distributor", note=evil)
    record(batch, "inspect", 13, lab=evil, report_number='R"1<', result=evil, passed=True, certificate="x")
    body = client.get(url(batch)).content.decode()
    assert "<script>alert" not in body and "<b>" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


# ------------------------------------------------------------------ status first (issue 10)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def head_of(html: str) -> str:
    """The page's head: from the product name to the facts card."""
    return html[html.index('id="product-name"') : html.index('class="card"')]


def test_revoked_certificate_comes_first_and_the_stars_are_history(client, batch):
    from django.core.cache import cache

    cache.clear()
    certificate(
        batch.product,
        status=CertificateStatus.REVOKED,
        revoked_on=dt.date(2026, 3, 2),
        revocation_ground="mark_misuse",
    )
    for address in (url(batch), reverse("trace:product_public", args=[batch.gtin])):
        html = client.get(address, **EN).text
        head = head_of(html)
        assert 'data-rating="revoked"' in head and 'data-rating="current"' not in html
        assert "4 star OCOP" not in html
        said = head.index("OCOP certificate revoked on 02/03/2026")
        assert said < head.index("Misuse of the OCOP mark") < head.index("Was rated 4★ OCOP until 02/03/2026")


def test_expired_certificate_comes_first_and_the_stars_are_history(client, batch):
    from django.core.cache import cache

    cache.clear()
    ended = dt.date.today() - dt.timedelta(days=3)
    certificate(batch.product, expires_on=ended)  # still "valid" in the row: ocop_expire has not run
    for address in (url(batch), reverse("trace:product_public", args=[batch.gtin])):
        html = client.get(address, **EN).text
        head = head_of(html)
        day = ended.strftime("%d/%m/%Y")
        assert 'data-rating="expired"' in head and "4 star OCOP" not in html
        assert head.index(f"OCOP certificate expired on {day}") < head.index(f"Was rated 4★ OCOP until {day}")


def test_no_certificate_in_force_shows_no_current_stars(client, batch):
    certificate(batch.product, status=CertificateStatus.SUPERSEDED)
    html = client.get(url(batch), **EN).text
    assert 'data-rating="none"' in html and "No OCOP certificate in force." in html
    assert "★" not in head_of(html)


def test_valid_certificate_shows_the_stars_as_today(client, batch):
    certificate(batch.product)
    for address in (url(batch), reverse("trace:product_public", args=[batch.gtin])):
        head = head_of(client.get(address, **EN).text)
        assert 'data-rating="current"' in head and "★★★★" in head and "4 star OCOP" in head
        assert "revoked" not in head and "expired" not in head and "Was rated" not in head


def test_a_revocation_is_never_served_from_the_cached_page(client, batch):
    """Revoking does not drop the trace cache; the key carries the certificate's status instead."""
    from django.core.cache import cache

    cache.clear()
    cert = certificate(batch.product)
    assert 'data-rating="current"' in client.get(url(batch), **EN).text
    Certificate.objects.filter(pk=cert.pk).update(
        status=CertificateStatus.REVOKED, revoked_on=dt.date.today(), revocation_ground="stopped"
    )
    html = client.get(url(batch), **EN).text
    assert 'data-rating="revoked"' in html and 'data-rating="current"' not in html


def test_the_revoked_headline_in_vietnamese(client, batch):
    from django.core.cache import cache

    cache.clear()
    certificate(
        batch.product,
        status=CertificateStatus.REVOKED,
        revoked_on=dt.date(2026, 3, 2),
        revocation_ground="mark_misuse",
    )
    head = head_of(client.get(url(batch), HTTP_ACCEPT_LANGUAGE="vi").text)
    assert "Giấy chứng nhận OCOP đã bị thu hồi ngày 02/03/2026" in head
