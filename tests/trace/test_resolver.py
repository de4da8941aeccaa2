"""The GS1 Digital Link resolver: /01/… redirects, link types, the RFC 9264 linkset, the resolver
description, and errors (400 malformed, 404 unknown; never 200 for an error)."""

import datetime as dt
import itertools
import json
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
from django.http import HttpResponse
from django.urls import include, path, reverse
from stdnum import ean

import ocop.site.urls as project_urls
from ocop.certificates.models import Certificate, CertificateStatus
from ocop.registry.rules import certificate_expiry as expiry
from ocop.trace import urls as trace_urls
from ocop.trace.models import Batch
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

LINKSET = "application/linkset+json"
_serial = itertools.count(1)


# The consumer pages are another part of the app; when they are not there, stand-ins with the same names
# let the redirects be checked (the Location header is what the resolver builds either way).
def _stand_in(request, **kwargs):  # pragma: no cover - never followed
    return HttpResponse("stand-in")


_names = {getattr(p, "name", None) for p in trace_urls.urlpatterns}
_stand_ins = [
    path(route, _stand_in, name=name)
    for route, name in (
        ("trace/<str:gtin>/<path:lot>/", "batch_public"),
        ("trace/<str:gtin>/", "product_public"),
    )
    if name not in _names
]
urlpatterns = [p for p in project_urls.urlpatterns if getattr(p, "urlconf_name", None) is not trace_urls] + [
    path("", include((trace_urls.urlpatterns + _stand_ins, "trace")))
]


@pytest.fixture(autouse=True)
def _urls(settings):
    if _stand_ins:
        settings.ROOT_URLCONF = __name__


def gtin_of(length: int) -> str:
    """A fresh GTIN of `length` digits with its check digit (Vietnam's prefix 893 where it fits)."""
    n = next(_serial)
    body = {7: f"893{n:04d}", 11: f"0893{n:07d}", 12: f"893{n:09d}", 13: f"1893{n:09d}"}[length - 1]
    return body + ean.calc_check_digit(body)


def make_product(gtin: str | None = None, **fields):
    gtin = gtin or gtin_of(13)
    return ProductFactory(gtin=gtin.zfill(14), **fields)


def make_batch(product, lot: str = "L26-001", **fields) -> Batch:
    return Batch.objects.create(
        product=product, producer=product.producer, gtin=product.gtin, lot=lot, **fields
    )


def make_certificate(product, status=CertificateStatus.VALID, issued_on=None, **fields) -> Certificate:
    producer = product.producer
    issued_on = issued_on or dt.date.today() - dt.timedelta(days=30)
    return Certificate.objects.create(
        number=fields.pop("number", f"{next(_serial)}/2026/CN-OCOP-{producer.commune.province_id}"),
        product=product,
        producer=producer,
        province=producer.commune.province,
        decision_number="1234/QĐ-UBND",
        decision_date=issued_on,
        stars=4,
        points=Decimal("82.50"),
        product_name=product.name_vi,
        producer_name=producer.name,
        issued_on=issued_on,
        expires_on=fields.pop("expires_on", expiry(issued_on)),
        status=status,
        **fields,
    )


def product_page(gtin14: str) -> str:
    return "http://testserver" + reverse("trace:product_public", args=[gtin14])


def batch_page(gtin14: str, lot: str) -> str:
    return "http://testserver" + reverse("trace:batch_public", args=[gtin14, lot])


def assert_cached_briefly(response):
    cache = response["Cache-Control"]
    assert "public" in cache and "max-age=" in cache
    assert 0 < int(cache.split("max-age=")[1].split(",")[0]) <= 3600


# ------------------------------------------------------------------------------------ redirects


@pytest.mark.parametrize("length", [8, 12, 13, 14])
def test_gtin_of_each_length_is_normalised_to_gtin14(client, length):
    raw = gtin_of(length)
    product = make_product(raw)
    assert product.gtin == raw.zfill(14) and len(product.gtin) == 14
    response = client.get(f"/01/{raw}")
    assert response.status_code == 307
    assert response["Location"] == product_page(product.gtin)
    make_batch(product, lot="A1")
    response = client.get(f"/01/{raw}/10/A1")
    assert response.status_code == 307
    assert response["Location"] == batch_page(product.gtin, "A1")


def test_default_redirect_for_a_batch_is_the_batch_page_with_a_link_to_the_linkset(
    client, django_assert_max_num_queries
):
    product = make_product()
    make_batch(product, lot="L26-001")
    with django_assert_max_num_queries(1):
        response = client.get(f"/01/{product.gtin}/10/L26-001")
    assert response.status_code == 307
    assert response["Location"] == batch_page(product.gtin, "L26-001")
    assert response["Link"] == (
        f'<http://testserver/01/{product.gtin}/10/L26-001?linkType=linkset>; rel="linkset"; type="{LINKSET}"'
    )
    assert_cached_briefly(response)
    assert "Accept" in response["Vary"]


