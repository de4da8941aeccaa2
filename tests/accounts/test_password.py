"""Password reset by e-mail and password change, through the real views (Django's own, in English)."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from ocop.accounts.models import Role
from tests.factories import make_user

PASSWORD = "mật-khẩu-thử-1"  # what tests.factories.UserFactory sets
NEW_PASSWORD = "Cà-phê-sữa-đá-2026"
BASE_URL = "https://ocop.example.vn"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LINK = re.compile(r"(https?://[^\s/]+)(/accounts/password-reset/[^\s]+/)")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.OCOP_PUBLIC_BASE_URL = BASE_URL + "/"


def ask_reset(client, email, **extra):
    return client.post(reverse("accounts:password_reset"), {"email": email}, **EN, **extra)


def link_in(message) -> tuple[str, str]:
    """(scheme and host, path) of the reset link in an e-mail."""
    found = LINK.search(message.body)
    assert found, message.body
    return found[1], found[2]


def test_the_urls_are_named_in_the_accounts_namespace():
    assert reverse("accounts:password_reset") == "/accounts/password-reset/"
    assert reverse("accounts:password_change") == "/accounts/password-change/"
    assert reverse("accounts:account") == "/accounts/"


def test_the_sign_in_page_links_to_the_reset(client):
    response = client.get(reverse("accounts:login"), **EN)
    assert reverse("accounts:password_reset") in response.content.decode()
    assert "Forgot your password?" in response.content.decode()


def test_a_known_active_user_gets_a_link_that_works_once(client):
    user = make_user(Role.PRODUCER, email="nong.dan@example.vn")

    response = ask_reset(client, "Nong.Dan@example.vn")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nong.dan@example.vn"]
    assert "OCOP Platform" in message.subject
    assert "\n" not in message.subject
    assert user.username in message.body
    assert "72 hours" in message.body  # Django's default PASSWORD_RESET_TIMEOUT, 3 days
    host, path = link_in(message)
    assert host == BASE_URL

    # Django's confirm view moves the token into the session, then asks for the new password.
    response = client.get(path, **EN)
    assert response.status_code == 302
    set_password_url = response["Location"]
    response = client.get(set_password_url, **EN)
    assert "Set a new password" in response.content.decode()
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, **EN
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The new password signs in; the old one does not.
    client_class = type(client)
    other = client_class()
    assert not other.login(username=user.username, password=PASSWORD)
    response = other.post(reverse("accounts:login"), {"username": user.username, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert other.session.get("_auth_user_id") == str(user.pk)

    # The same link is refused afterwards, and the password stays.
    fresh = client_class()
    response = fresh.get(path, **EN)
    assert response.status_code == 200
    assert "This link is not valid" in response.content.decode()
    assert 'name="new_password1"' not in response.content.decode()
    fresh.post(path, {"new_password1": "Khác-hẳn-99x", "new_password2": "Khác-hẳn-99x"}, **EN)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_an_unknown_address_gets_nothing_and_the_same_answer(client):
    make_user(Role.PRODUCER, email="known@example.vn")

    known = ask_reset(client, "known@example.vn")
    unknown = ask_reset(client, "nobody@example.vn")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["known@example.vn"]
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    page = client.get(unknown["Location"], **EN).content.decode()
    assert "If an active account uses this address" in page


def test_an_inactive_user_gets_nothing(client):
    make_user(Role.COMMUNE_OFFICER, email="left@example.vn", is_active=False)

    response = ask_reset(client, "left@example.vn")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_a_forged_host_header_never_reaches_the_mail(client, settings):
    settings.ALLOWED_HOSTS = ["*"]  # even when the host check lets it through
    make_user(Role.PROVINCE_OFFICER, email="tinh@example.vn")

    response = ask_reset(client, "tinh@example.vn", HTTP_HOST="evil.example", secure=False)

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    host, _path = link_in(mail.outbox[0])
    assert host == BASE_URL
    assert "evil.example" not in mail.outbox[0].body
    assert "evil.example" not in mail.outbox[0].subject


def test_password_change_needs_the_old_password_and_keeps_the_session(client):
    user = make_user(Role.COUNCIL_MEMBER)
    client.force_login(user)
    url = reverse("accounts:password_change")

    wrong = client.post(
        url, {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, **EN
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    right = client.post(
        url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, **EN
    )
    assert right.status_code == 302
    assert right["Location"] == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # Still signed in after the change (the session hash follows the new password).
    done = client.get(right["Location"], **EN)
    assert done.status_code == 200
    assert "Your password has been changed" in done.content.decode()
    assert client.get(reverse("accounts:account")).status_code == 200


@pytest.mark.parametrize("name", ["password_change", "password_change_done", "account"])
def test_anonymous_users_are_sent_to_sign_in(client, name):
    url = reverse(f"accounts:{name}")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize(
    "role", [Role.PROVINCE_OFFICER, Role.COMMUNE_OFFICER, Role.COUNCIL_MEMBER, Role.PRODUCER, Role.MINISTRY]
)
def test_my_account_shows_name_role_scope_and_the_change_link(client, role):
    user = make_user(role)
    client.force_login(user)

    page = client.get(reverse("accounts:account"), **EN).content.decode()

    assert user.full_name in page
    with translation.override("en"):
        assert str(user.get_role_display()) in page
    assert reverse("accounts:password_change") in page
    scope = user.producer or user.commune or user.province
    assert str(scope or "The whole country") in page


def test_the_sign_in_page_offers_the_reset_in_vietnamese(client):
    body = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Quên mật khẩu?" in body and reverse("accounts:password_reset") in body
