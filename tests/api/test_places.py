"""/api/v1/places: public administrative units with cache headers."""

import pytest

from ocop.core.text import fold
from ocop.places.models import Commune, Province

pytestmark = pytest.mark.django_db

BASE = "/api/v1/places/provinces"


def assert_cacheable(response):
    assert "public" in response["Cache-Control"]
    assert "max-age=86400" in response["Cache-Control"]


def test_list_provinces_is_public_and_cacheable(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(BASE)
    assert response.status_code == 200
    assert_cacheable(response)
    data = response.json()
    assert [p["code"] for p in data] == list(Province.objects.order_by("code").values_list("code", flat=True))
    tay_ninh = next(p for p in data if p["code"] == "80")
    assert tay_ninh == {
        "code": "80",
        "name": "Tỉnh Tây Ninh",
        "commune_count": Commune.objects.filter(province="80").count(),
    }


def test_get_province(client):
    response = client.get(f"{BASE}/80")
    assert response.status_code == 200
    assert_cacheable(response)
    assert response.json()["name"] == "Tỉnh Tây Ninh"


def test_unknown_province_is_404_problem_not_cached(client):
    response = client.get(f"{BASE}/99")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert "public" not in response.get("Cache-Control", "")
    assert client.get(f"{BASE}/99/communes").status_code == 404


def test_communes_of_a_province(client):
    response = client.get(f"{BASE}/80/communes")
    assert response.status_code == 200
    assert_cacheable(response)
    data = response.json()
    assert len(data) == Commune.objects.filter(province="80").count()
    assert {c["province_code"] for c in data} == {"80"}
    assert [fold(c["name"]) for c in data] == sorted(fold(c["name"]) for c in data)
    ward = next(c for c in data if c["name"] == "Phường Tân Ninh")
    assert ward == {
        "code": "25459",
        "name": "Phường Tân Ninh",
        "kind": "phuong",
        "kind_name_vi": "Phường",
        "kind_name_en": "Ward",
        "province_code": "80",
    }


def test_commune_filters(client):
    wards = client.get(f"{BASE}/80/communes?kind=phuong").json()
    assert wards and {c["kind"] for c in wards} == {"phuong"}
    assert len(wards) == Commune.objects.filter(province="80", kind="phuong").count()
    found = client.get(f"{BASE}/80/communes", {"q": "tan ninh"}).json()
    assert "Phường Tân Ninh" in [c["name"] for c in found]
    assert all("tan" in fold(c["name"]) and "ninh" in fold(c["name"]) for c in found)
    assert client.get(f"{BASE}/80/communes", {"q": "TÂN NINH"}).json() == found


def test_communes_answer_is_the_same_in_every_language(client):
    """It is publicly cacheable, so it must not depend on Accept-Language or the language cookie."""
    vi = client.get(f"{BASE}/80/communes", HTTP_ACCEPT_LANGUAGE="vi").content
    assert client.get(f"{BASE}/80/communes", HTTP_ACCEPT_LANGUAGE="en").content == vi
    client.cookies["django_language"] = "en"
    assert client.get(f"{BASE}/80/communes").content == vi


def test_commune_kind_must_be_known(client):
    response = client.get(f"{BASE}/80/communes?kind=village")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"


def test_public_endpoints_ignore_credentials(client):
    assert client.get(BASE, HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 200
