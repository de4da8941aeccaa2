import pytest
from django.test import Client
from django.utils import translation

from ocop.accounts.models import Role


@pytest.mark.django_db
def test_denied_page_is_explained_in_vietnamese(user_of, client_of):
    council = client_of(user_of(Role.COUNCIL_MEMBER))
    response = council.get("/registry/products/new/")
    assert response.status_code == 403
    with translation.override("vi"):
        assert translation.gettext("You are not allowed to open this page") in response.content.decode()


@pytest.mark.django_db
def test_missing_page_in_the_chosen_language(settings):
    settings.DEBUG = False
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    response = Client(HTTP_ACCEPT_LANGUAGE="vi").get("/khong-co-trang-nay/")
    with translation.override("vi"):
        assert translation.gettext("Page not found") in response.content.decode()
