"""The OpenAPI document, the offline docs page, the API root and UTF-8 output."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import URLPattern, reverse
from openapi_spec_validator import validate

from ocop.accounts.models import Role
from ocop.site.api import api
from tests.factories import make_user

pytestmark = pytest.mark.django_db

EXPECTED_PATHS = {
    "/api/v1/places/provinces",
    "/api/v1/places/provinces/{code}",
    "/api/v1/places/provinces/{code}/communes",
    "/api/v1/producers",
    "/api/v1/producers/{producer_id}",
    "/api/v1/products",
    "/api/v1/products/{product_id}",
    "/api/v1/products/photos/{photo_id}/{variant}",
    "/api/v1/criteria/sets",
    "/api/v1/criteria/sets/{set_id}",
    "/api/v1/criteria/sets/{set_id}/sheets/{number}",
    "/api/v1/criteria/sets/{set_id}/sheets/{number}/score",
    "/api/v1/dossiers",
    "/api/v1/dossiers/{dossier_id}",
    "/api/v1/dossiers/{dossier_id}/result",
    "/api/v1/certificates",
    "/api/v1/certificates/{number}",
    "/api/v1/certificates/{number}/pdf",
}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content.decode("utf-8"))


def test_document_is_valid_openapi(document):
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    info = document["info"]
    assert info["title"] == "OCOP API" and info["version"] == "1"
    assert "Bearer" in info["description"]


def test_document_lists_every_endpoint(document):
    assert set(document["paths"]) == EXPECTED_PATHS
    # and every endpoint the API routes is in it (a new endpoint cannot hide from the description)
    routed = set()
    for pattern in api.urls[0]:
        if isinstance(pattern, URLPattern) and pattern.name not in {
            "openapi-json",
            "openapi-view",
            "api-root",
            "not-found",
        }:
            routed.add("/api/v1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern)))
    assert routed == EXPECTED_PATHS


def test_security_schemes_and_which_endpoints_need_them(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerTokenAuth"]["type"] == "http"
    assert schemes["BearerTokenAuth"]["scheme"] == "bearer"
    assert schemes["SessionAuth"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}
    for path, operations in document["paths"].items():
        for operation in operations.values():
            security = operation.get("security")
            if path.startswith(("/api/v1/places/", "/api/v1/criteria/", "/api/v1/certificates")):
                assert not security, path
            else:
                assert {"BearerTokenAuth": []} in security and {"SessionAuth": []} in security, path
    assert set(document["paths"]["/api/v1/criteria/sets/{set_id}/sheets/{number}/score"]) == {"post"}


def test_errors_are_documented_as_problem_json(document):
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    products = document["paths"]["/api/v1/products"]["get"]["responses"]
    for status in ("401", "403", "404", "422", "429", "default"):
        assert products[status]["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }
    params = {p["name"] for p in document["paths"]["/api/v1/products"]["get"]["parameters"]}
    assert {
        "province",
        "commune",
        "group",
        "product_set",
        "sheet",
        "stars",
        "status",
        "producer",
        "gtin",
        "q",
    } <= params
    assert {"page", "page_size"} <= params


def test_docs_page_is_served_offline(client):
    url = reverse("api:openapi-view")
    assert url == "/api/v1/docs"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    # every URL the page loads is on this site
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert ref.startswith("/"), ref
        if ref.startswith("/static/"):
            assert finders.find(ref.removeprefix("/static/")), f"{ref} is not shipped"
    assert not [
        u for u in re.findall(r"https?://[^\s\"'<>]+", html) if not u.startswith("http://testserver/")
    ]
    assert "/static/ninja/swagger-ui-bundle.js" in html
    settings_json = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', html, re.S).group(1))
    assert settings_json["url"] == "/api/v1/openapi.json"
    assert settings_json["validatorUrl"] is None  # no call to validator.swagger.io


def test_footer_link_to_the_docs_still_resolves():
    assert reverse("api:openapi-view") == "/api/v1/docs"
    assert reverse("api:openapi-json") == "/api/v1/openapi.json"


def test_api_root_points_to_the_description(client):
    data = client.get("/api/v1/").json()
    assert data["openapi"] == "http://testserver/api/v1/openapi.json"
    assert data["docs"] == "http://testserver/api/v1/docs"


def test_output_is_utf8_not_escaped(client):
    response = client.get("/api/v1/places/provinces/80")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "Tây Ninh".encode() in response.content
    assert b"\\u" not in response.content


def test_registry_output_is_utf8(world, client_of):
    response = client_of(make_user(Role.MINISTRY)).get(f"/api/v1/products/{world.p1.pk}")
    assert "Bánh tráng phơi sương".encode() in response.content
    assert "Tỉnh Tây Ninh".encode() in response.content
    assert b"\\u" not in response.content


def test_openapi_document_is_utf8_too(client):
    content = client.get("/api/v1/openapi.json").content
    assert "Mỗi xã một sản phẩm".encode() in content
    assert b"\\u1ed7" not in content