def test_default_redirect_for_a_gtin_is_the_product_page(client, django_assert_max_num_queries):
    product = make_product()
    with django_assert_max_num_queries(1):
        response = client.get(f"/01/{product.gtin}")
    assert response.status_code == 307
    assert response["Location"] == product_page(product.gtin)
    assert response["Link"].startswith(f"<http://testserver/01/{product.gtin}?linkType=linkset>")


def test_serial_resolves_to_the_batch(client):
    product = make_product()
    make_batch(product, lot="L1")
    response = client.get(f"/01/{product.gtin}/10/L1/21/SN0001")
    assert response.status_code == 307
    assert response["Location"] == batch_page(product.gtin, "L1")


def test_trailing_slash_is_the_same_key(client):
    product = make_product()
    response = client.get(f"/01/{product.gtin}/")
    assert response.status_code == 307
    assert response["Location"] == product_page(product.gtin)


def test_query_string_is_passed_on_without_link_type(client):
    product = make_product()
    make_batch(product, lot="L1", expires_on=dt.date(2026, 12, 31))
    response = client.get(f"/01/{product.gtin}/10/L1?17=261231&utm_source=qr")
    assert response.status_code == 307
    assert response["Location"] == batch_page(product.gtin, "L1") + "?17=261231&utm_source=qr"
    response = client.get(f"/01/{product.gtin}/10/L1?linkType=gs1:pip&17=261231")
    assert response["Location"] == product_page(product.gtin) + "?17=261231"


def test_percent_encoded_lot_keeps_its_slash_when_the_server_gives_the_raw_path(client):
    product = make_product()
    make_batch(product, lot="L/26?1")
    encoded = f"/01/{product.gtin}/10/{quote('L/26?1', safe='')}"
    response = client.get(encoded, RAW_URI=encoded)
    assert response.status_code == 307
    assert response["Location"] == batch_page(product.gtin, "L/26?1")
    # Characters other than "/" survive the decoding of a server that keeps no raw path.
    make_batch(product, lot="L%26?")
    response = client.get(f"/01/{product.gtin}/10/{quote('L%26?', safe='')}")
    assert response.status_code == 307
    assert response["Location"] == batch_page(product.gtin, "L%26?")


# ------------------------------------------------------------------------------------ link types


def test_link_type_pip_is_the_product_page(client):
    product = make_product()
    make_batch(product, lot="L1")
    for link_type in ("gs1:pip", "https://gs1.org/voc/pip"):
        response = client.get(f"/01/{product.gtin}/10/L1", {"linkType": link_type})
        assert response.status_code == 307
        assert response["Location"] == product_page(product.gtin)


def test_link_type_traceability_is_the_batch_page_and_needs_a_lot(client):
    product = make_product()
    make_batch(product, lot="L1")
    response = client.get(f"/01/{product.gtin}/10/L1?linkType=gs1:traceability")
    assert response.status_code == 307
    assert response["Location"] == batch_page(product.gtin, "L1")
    response = client.get(f"/01/{product.gtin}?linkType=gs1:traceability")
    assert response.status_code == 404


def test_link_type_certification_info_is_the_certificate_in_force(client):
    product = make_product()
    make_batch(product, lot="L1")
    url = f"/01/{product.gtin}/10/L1?linkType=gs1:certificationInfo"
    assert client.get(url).status_code == 404  # no certificate at all
    make_certificate(product, status=CertificateStatus.REVOKED, number="1/2025/CN-OCOP-80")
    make_certificate(
        product,
        issued_on=dt.date(2020, 1, 1),
        expires_on=dt.date(2023, 1, 1),
        number="2/2020/CN-OCOP-80",
    )  # status valid, but past its expiry
    assert client.get(url).status_code == 404
    certificate = make_certificate(product, number="12/2026/CN-OCOP-80")
    response = client.get(url)
    assert response.status_code == 307
    assert response["Location"] == "http://testserver" + reverse(
        "certificates:verify", args=[certificate.number]
    )
    assert response["Location"].endswith("/verify/12/2026/CN-OCOP-80")
    # A GTIN alone has it too.
    response = client.get(f"/01/{product.gtin}?linkType=gs1:certificationInfo")
    assert response.status_code == 307


def test_link_type_epcis_is_the_query_for_the_batch(client):
    product = make_product()
    make_batch(product, lot="L/1")
    response = client.get(
        f"/01/{product.gtin}/10/L%2F1?linkType=gs1:epcis", RAW_URI=f"/01/{product.gtin}/10/L%2F1"
    )
    assert response.status_code == 307
    epc = f"https://id.gs1.org/01/{product.gtin}/10/L%2F1"
    assert response["Location"] == "http://testserver/epcis/events?" + urlencode({"MATCH_epcClass": epc})
    assert client.get(f"/01/{product.gtin}?linkType=gs1:epcis").status_code == 404


