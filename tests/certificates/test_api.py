"""The public certificate API: anonymous (and signed in, or with a token), paged like the other lists,
numbers with "/" as they are or URL-encoded, the PDF, 404 and 422 as problem+json."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from pypdf import PdfReader

from ocop.accounts.models import ApiToken, Role
from ocop.certificates.models import CertificateStatus, DecisionLevel, RevocationGround
from tests.certificates.test_pdf import make_certificate
from tests.factories import ProducerFactory, ProductFactory, commune, make_user

pytestmark = pytest.mark.django_db

BASE = "/api/v1/certificates"
NUMBER = "12/2026/CN-OCOP-80"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def certs():
    product = ProductFactory(name_vi="Bánh tráng Mãng Cầu Tây Ninh")
    return {
        "valid": make_certificate(
            NUMBER, product=product, issued_on=dt.date(2026, 3, 5), level=DecisionLevel.PROVINCE
        ),
        "five": make_certificate(
            "3/2026/CN-OCOP-01",
            product=ProductFactory(producer=ProducerFactory(commune=commune(province="01"))),
            stars=5,
            level=DecisionLevel.MINISTRY,
        ),
        "expired": make_certificate("4/2022/CN-OCOP-80", issued_on=dt.date(2022, 1, 10)),
        "revoked": make_certificate(
            "5/2026/CN-OCOP-80",
            status=CertificateStatus.REVOKED,
            revoked_on=dt.date(2026, 6, 2),
            revocation_ground=RevocationGround.STOPPED,
            revocation_reason="Cơ sở ngừng sản xuất.",
            revocation_decision="77/QĐ-UBND",
        ),
    }


def assert_problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["type"] and body["title"]
    return body


def test_read_one_with_all_fields(client, certs):
    cert = certs["valid"]
    response = client.get(f"{BASE}/{NUMBER}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "charset=utf-8" in response["Content-Type"].lower()
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert "Bánh tráng Mãng Cầu Tây Ninh".encode() in response.content  # UTF-8, not \u escapes
    assert response.json() == {
        "number": NUMBER,
        "product": {"id": cert.product_id, "name": "Bánh tráng Mãng Cầu Tây Ninh"},
        "producer": {"id": cert.producer_id, "name": cert.producer_name},
        "province": {"code": "80", "name": "Tỉnh Tây Ninh"},
        "stars": 4,
        "points": 82.5,
        "decision": {"number": cert.decision_number, "date": "2026-03-05", "level": "province"},
        "issued": "2026-03-05",
        "expires": "2029-03-05",
        "kept_valid_until": None,
        "status": "valid",
        "revocation": None,
        "superseded_by": None,
        "verify_url": "http://testserver/verify/12/2026/CN-OCOP-80",
        "pdf_url": "http://testserver/api/v1/certificates/12/2026/CN-OCOP-80/pdf",
    }


def test_url_encoded_number(client, certs):
    response = client.get(f"{BASE}/12%2F2026%2FCN-OCOP-80")
    assert response.status_code == 200 and response.json()["number"] == NUMBER


def test_revoked_carries_the_revocation(client, certs):
    data = client.get(f"{BASE}/5/2026/CN-OCOP-80").json()
    assert data["status"] == "revoked"
    assert data["revocation"] == {
        "date": "2026-06-02",
        "ground": "stopped",
        "ground_label": str(RevocationGround.STOPPED.label),
        "reason": "Cơ sở ngừng sản xuất.",
        "decision": "77/QĐ-UBND",
    }
    assert client.get(f"{BASE}/3/2026/CN-OCOP-01").json()["decision"]["level"] == "ministry"


def test_unknown_number_is_404_problem(client, certs):
    body = assert_problem(client.get(f"{BASE}/99/2026/CN-OCOP-80"), 404)
    assert "99/2026/CN-OCOP-80" in body["detail"]
    assert_problem(client.get(f"{BASE}/99/2026/CN-OCOP-80/pdf"), 404)


@pytest.mark.parametrize(
    ("status", "keys"),
    [("valid", {"valid", "five"}), ("expired", {"expired"}), ("revoked", {"revoked"})],
)
def test_list_by_status(client, certs, status, keys):
    response = client.get(BASE, {"status": status})
    assert response.status_code == 200
    data = response.json()
    assert {r["number"] for r in data["results"]} == {certs[k].number for k in keys}
    assert {r["status"] for r in data["results"]} == {status}
    assert data["count"] == len(keys)


def test_list_without_status_and_filters(client, certs):
    data = client.get(BASE).json()
    assert data["count"] == 4
    assert {r["number"] for r in client.get(BASE, {"province": "01"}).json()["results"]} == {
        "3/2026/CN-OCOP-01"
    }
    assert {r["number"] for r in client.get(BASE, {"stars": 5}).json()["results"]} == {"3/2026/CN-OCOP-01"}
    assert {r["number"] for r in client.get(BASE, {"q": "mang cau"}).json()["results"]} == {NUMBER}


def test_invalid_status_is_422_problem(client, certs):
    body = assert_problem(client.get(BASE, {"status": "superseded"}), 422)
    assert body["errors"][0]["location"] == "query" and body["errors"][0]["field"] == "status"
    assert_problem(client.get(BASE, {"status": "nope"}), 422)


def test_paging(client, certs, django_assert_max_num_queries):
    first = client.get(BASE, {"page_size": 3}).json()
    assert first["count"] == 4 and first["pages"] == 2 and len(first["results"]) == 3
    assert first["previous"] is None and first["next"].startswith("http://testserver/api/v1/certificates?")
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    numbers = {r["number"] for r in first["results"] + second["results"]}
    assert numbers == {c.number for c in certs.values()}
    assert_problem(client.get(BASE, {"page": 3, "page_size": 3}), 404)
    with django_assert_max_num_queries(2) as small:
        client.get(BASE, {"page_size": 2})
    for _ in range(6):
        make_certificate()
    with django_assert_max_num_queries(2) as large:
        assert len(client.get(BASE, {"page_size": 10}).json()["results"]) == 10
    assert len(large.captured_queries) == len(small.captured_queries)


def test_pdf(client, certs):
    for url in (f"{BASE}/{NUMBER}/pdf", f"{BASE}/12%2F2026%2FCN-OCOP-80/pdf"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        text = " ".join((PdfReader(io.BytesIO(response.content)).pages[0].extract_text() or "").split())
        assert NUMBER in text and "Bánh tráng Mãng Cầu Tây Ninh" in text


def test_signed_in_and_token_callers_get_the_same(client, client_of, certs):
    anonymous = client.get(f"{BASE}/{NUMBER}").json()
    assert client_of(make_user(Role.PRODUCER)).get(f"{BASE}/{NUMBER}").json() == anonymous
    _token, key = ApiToken.issue(make_user(Role.INTEGRATOR), "test")
    with_token = client.get(f"{BASE}/{NUMBER}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert with_token.status_code == 200 and with_token.json() == anonymous
    assert client.get(BASE, HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 200


def test_in_the_openapi_as_public(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (BASE, f"{BASE}/{{number}}", f"{BASE}/{{number}}/pdf"):
        operation = paths[path]["get"]
        assert not operation.get("security"), path
    assert "application/pdf" in paths[f"{BASE}/{{number}}/pdf"]["get"]["responses"]["200"]["content"]
    params = {p["name"] for p in paths[BASE]["get"]["parameters"]}
    assert {"status", "page", "page_size"} <= params
