"""Bearer tokens and the browser session as API credentials."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from ocop.accounts.auth import TOUCH_INTERVAL, user_for_key
from ocop.accounts.models import ApiToken, Role
from ocop.core.api.problems import InvalidToken
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"


def bearer(value: str) -> Client:
    return Client(HTTP_AUTHORIZATION=value)


def assert_invalid_token(response):
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == "urn:ocop:problem:invalid-token"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert response["WWW-Authenticate"].startswith("Bearer ")


def test_valid_token_acts_as_its_user(world):
    officer = make_user(Role.COMMUNE_OFFICER, commune=world.c1)
    _token, key = ApiToken.issue(officer, "bot")
    response = bearer(f"Bearer {key}").get(PRODUCTS)
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [world.p1.pk]  # the commune officer's scope


def test_scheme_is_case_insensitive(world):
    _token, key = ApiToken.issue(make_user(Role.MINISTRY))
    assert bearer(f"bearer {key}").get(PRODUCTS).status_code == 200


def test_revoked_token_is_refused(world):
    token, key = ApiToken.issue(make_user(Role.MINISTRY))
    token.revoked = True
    token.save()
    assert_invalid_token(bearer(f"Bearer {key}").get(PRODUCTS))


def test_unknown_token_is_refused(world):
    ApiToken.issue(make_user(Role.MINISTRY))
    assert_invalid_token(bearer("Bearer ocop_this-is-not-a-real-key-at-all-000000000").get(PRODUCTS))


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b", "Bearer " + "x" * 300])
def test_malformed_bearer_header_is_refused(world, header):
    assert_invalid_token(bearer(header).get(PRODUCTS))


def test_other_scheme_is_not_a_token_and_without_session_is_401(world):
    response = bearer("Basic dXNlcjpwYXNz").get(PRODUCTS)
    assert response.status_code == 401
    assert response.json()["type"] == "about:blank"
    assert response["WWW-Authenticate"] == 'Bearer realm="OCOP API"'


def test_token_of_inactive_user_is_refused(world):
    user = make_user(Role.MINISTRY)
    _token, key = ApiToken.issue(user)
    user.is_active = False
    user.save()
    assert_invalid_token(bearer(f"Bearer {key}").get(PRODUCTS))


def test_a_bad_token_is_not_rescued_by_the_session(world, client_of):
    client = client_of(make_user(Role.MINISTRY))
    assert client.get(PRODUCTS).status_code == 200
    assert_invalid_token(client.get(PRODUCTS, HTTP_AUTHORIZATION="Bearer ocop_wrong"))


def test_session_of_inactive_user_is_refused(world, client_of):
    user = make_user(Role.MINISTRY)
    client = client_of(user)
    user.is_active = False
    user.save()
    response = client.get(PRODUCTS)
    assert response.status_code == 401


def test_token_of_a_role_without_api_access_is_403(world):
    _token, key = ApiToken.issue(make_user(""))
    response = bearer(f"Bearer {key}").get(PRODUCTS)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")


def test_last_used_is_written_at_most_once_a_minute(world):
    token, key = ApiToken.issue(make_user(Role.MINISTRY))
    assert token.last_used_at is None
    client = bearer(f"Bearer {key}")

    client.get(PRODUCTS)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < datetime.timedelta(seconds=30)

    client.get(PRODUCTS)
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: no write

    old = timezone.now() - TOUCH_INTERVAL - datetime.timedelta(seconds=1)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=old)
    client.get(PRODUCTS)
    token.refresh_from_db()
    assert token.last_used_at > old + TOUCH_INTERVAL


def test_user_for_key_touch_interval(world, django_assert_num_queries):
    token, key = ApiToken.issue(make_user(Role.MINISTRY))
    now = timezone.now()
    with django_assert_num_queries(2):  # lookup + the first touch
        user_for_key(key, now=now)
    with django_assert_num_queries(1):
        user_for_key(key, now=now + datetime.timedelta(seconds=59))
    with django_assert_num_queries(2):
        user_for_key(key, now=now + datetime.timedelta(seconds=60))
    with pytest.raises(InvalidToken):
        user_for_key("")


def test_only_the_hash_of_a_key_is_stored(world):
    token, key = ApiToken.issue(make_user(Role.MINISTRY))
    token.refresh_from_db()
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(key in value or key[5:] in value for value in stored)
    assert token.key_hash == ApiToken.hash(key)


def test_session_auth_checks_csrf_on_unsafe_methods(world, rf):
    """No endpoint writes yet; when one does, a session caller must send the CSRF token."""
    from ninja.errors import HttpError

    from ocop.accounts.auth import SessionAuth
    from ocop.site.api import api

    auth = SessionAuth(roles=(Role.MINISTRY,))
    user = make_user(Role.MINISTRY)
    request = rf.post(PRODUCTS, HTTP_COOKIE="sessionid=abc")
    request.user = user
    request.COOKIES["sessionid"] = "abc"
    with pytest.raises(HttpError) as exc:
        auth(request)
    response = api.on_exception(request, exc.value)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert json.loads(response.content)["type"] == "urn:ocop:problem:csrf-failed"

    safe = rf.get(PRODUCTS)
    safe.user = user
    safe.COOKIES["sessionid"] = "abc"
    assert auth(safe) == user
