"""The public list of certificates: valid ones by default, filters by status, stars, province and
accent-insensitive words; a fixed number of queries whatever the page size; anonymous and signed in."""

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from ocop.accounts.models import Role
from ocop.certificates import pdf as certificate_pdfs
from ocop.certificates.models import Certificate, CertificateStatus
from ocop.certificates.views.public import status_q
from tests.certificates.test_pdf import make_certificate
from tests.factories import ProducerFactory, ProductFactory, commune, make_user

pytestmark = pytest.mark.django_db

URL = reverse("certificates:public_list")
OLD = dt.date(2022, 1, 10)  # expired by now


def numbers(response) -> set[str]:
    return {c.number for c in response.context["page_obj"].object_list}


@pytest.fixture
def certs():
    honey = ProductFactory(name_vi="Mật ong hoa nhãn")
    salt = ProductFactory(name_vi="Muối ớt Tây Ninh", producer=ProducerFactory(name="Cơ sở Đức Hạnh"))
    other = ProductFactory(producer=ProducerFactory(commune=commune(province="01")))
    return {
        "valid": make_certificate("1/2026/CN-OCOP-80", product=honey, stars=3),
        "valid5": make_certificate("2/2026/CN-OCOP-80", product=salt, stars=5),
        "hanoi": make_certificate("3/2026/CN-OCOP-01", product=other, stars=4),
        "expired": make_certificate("4/2022/CN-OCOP-80", issued_on=OLD),
        "revoked": make_certificate(
            "5/2026/CN-OCOP-80", status=CertificateStatus.REVOKED, revoked_on=dt.date(2026, 2, 1)
        ),
    }


def test_valid_by_default(client, certs):
    response = client.get(URL)
    assert response.status_code == 200
    assert numbers(response) == {"1/2026/CN-OCOP-80", "2/2026/CN-OCOP-80", "3/2026/CN-OCOP-01"}
    html = response.content.decode()
    assert "Mật ong hoa nhãn" in html
    assert reverse("certificates:verify", args=["1/2026/CN-OCOP-80"]) in html
    assert reverse("certificates:pdf", args=["1/2026/CN-OCOP-80"]) in html


@pytest.mark.parametrize(("status", "key"), [("expired", "expired"), ("revoked", "revoked")])
def test_filter_by_status(client, certs, status, key):
    assert numbers(client.get(URL, {"status": status})) == {certs[key].number}


def test_filter_by_stars_and_province(client, certs):
    assert numbers(client.get(URL, {"stars": 5})) == {"2/2026/CN-OCOP-80"}
    assert numbers(client.get(URL, {"province": "01"})) == {"3/2026/CN-OCOP-01"}
    assert numbers(client.get(URL, {"province": "80", "stars": 3})) == {"1/2026/CN-OCOP-80"}


def test_search_is_accent_insensitive(client, certs):
    assert numbers(client.get(URL, {"q": "mat ong"})) == {"1/2026/CN-OCOP-80"}
    assert numbers(client.get(URL, {"q": "MUỐI"})) == {"2/2026/CN-OCOP-80"}
    assert numbers(client.get(URL, {"q": "duc hanh"})) == {"2/2026/CN-OCOP-80"}  # the producer's name
    assert numbers(client.get(URL, {"q": "mat ong", "status": "revoked"})) == set()


def test_invalid_filter_falls_back_to_valid_and_shows_the_error(client, certs):
    response = client.get(URL, {"status": "superseded"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert numbers(response) == {"1/2026/CN-OCOP-80", "2/2026/CN-OCOP-80", "3/2026/CN-OCOP-01"}


def test_public_and_signed_in(client, client_of, certs):
    assert client.get(URL).status_code == 200
    for role in (Role.PRODUCER, Role.COMMUNE_OFFICER, Role.MINISTRY):
        assert client_of(make_user(role)).get(URL).status_code == 200


def test_fixed_number_of_queries(client, settings, django_assert_max_num_queries):
    settings.OCOP_PAGE_SIZE = 50
    make_certificate(product=ProductFactory(producer=ProducerFactory(commune=commune(province="01"))))
    with django_assert_max_num_queries(5) as small:
        client.get(URL, {"province": "01"})
    for _ in range(12):
        make_certificate(product=ProductFactory(producer=ProducerFactory(commune=commune(province="01"))))
    with django_assert_max_num_queries(5) as large:
        response = client.get(URL, {"province": "01"})
    assert len(response.context["page_obj"].object_list) == 13
    assert len(large.captured_queries) == len(small.captured_queries)


def test_status_filter_agrees_with_display_status():
    """The database filter and the page's badge tell the same status, whatever the row's state."""
    today = timezone.localdate()
    newer = make_certificate()
    dates = {
        "current": today - dt.timedelta(days=30),
        "expired": today - dt.timedelta(days=3 * 366),
        "expires_today": today - dt.timedelta(days=1) - dt.timedelta(days=0),
    }
    rows = []
    for (name, issued), status, grace, superseded in itertools.product(
        dates.items(),
        list(CertificateStatus),
        [None, today - dt.timedelta(days=1), today + dt.timedelta(days=10)],
        [None, newer],
    ):
        cert = make_certificate(issued_on=issued, status=status, grace_until=grace, superseded_by=superseded)
        if name == "expires_today":
            cert.expires_on = today
            cert.save()
        rows.append(cert)
    for status in CertificateStatus:
        in_filter = set(Certificate.objects.filter(status_q(status, today)).values_list("pk", flat=True))
        shown = {c.pk for c in [*rows, newer] if certificate_pdfs.display_status(c, today=today) == status}
        assert in_filter == shown, status
