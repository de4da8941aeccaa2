"""The language switch is a link: public pages carry no CSRF token, so no cookie is set on them and a
shared cache may keep them."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_switch_sets_the_language_cookie_and_returns_to_the_page(client):
    response = client.get(reverse("site:set_language", args=["en"]), {"next": "/criteria/"})
    assert response.status_code == 302 and response["Location"] == "/criteria/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "no-cache" in response["Cache-Control"]
    page = client.get("/criteria/")
    assert page.content.decode().startswith("<!doctype html>") and '<html lang="en">' in page.content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_switch_never_sends_the_user_to_another_site(client, target):
    response = client.get(reverse("site:set_language", args=["en"]), {"next": target})
    assert response["Location"] == "/"


def test_unknown_language_is_404_and_sets_nothing(client):
    response = client.get(reverse("site:set_language", args=["fr"]))
    assert response.status_code == 404 and settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_public_pages_set_no_cookie(client):
    for url in ("/", "/criteria/", reverse("certificates:public_list")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert not response.cookies, (url, list(response.cookies))
        assert "csrfmiddlewaretoken" not in response.content.decode()
