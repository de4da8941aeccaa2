"""Every error is RFC 7807 application/problem+json, in the request's language, as UTF-8 text."""

import logging

import pytest
from django.utils import translation

from ocop.accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json; charset=utf-8"
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["instance"] == response.wsgi_request.path
    return body


def test_401(world, client):
    body = assert_problem(client.get(PRODUCTS), 401)
    assert body["type"] == "about:blank"
    assert "Bearer" in body["detail"]


def test_403(world, client_of):
    body = assert_problem(client_of(make_user("")).get(PRODUCTS), 403)
    assert body["type"] == "about:blank"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/nothing-here",
        "/api/v1/products/not-a-number",
        "/api/v1/products/1/photos",
        "/api/v1/places/provinces/80/nope",
        "/api/v1/products/",  # trailing slash: the API's paths have none
    ],
)
def test_404_for_unknown_routes(world, client_of, url):
    body = assert_problem(client_of(make_user(Role.MINISTRY)).get(url), 404)
    assert body["type"] == "about:blank"


def test_404_for_unknown_route_is_problem_even_anonymous_and_for_post(client):
    assert_problem(client.get("/api/v1/x/y/z"), 404)
    assert_problem(client.post("/api/v1/x", data="{}", content_type="application/json"), 404)


def test_404_for_missing_object(world, client_of):
    body = assert_problem(client_of(make_user(Role.MINISTRY)).get(f"{PRODUCTS}/999999"), 404)
    with translation.override("vi"):  # no Accept-Language: the default language
        assert body["detail"] == translation.gettext("No product with this id is visible to you.")


def test_405_names_the_allowed_methods(world, client_of):
    response = client_of(make_user(Role.MINISTRY)).post(PRODUCTS)
    assert_problem(response, 405)
    assert response["Allow"] == "GET"


def test_422_lists_each_problem_with_its_location(world, client_of):
    response = client_of(make_user(Role.MINISTRY)).get(f"{PRODUCTS}?page=0&stars=9")
    body = assert_problem(response, 422)
    assert body["type"] == "urn:ocop:problem:validation-error"
    assert sorted((e["location"], e["field"]) for e in body["errors"]) == [
        ("query", "page"),
        ("query", "stars"),
    ]
    assert all(e["message"] and e["code"] for e in body["errors"])


def test_429_after_the_rate_with_retry_after(world, settings, as_token):
    settings.OCOP_API_RATE = "2/min"
    client = as_token(make_user(Role.MINISTRY))
    assert client.get(PRODUCTS).status_code == 200
    assert client.get(PRODUCTS).status_code == 200
    response = client.get(PRODUCTS)
    body = assert_problem(response, 429)
    assert body["type"] == "urn:ocop:problem:too-many-requests"
    assert 1 <= int(response["Retry-After"]) <= 60
    # another user has their own allowance
    assert as_token(make_user(Role.MINISTRY)).get(PRODUCTS).status_code == 200


def test_429_for_anonymous_callers_of_public_endpoints(db, settings, client):
    settings.OCOP_API_ANON_RATE = "1/min"
    assert client.get("/api/v1/places/provinces").status_code == 200
    assert_problem(client.get("/api/v1/places/provinces"), 429)


def test_rate_none_means_no_limit(world, settings, as_token):
    settings.OCOP_API_RATE = "none"
    client = as_token(make_user(Role.MINISTRY))
    assert all(client.get(f"{PRODUCTS}/{world.p1.pk}").status_code == 200 for _ in range(5))


def test_500_is_a_problem_and_is_logged(db, client, monkeypatch, caplog):
    def broken():
        raise RuntimeError("database on fire")

    monkeypatch.setattr("ocop.places.api._provinces", broken)
    with caplog.at_level(logging.ERROR, logger="ocop.api"):
        response = client.get("/api/v1/places/provinces")
    body = assert_problem(response, 500)
    assert "fire" not in body["detail"]  # no internals to the client
    assert any(r.exc_info and "database on fire" in str(r.exc_info[1]) for r in caplog.records)


def test_titles_follow_accept_language(world, client):
    response = client.get(PRODUCTS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["title"] == "Authentication required"
    assert response["Content-Language"] == "en"
    response = client.get(PRODUCTS, HTTP_ACCEPT_LANGUAGE="vi")
    assert response["Content-Language"] == "vi"
    with translation.override("vi"):
        assert response.json()["title"] == translation.gettext("Authentication required")
    assert response.json()["title"] != "Authentication required"


def test_problem_text_is_raw_utf8(db, client):
    response = client.get("/api/v1/places/provinces/99")
    assert_problem(response, 404)
    assert "“99”".encode() in response.content  # curly quotes as UTF-8, not \u201c
    assert b"\\u" not in response.content
