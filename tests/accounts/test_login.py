"""Sign-in, sign-out, throttling and the language switch, through the real views."""

import importlib
import os
import re

import pytest
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import translation

from ocop.accounts.models import Role, User
from tests.factories import make_user

PASSWORD = "mật-khẩu-thử-1"  # what tests.factories.UserFactory sets
LOGIN = "/accounts/login/"

pytestmark = pytest.mark.django_db


def real_settings():
    """The project's settings module as written, before the test-speed overrides in conftest."""
    return importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def post_login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_login_page_uses_the_named_urls():
    assert reverse("accounts:login") == LOGIN
    assert reverse("accounts:logout") == "/accounts/logout/"


def test_sign_in_works_and_stores_an_argon2_hash(client, settings):
    settings.PASSWORD_HASHERS = real_settings().PASSWORD_HASHERS
    user = make_user(Role.COMMUNE_OFFICER)
    user.set_password(PASSWORD)
    user.save()
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")

    response = post_login(client, user.username, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert signed_in_user_id(client) == str(user.pk)


def test_an_older_pbkdf2_hash_is_upgraded_to_argon2_on_sign_in(client, settings):
    settings.PASSWORD_HASHERS = real_settings().PASSWORD_HASHERS
    user = make_user(Role.PRODUCER)
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))

    response = post_login(client, user.username, PASSWORD)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


def test_wrong_password_shows_the_error_and_does_not_sign_in(client):
    user = make_user(Role.PROVINCE_OFFICER)

    response = post_login(client, user.username, "not-the-password")

    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    with translation.override("vi"):
        expected = AuthenticationForm.error_messages["invalid_login"] % {
            "username": User._meta.get_field("username").verbose_name
        }
    assert response.context["form"].non_field_errors() == [expected]
    assert '<ul class="errorlist">' in response.content.decode()


def test_unknown_user_is_refused_like_a_wrong_password(client):
    response = post_login(client, "nobody-here", PASSWORD)
    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert response.context["form"].non_field_errors()


def test_inactive_user_cannot_sign_in(client):
    user = make_user(Role.PRODUCER, is_active=False)

    response = post_login(client, user.username, PASSWORD)

    assert response.status_code == 200
    assert signed_in_user_id(client) is None
    assert response.context["form"].non_field_errors()


def test_sign_in_follows_a_local_next_but_never_an_outside_one(client):
    user = make_user(Role.PROVINCE_OFFICER)
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD, "next": "/healthz"})
    assert response["Location"] == "/healthz"

    client.logout()
    response = client.post(
        LOGIN, {"username": user.username, "password": PASSWORD, "next": "https://evil.example/steal"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_signed_in_user_opening_the_login_page_is_sent_home(client_of):
    client = client_of(make_user(Role.MINISTRY))
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- Throttling (django-axes) --------------------------------------------------------------------


def assert_locked_out_page(response):
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    content = response.content.decode()
    assert 'id="id_password"' not in content  # the page, not the sign-in form
    with translation.override("vi"):
        assert translation.gettext("Too many failed sign-in attempts") in content


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    return settings.AXES_FAILURE_LIMIT


def test_throttling_limit_is_five(axes_on):
    assert axes_on == 5


def test_after_the_failure_limit_even_the_right_password_is_refused(client, axes_on):
    user = make_user(Role.COMMUNE_OFFICER)
    for attempt in range(1, axes_on):
        response = post_login(client, user.username, f"wrong-{attempt}")
        assert response.status_code == 200, attempt
        assert response.context["form"].non_field_errors()

    # The failure that reaches the limit locks the user name out from this address.
    response = post_login(client, user.username, "wrong-last")
    assert response.status_code == 429
    assert_locked_out_page(response)

    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert_locked_out_page(response)
    assert signed_in_user_id(client) is None

    # A forged X-Forwarded-For does not give the attacker a fresh address.
    response = post_login(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 429
    assert signed_in_user_id(client) is None


def test_lockout_is_per_user_name_and_address(client, axes_on):
    locked = make_user(Role.COMMUNE_OFFICER)
    other = make_user(Role.COMMUNE_OFFICER)
    for attempt in range(axes_on):
        post_login(client, locked.username, f"wrong-{attempt}")
    assert post_login(client, locked.username, PASSWORD).status_code == 429

    # Another user name from the same address still signs in …
    response = post_login(client, other.username, PASSWORD)
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(other.pk)

    # … and so does the locked user name from another address.
    client.logout()
    response = post_login(client, locked.username, PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(locked.pk)


def test_failures_below_the_limit_are_forgiven_by_a_success(client, axes_on):
    user = make_user(Role.PRODUCER)
    for attempt in range(axes_on - 1):
        post_login(client, user.username, f"wrong-{attempt}")
    assert post_login(client, user.username, PASSWORD).status_code == 302
    client.logout()

    # The counter started again: four more failures still leave the account open.
    for attempt in range(axes_on - 1):
        assert post_login(client, user.username, f"again-{attempt}").status_code == 200
    assert post_login(client, user.username, PASSWORD).status_code == 302


# --- Sign-out --------------------------------------------------------------------------------------


def test_logout_refuses_get(client_of):
    user = make_user(Role.PROVINCE_OFFICER)
    client = client_of(user)

    response = client.get("/accounts/logout/")

    assert response.status_code == 405
    assert signed_in_user_id(client) == str(user.pk)


def test_logout_by_post_signs_out(client_of):
    client = client_of(make_user(Role.PROVINCE_OFFICER))

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) is None


def test_logout_needs_the_csrf_token():
    from django.test import Client

    user = make_user(Role.PROVINCE_OFFICER)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post("/accounts/logout/")

    assert response.status_code == 403
    assert signed_in_user_id(client) == str(user.pk)


# --- Language switch -------------------------------------------------------------------------------


def html_lang(response) -> str:
    content = response.content.decode()
    start = content.index("<html lang=")
    return content[start:].split('"')[1]


def test_vietnamese_is_the_default_language(client):
    response = client.get("/")
    assert html_lang(response) == "vi"


def test_language_switch_sets_english_then_vietnamese(client):
    response = client.get("/lang/en/", {"next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert html_lang(client.get("/")) == "en"
    assert html_lang(client.get(LOGIN)) == "en"

    client.get("/lang/vi/", {"next": "/"})
    assert html_lang(client.get("/")) == "vi"


def test_language_switch_ignores_an_unknown_language(client):
    assert client.get("/lang/fr/", {"next": "/"}).status_code == 404
    assert html_lang(client.get("/")) == "vi"


def test_the_header_offers_both_languages_and_marks_the_current_one(client):
    content = client.get("/").content.decode()
    assert re.search(r'data-lang="vi"[^>]*aria-current="true"', content)
    assert 'data-lang="en"' in content
    assert not re.search(r'data-lang="en"[^>]*aria-current', content)
