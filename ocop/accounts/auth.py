"""API authentication: bearer tokens for machine clients, the browser session for people.

A token is sent as `Authorization: Bearer <key>`. Only the SHA-256 of a key is stored, so a key is
looked up by its hash; an unknown or revoked key, or one whose user is inactive, is refused outright
(no fall-back to the session), so a client learns at once that its credentials are wrong.

Both classes take the roles allowed to use an endpoint: an authenticated user outside them gets 403
before the request is even validated (deny by default, as `role_required` does for pages).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from ocop.core import audit
from ocop.core.api.problems import InvalidToken
from ocop.core.models import AuditEvent

from .access import has_role
from .models import ApiToken, User

# last_used_at is written at most this often per token, so a busy client does not cost a write per request.
TOUCH_INTERVAL = datetime.timedelta(minutes=1)


class RoleNotAllowed(AuthorizationError):
    def __init__(self) -> None:
        super().__init__(403, _("Your account's role does not give access to this endpoint."))


def _check_role(user: User, roles: tuple[str, ...]) -> None:
    if roles and not has_role(user, *roles):
        raise RoleNotAllowed()


def user_for_key(key: str, now: datetime.datetime | None = None) -> User:
    """The active user a token key belongs to; raises InvalidToken otherwise. Touches last_used_at."""
    key = (key or "").strip()
    if not key or " " in key or len(key) > 200:
        raise InvalidToken()
    token = ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash(key), revoked=False).first()
    if token is None or not token.user.is_active:
        raise InvalidToken()
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for machine clients (tokens from `manage.py ocop_token`)."""

    openapi_bearerFormat = "opaque token from manage.py ocop_token"

    def __init__(self, roles: tuple[str, ...] = ()) -> None:
        self.roles = tuple(roles)
        super().__init__()

    def __call__(self, request: HttpRequest) -> User | None:
        header = request.headers.get(self.header)
        if not header:
            return None
        scheme, _sep, key = header.partition(" ")
        if scheme.lower() != "bearer":
            return None  # another scheme: not ours; the session may still authenticate
        return self.authenticate(request, key)

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = user_for_key(token)
        _check_role(user, self.roles)
        request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The signed-in browser session (CSRF checked on unsafe methods), for active users only."""

    def __init__(self, roles: tuple[str, ...] = (), csrf: bool = True) -> None:
        self.roles = tuple(roles)
        super().__init__(csrf=csrf)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        _check_role(user, self.roles)
        return user


def api_auth(*roles: str) -> list:
    """The authentication of an API endpoint open to these roles: a bearer token or the session."""
    return [BearerTokenAuth(roles), SessionAuth(roles)]


# --- Token lifecycle (used by manage.py ocop_token) ---------------------------------------------


class TokenError(ValueError):
    """A token request that cannot be met; the message says why."""


def issue_token(username: str, name: str = "", actor: User | None = None) -> tuple[ApiToken, str]:
    """Create a token for an active user and return it with its key (shown once, never stored)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise TokenError(_("No user is named “%(username)s”.") % {"username": username})
    if not user.is_active:
        raise TokenError(_("The user “%(username)s” is inactive.") % {"username": username})
    with transaction.atomic():
        token, key = ApiToken.issue(user, name=name[:100])
        audit.record(
            actor,
            token,
            AuditEvent.Action.CREATE,
            {"prefix": [None, token.prefix], "name": [None, token.name]},
            verb="token.issue",
        )
    return token, key


def revoke_token(prefix: str, username: str | None = None, actor: User | None = None) -> ApiToken:
    """Revoke the one live token whose key starts with `prefix`: the 8 characters after "ocop_", or the
    whole key."""
    prefix = (prefix or "").strip().removeprefix("ocop_")[:8]
    if len(prefix) < 8:
        raise TokenError(_("Give the token's 8-character prefix (as listed) or the whole key."))
    with transaction.atomic():
        tokens = ApiToken.objects.select_for_update().filter(prefix=prefix, revoked=False)
        if username:
            tokens = tokens.filter(user__username=username)
        found = list(tokens[:2])
        if not found:
            raise TokenError(_("No live token starts with “%(prefix)s”.") % {"prefix": prefix})
        if len(found) > 1:
            raise TokenError(
                _("Several tokens start with “%(prefix)s”: give the user name too.") % {"prefix": prefix}
            )
        token = found[0]
        audit.update(actor, token, "token.revoke", {"revoked": True})
    return token


def declare_roles(*roles: str):
    """Marks an endpoint with the roles its authentication admits (read by the URL audit)."""

    def mark(view):
        view.allowed_roles = roles
        return view

    return mark