@pytest.mark.parametrize("link_type", ["gs1:recipeInfo", "gs1:nonsense", "pip", "https://example.org/pip"])
def test_unknown_link_type_is_404(client, link_type):
    product = make_product()
    make_batch(product, lot="L1")
    response = client.get(f"/01/{product.gtin}/10/L1", {"linkType": link_type})
    assert response.status_code == 404


# ------------------------------------------------------------------------------------- linkset


def _check_linkset(response, product, lot=None, certificate=None):
    assert response.status_code == 200
    assert response["Content-Type"] == LINKSET
    assert_cached_briefly(response)
    body = json.loads(response.content)
    assert list(body) == ["linkset"] and len(body["linkset"]) == 1
    entry = body["linkset"][0]
    anchor = f"https://testserver/01/{product.gtin}" + (f"/10/{lot}" if lot else "")
    assert entry["anchor"] == anchor
    voc = "https://gs1.org/voc/"
    pip = entry[voc + "pip"][0]
    assert pip == {
        "href": product_page(product.gtin),
        "title": product.name_vi,
        "type": "text/html",
        "hreflang": ["vi", "en"],
    }
    if lot:
        assert entry[voc + "traceability"][0]["href"] == batch_page(product.gtin, lot)
        assert entry[voc + "defaultLink"][0]["href"] == batch_page(product.gtin, lot)
        assert entry[voc + "epcis"][0]["href"].startswith("http://testserver/epcis/events?MATCH_epcClass=")
    else:
        assert voc + "traceability" not in entry and voc + "epcis" not in entry
        assert entry[voc + "defaultLink"][0]["href"] == product_page(product.gtin)
    if certificate:
        assert entry[voc + "certificationInfo"][0]["href"].endswith(
            reverse("certificates:verify", args=[certificate.number])
        )
    else:
        assert voc + "certificationInfo" not in entry
    for links in (v for k, v in entry.items() if k != "anchor"):
        assert all(link["href"].startswith("http://testserver/") for link in links)
    return entry


def test_linkset_by_accept_header(client):
    product = make_product(name_vi="Mật ong hoa nhãn Hưng Yên")
    make_batch(product, lot="L1")
    certificate = make_certificate(product)
    response = client.get(f"/01/{product.gtin}/10/L1", HTTP_ACCEPT=LINKSET)
    _check_linkset(response, product, lot="L1", certificate=certificate)
    assert "Mật ong hoa nhãn Hưng Yên".encode() in response.content  # diacritics, not \\u escapes


@pytest.mark.parametrize("value", ["linkset", "all"])
def test_linkset_by_link_type(client, value):
    product = make_product()
    make_batch(product, lot="L1")
    _check_linkset(client.get(f"/01/{product.gtin}/10/L1?linkType={value}"), product, lot="L1")
    _check_linkset(client.get(f"/01/{product.gtin}?linkType={value}"), product)


