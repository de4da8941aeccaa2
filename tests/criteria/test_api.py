"""/api/v1/criteria: public, read-only criteria sets and sheets."""

import json

import pytest

from ocop.criteria.services import load_set

from .conftest import QD26, tiny_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]

BASE = "/api/v1/criteria/sets"


def assert_cacheable(response):
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    assert response["ETag"]


def assert_problem_404(response, *names):
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json; charset=utf-8"
    body = response.json()
    assert body["status"] == 404 and body["instance"] == response.request["PATH_INFO"]
    for name in names:
        assert name in body["detail"], body["detail"]
    assert "max-age=86400" not in response.get("Cache-Control", "")


def test_list_sets_is_public(client, qd26, django_assert_num_queries):
    load_set(tiny_set("draft-api"))  # drafts are not listed
    with django_assert_num_queries(1):
        response = client.get(BASE)
    assert response.status_code == 200
    assert_cacheable(response)
    data = response.json()
    assert [s["id"] for s in data] == [QD26]
    assert data[0] == {
        "id": QD26,
        "title_vi": "Bộ tiêu chí đánh giá, phân hạng sản phẩm OCOP",
        "title_en": "OCOP product evaluation and classification criteria",
        "legal_basis": "Quyết định 26/2026/QĐ-TTg",
        "decision_number": "26/2026/QĐ-TTg",
        "decision_date": "2026-05-22",
        "effective_date": "2026-05-22",
        "part_maxima": {"A": 40, "B": 25, "C": 35},
        "status": "published",
        "published_at": data[0]["published_at"],
        "content_hash": qd26.content_hash,
        "sheet_count": 26,
    }
    assert data[0]["published_at"]


def test_get_set_lists_its_sheets(client, qd26, qd26_data):
    response = client.get(f"{BASE}/{QD26}")
    assert response.status_code == 200
    assert_cacheable(response)
    data = response.json()
    assert data["id"] == QD26 and data["sheet_count"] == 26
    assert [s["number"] for s in data["sheets"]] == list(range(1, 27))
    assert data["sheets"][0] == {
        "number": 1,
        "name_vi": "Rau, củ, quả, hạt tươi",
        "name_en": "Fresh vegetables, tubers, fruits and nuts/seeds",
        "group": "I",
        "subgroup": "I.1",
        "product_set": "I.1.a",
        "part_maxima": {"A": 40, "B": 25, "C": 35},
    }
    assert data["star_bands"] == qd26_data["star_bands"]
    assert data["groups"] == qd26_data["groups"]


@pytest.mark.parametrize("number", [1, 11, 26])
def test_get_sheet_is_the_sheet_of_the_file(client, qd26, qd26_data, number):
    response = client.get(f"{BASE}/{QD26}/sheets/{number}")
    assert response.status_code == 200
    assert_cacheable(response)
    assert response["Content-Type"].endswith("charset=utf-8")
    expected = next(s for s in qd26_data["sheets"] if s["number"] == number)
    assert response.json() == {"set_id": QD26, **expected}


def test_sheet_json_is_utf8_text(client, qd26):
    raw = client.get(f"{BASE}/{QD26}/sheets/26").content
    assert "Trường hợp 1: Dịch vụ du lịch do cộng đồng cung cấp".encode() in raw
    assert b"\\u" not in raw
    json.loads(raw.decode("utf-8"))


def test_unknown_set_is_404_problem_naming_it(client, qd26):
    assert_problem_404(client.get(f"{BASE}/qd99-1999"), "qd99-1999")
    assert_problem_404(client.get(f"{BASE}/qd99-1999/sheets/1"), "qd99-1999")


def test_unknown_sheet_is_404_problem_naming_it(client, qd26):
    assert_problem_404(client.get(f"{BASE}/{QD26}/sheets/27"), QD26, "27")


def test_draft_set_is_not_served(client, qd26):
    load_set(tiny_set("draft-api"))
    assert_problem_404(client.get(f"{BASE}/draft-api"), "draft-api")
    assert_problem_404(client.get(f"{BASE}/draft-api/sheets/1"), "draft-api")


def test_sheet_number_must_be_a_number(client, qd26):
    response = client.get(f"{BASE}/{QD26}/sheets/abc")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json; charset=utf-8"


def test_endpoints_are_in_the_openapi_description(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/criteria/sets",
        "/api/v1/criteria/sets/{set_id}",
        "/api/v1/criteria/sets/{set_id}/sheets/{number}",
    ):
        assert "get" in paths[path], path
