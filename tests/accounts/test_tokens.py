"""manage.py ocop_token: create (key printed once), list and revoke API tokens."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from ocop.accounts.management.commands.ocop_token import Command
from ocop.accounts.models import ApiToken, Role
from ocop.core.models import AuditEvent
from tests.factories import ProductFactory, make_user

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products"


def run(*args, **kwargs) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("ocop_token", *args, stdout=out, stderr=err, **kwargs)
    return out.getvalue(), err.getvalue()


def exit_code(*argv) -> tuple[int, str]:
    """Run as `manage.py ocop_token …` would: errors become a message and a non-zero exit."""
    err = io.StringIO()
    command = Command(stderr=err)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connections, "close_all", lambda: None)  # keep the test's transaction open
        with pytest.raises(SystemExit) as exc:
            command.run_from_argv(["manage.py", "ocop_token", *argv])
    return exc.value.code, err.getvalue()


def test_creates_a_token_and_prints_the_key_once():
    user = make_user(Role.INTEGRATOR, username="cong-du-lieu")
    out, err = run("cong-du-lieu", "--name", "Cổng dữ liệu quốc gia")
    key = out.strip()
    assert key.startswith("ocop_") and len(key) > 40
    token = ApiToken.objects.get(user=user)
    assert token.key_hash == ApiToken.hash(key)
    assert token.prefix == key[5:13]
    assert token.name == "Cổng dữ liệu quốc gia"
    assert key not in err and token.prefix in err  # the message names the prefix, never the key
    event = AuditEvent.objects.get(object_id=str(token.pk), action=AuditEvent.Action.CREATE)
    assert key not in str(event.changes) and event.verb == "token.issue"
    # a second run makes a new, different key
    assert run("cong-du-lieu")[0].strip() != key
    assert ApiToken.objects.filter(user=user).count() == 2


def test_the_printed_key_authenticates():
    ProductFactory.create_batch(2)
    make_user(Role.MINISTRY, username="bo-nong-nghiep")
    key = run("bo-nong-nghiep")[0].strip()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(PRODUCTS)
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_unknown_user_fails_with_a_message_and_non_zero_exit():
    code, err = exit_code("nobody")
    assert code != 0
    assert "nobody" in err
    assert not ApiToken.objects.exists()
    message = gettext("No user is named “%(username)s”.") % {"username": "nobody"}
    assert message in err
    with pytest.raises(CommandError, match=re.escape(message)):
        run("nobody")


def test_inactive_user_fails():
    make_user(Role.INTEGRATOR, username="old-bot", is_active=False)
    code, err = exit_code("old-bot")
    assert code != 0 and gettext("The user “%(username)s” is inactive.") % {"username": "old-bot"} in err
    assert not ApiToken.objects.exists()


def test_no_username_fails():
    code, err = exit_code()
    with translation.override("vi"):
        assert code != 0 and gettext("Give a user name (or --revoke PREFIX).") in err


def test_revoke_by_prefix():
    make_user(Role.MINISTRY, username="bot")
    key = run("bot")[0].strip()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(PRODUCTS).status_code == 200

    out, _err = run("--revoke", key[5:13])
    assert "Đã thu hồi khóa" in out  # Vietnamese, the default language
    assert ApiToken.objects.get().revoked
    assert client.get(PRODUCTS).status_code == 401
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.UPDATE, verb="token.revoke", changes__revoked=[False, True]
        ).count()
        == 1
    )


def test_revoke_accepts_the_whole_key():
    make_user(Role.INTEGRATOR, username="bot")
    key = run("bot")[0].strip()
    run("--revoke", key)
    assert ApiToken.objects.get().revoked


def test_revoke_errors():
    user = make_user(Role.INTEGRATOR, username="bot")
    other = make_user(Role.INTEGRATOR, username="bot2")
    code, err = exit_code("--revoke", "zzzzzzzz")
    assert code != 0 and "zzzzzzzz" in err
    code, err = exit_code("--revoke", "abc")
    assert code != 0 and gettext("Give the token's 8-character prefix (as listed) or the whole key.") in err

    # two live tokens with the same prefix: the user name decides
    first, _ = ApiToken.issue(user)
    second, _ = ApiToken.issue(other)
    ApiToken.objects.filter(pk=second.pk).update(prefix=first.prefix)
    code, err = exit_code("--revoke", first.prefix)
    several = gettext("Several tokens start with “%(prefix)s”: give the user name too.")
    assert code != 0 and several % {"prefix": first.prefix} in err
    assert not ApiToken.objects.filter(revoked=True).exists()
    run("bot2", "--revoke", first.prefix)
    assert list(ApiToken.objects.filter(revoked=True)) == [second]


def test_revoking_twice_fails():
    make_user(Role.INTEGRATOR, username="bot")
    key = run("bot")[0].strip()
    run("--revoke", key[5:13])
    with pytest.raises(CommandError):
        run("--revoke", key[5:13])


def test_list():
    make_user(Role.INTEGRATOR, username="bot")
    assert "chưa có khóa nào" in run("bot", "--list")[0]
    key = run("bot", "--name", "Sàn TMĐT")[0].strip()
    run("--revoke", key[5:13])
    run("bot", "--name", "second")
    out = run("bot", "--list")[0]
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert key[5:13] in lines[0] and "đã thu hồi" in lines[0] and "Sàn TMĐT" in lines[0]
    assert "chưa dùng" in lines[0]
    assert "đang dùng" in lines[1]
    assert key not in out