# ------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "suffix",
    [
        "/10",  # a lot key without its value
        "/21/S1",  # a serial without a lot
        "/22/CPV1",  # a qualifier this resolver does not take
        "/10/L1/21",
        "/10/" + "A" * 21,  # lots have at most 20 characters
        "/10/L%20%C3%A9",  # characters outside GS1's set 82
        "/10/L1?17=261399",  # no month 13
        "/10/L1?10=L2",  # the query contradicts the path
    ],
)
def test_malformed_uri_is_400_never_200(client, suffix):
    product = make_product()
    make_batch(product, lot="L1")
    response = client.get(f"/01/{product.gtin}{suffix}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("raw", ["12345", "abcdefgh", "893123456789012", ""])
def test_gtin_of_a_wrong_length_is_400(client, raw):
    response = client.get(f"/01/{raw}" if raw else "/01/")
    assert response.status_code == 400


def test_bad_check_digit_is_400_with_problem_json_when_asked(client):
    product = make_product()
    bad = product.gtin[:-1] + str((int(product.gtin[-1]) + 1) % 10)
    response = client.get(f"/01/{bad}")
    assert response.status_code == 400
    assert b"check digit" in response.content
    response = client.get(f"/01/{bad}", HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = json.loads(response.content)
    assert problem["status"] == 400 and "check digit" in problem["detail"]
    # A linkset request that is malformed is refused too, not answered with an empty linkset.
    response = client.get(f"/01/{bad}", HTTP_ACCEPT=LINKSET)
    assert response.status_code == 400


def test_unknown_gtin_and_unknown_lot_are_404(client):
    product = make_product()
    make_batch(product, lot="L1")
    unknown = gtin_of(13)
    for url in (f"/01/{unknown}", f"/01/{unknown}/10/L1", f"/01/{product.gtin}/10/L2"):
        response = client.get(url)
        assert response.status_code == 404, url
        response = client.get(url, HTTP_ACCEPT=LINKSET)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/problem+json"
        assert json.loads(response.content)["status"] == 404


def test_only_get_and_head(client):
    product = make_product()
    assert client.head(f"/01/{product.gtin}").status_code == 307
    assert client.post(f"/01/{product.gtin}").status_code == 405


# ----------------------------------------------------------------------------- resolver description


def test_well_known_gs1resolver(client):
    response = client.get("/.well-known/gs1resolver")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert_cached_briefly(response)
    body = json.loads(response.content)
    assert body["resolverRoot"] == "http://testserver"
    assert body["supportedPrimaryKeys"] == ["gtin"]
    assert body["linkTypeDefaultCanBeLinkset"] is True
    assert set(body["supportedLinkTypes"]) == {
        "gs1:pip",
        "gs1:traceability",
        "gs1:certificationInfo",
        "gs1:epcis",
    }
    assert body["name"]


def test_resolver_urls_are_named_in_the_trace_namespace():
    assert reverse("trace:dl_gtin", args=["09312345678907"]) == "/01/09312345678907"
    assert reverse("trace:dl_batch", args=["09312345678907", "L1"]) == "/01/09312345678907/10/L1"
    assert reverse("trace:dl_serial", args=["09312345678907", "L1", "S"]) == "/01/09312345678907/10/L1/21/S"
    assert reverse("trace:gs1resolver") == "/.well-known/gs1resolver"


@pytest.mark.parametrize("lot", ['A>;rel="x"', "L/26?1", "A,B<"])
def test_link_header_carries_the_lot_percent_encoded(client, lot):
    """The linkset link names the canonical key path: a lot's "?", ">", ";" or quote cannot end the URI
    reference early or add link parameters."""
    product = make_product()
    make_batch(product, lot=lot)
    encoded = f"/01/{product.gtin}/10/{quote(lot, safe='')}"
    response = client.get(encoded, RAW_URI=encoded)
    assert response.status_code == 307
    assert response["Link"] == (
        f'<http://testserver{encoded}?linkType=linkset>; rel="linkset"; type="{LINKSET}"'
    )
    linkset = response["Link"][1:].split(">")[0].removeprefix("http://testserver")
    assert client.get(linkset, RAW_URI=linkset, HTTP_ACCEPT=LINKSET).status_code == 200


@pytest.mark.parametrize(
    "suffix",
    [
        "?linkType=https://evil.example/pip",
        "?linkType=gs1:pip&url=//evil.example/",
        "?x=%0D%0ALocation:%20https://evil.example/",
        "?x=https://evil.example/&17=261231",
        "/",
    ],
)
def test_redirects_stay_on_this_site_and_headers_carry_no_injected_lines(client, suffix):
    from urllib.parse import urlsplit

    product = make_product()
    make_batch(product, lot="L1")
    response = client.get(f"/01/{product.gtin}/10/L1{suffix}")
    if response.status_code == 307:
        target = urlsplit(response["Location"])
        assert (target.scheme, target.netloc) == ("http", "testserver")
        assert target.path.startswith("/trace/")
    else:
        assert response.status_code == 404
    for name, value in response.items():
        assert "\r" not in value and "\n" not in value, name


@pytest.mark.parametrize("lot", ["A%0D%0ALocation:x", "A%0Ab", "%2F%2Fevil.example", "A%00"])
def test_control_characters_or_a_bare_slash_lot_never_redirect(client, lot):
    product = make_product()
    make_batch(product, lot="L1")
    path = f"/01/{product.gtin}/10/{lot}"
    response = client.get(path, RAW_URI=path)
    assert response.status_code in (400, 404) and "Location" not in response


def test_a_person_gets_a_page_in_their_language_with_the_right_status(client):
    """Scanned by a phone: the site's page saying plainly what is wrong, the technical text one click further."""
    product = make_product()
    bad = product.gtin[:-1] + str((int(product.gtin[-1]) + 1) % 10)
    response = client.get(f"/01/{bad}", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 400 and "This is not a valid product code" in body
    assert body.index("<details>") < body.index("check digit")  # the technical text only in the details
    vi = client.get(f"/01/{bad}", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Đây không phải là mã sản phẩm hợp lệ" in vi
    unknown = client.get(f"/01/{product.gtin}/10/NOPE", HTTP_ACCEPT_LANGUAGE="vi")
    assert unknown.status_code == 404 and "Lô hàng này chưa có trên nền tảng" in unknown.content.decode()
    assert "private" in unknown["Cache-Control"]
