"""The public verification page `/verify/<number>` (the QR code's target): each status with its facts,
the revocation made public, a replaced certificate pointing to the newer one, 404 for an unknown number,
cache headers a CDN can honour; anonymous and signed-in alike."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ocop.accounts.models import Role
from ocop.certificates.models import CertificateStatus, DecisionLevel, RevocationGround
from tests.certificates.test_pdf import make_certificate
from tests.factories import ProductFactory, make_user

pytestmark = pytest.mark.django_db

NUMBER = "7/2026/CN-OCOP-80"


def page(client, number):
    return client.get(reverse("certificates:verify", args=[number]))


def test_valid_certificate_shows_the_facts(client):
    product = ProductFactory(name_vi="Muối tôm Tây Ninh Đặc biệt")
    cert = make_certificate(
        NUMBER, product=product, issued_on=dt.date(2026, 2, 3), level=DecisionLevel.PROVINCE
    )
    response = page(client, NUMBER)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-status="valid"' in html
    assert "Muối tôm Tây Ninh Đặc biệt" in html
    assert product.producer.name in html
    assert product.producer.commune.name in html and cert.province.name in html
    assert "★★★★" in html and "★★★★★" not in html
    assert cert.decision_number in html and "03/02/2026" in html
    assert "03/02/2029" in html
    assert "82,5" in html or "82.5" in html
    assert reverse("certificates:pdf", args=[NUMBER]) in html
    assert 'data-status="revoked"' not in html


def test_url_encoded_number_finds_the_same_certificate(client):
    make_certificate(NUMBER)
    response = client.get("/verify/7%2F2026%2FCN-OCOP-80")
    assert response.status_code == 200 and NUMBER in response.content.decode()


def test_expired_certificate(client):
    make_certificate(NUMBER, issued_on=dt.date(2022, 4, 1))
    html = page(client, NUMBER).content.decode()
    assert 'data-status="expired"' in html and "01/04/2025" in html


def test_late_filer_kept_valid_in_grace(client):
    today = timezone.localdate()
    make_certificate(
        NUMBER, issued_on=today - dt.timedelta(days=3 * 365 + 20), grace_until=today + dt.timedelta(days=60)
    )
    html = page(client, NUMBER).content.decode()
    assert 'data-status="valid"' in html
    assert (today + dt.timedelta(days=60)).strftime("%d/%m/%Y") in html


def test_revoked_certificate_shows_the_revocation(client):
    make_certificate(
        NUMBER,
        status=CertificateStatus.REVOKED,
        revoked_on=dt.date(2026, 9, 14),
        revocation_ground=RevocationGround.MARK_MISUSE,
        revocation_reason="Dùng nhãn OCOP 5 sao trên sản phẩm 4 sao.",
        revocation_decision="88/QĐ-UBND",
    )
    html = page(client, NUMBER).content.decode()
    assert 'data-status="revoked"' in html and 'data-status="valid"' not in html
    assert "14/09/2026" in html
    assert str(RevocationGround.MARK_MISUSE.label) in html
    assert "Dùng nhãn OCOP 5 sao trên sản phẩm 4 sao." in html
    assert "88/QĐ-UBND" in html


def test_superseded_certificate_points_to_the_newer_one(client):
    product = ProductFactory()
    newer = make_certificate("20/2029/CN-OCOP-80", product=product, stars=5)
    make_certificate(NUMBER, product=product, status=CertificateStatus.SUPERSEDED, superseded_by=newer)
    html = page(client, NUMBER).content.decode()
    assert 'data-status="superseded"' in html
    assert reverse("certificates:verify", args=[newer.number]) in html


def test_unknown_number_is_a_404_with_a_search_form(client):
    response = page(client, "999/2026/CN-OCOP-80")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="not-found"' in html and "999/2026/CN-OCOP-80" in html
    assert f'action="{reverse("certificates:verify_search")}"' in html and 'name="number"' in html


def test_search_form_redirects_to_the_page(client):
    make_certificate(NUMBER)
    url = reverse("certificates:verify_search")
    response = client.get(url, {"number": f"  {NUMBER} "})
    assert response.status_code == 302 and response["Location"] == reverse(
        "certificates:verify", args=[NUMBER]
    )
    assert client.get(url, {"number": "nope"}).status_code == 404
    assert client.get(url).status_code == 200


def test_public_for_everyone_and_cacheable_when_anonymous(client, client_of):
    make_certificate(NUMBER)
    response = page(client, NUMBER)
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert "Accept-Language" in response["Vary"]
    for role in (Role.PRODUCER, Role.PROVINCE_OFFICER, Role.MINISTRY):
        signed_in = page(client_of(make_user(role)), NUMBER)
        assert signed_in.status_code == 200
        assert "private" in signed_in["Cache-Control"]


def test_english(client):
    make_certificate(NUMBER)
    html = client.get(
        reverse("certificates:verify", args=[NUMBER]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "OCOP certificate check" in html


def test_query_count(client, django_assert_max_num_queries):
    make_certificate(NUMBER, status=CertificateStatus.REVOKED, revoked_on=dt.date(2026, 1, 1))
    with django_assert_max_num_queries(3):
        assert page(client, NUMBER).status_code == 200


def test_fewer_stars_than_the_points_band_are_explained(client):
    make_certificate(NUMBER, stars=4, points=Decimal("92.00"))
    html = client.get(reverse("certificates:verify", args=[NUMBER]), HTTP_ACCEPT_LANGUAGE="en").text
    assert (
        "92 points reach the 5-star band, but a 5-star minimum was not met: the certificate is 4 stars."
        in html
    )


def test_stars_within_the_points_band_need_no_explanation(client):
    make_certificate(NUMBER, stars=4)  # 82.50 points: the 4-star band
    html = client.get(reverse("certificates:verify", args=[NUMBER]), HTTP_ACCEPT_LANGUAGE="en").text
    assert 'id="below-band"' not in html and "band" not in html
