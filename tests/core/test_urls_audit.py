"""Every page of the project declares its audience, and the declaration is enforced.

Each view reached through the URLconf must carry `allowed_roles`, set by
`ocop.accounts.access.role_required(...)` or `@public`; a new view without one fails here. A view that
is not public must send an anonymous visitor to the sign-in page before it looks anything up, so even
a URL naming a missing object answers anonymous GETs with that redirect, never a 404 or an error.
"""

import re
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from ocop.accounts.models import Role
from tests.factories import make_user

# These have their own authentication (admin login, API tokens) or none by design (language switch,
# static files); everything else is audited.
EXCLUDED_PREFIXES = ("admin/", "static/", "media/", "api/v1/")

SIGNED_IN_ROLES = [
    Role.PROVINCE_OFFICER,
    Role.COMMUNE_OFFICER,
    Role.COUNCIL_MEMBER,
    Role.PRODUCER,
    Role.MINISTRY,
]

# Sample values for path converters, tried in order; the first the converter accepts is used.
SAMPLES = ["x", "1", "x1", str(uuid.UUID(int=1)), "00000000000017", "8934567890126"]
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def walk(patterns, prefix="", converters=None):
    """(route, converters, pattern) for every URL pattern, following includes."""
    converters = converters or {}
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        found = {**converters, **getattr(pattern.pattern, "converters", {})}
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route, found)
        elif isinstance(pattern, URLPattern):
            yield route, found, pattern


def sample_url(route: str, converters: dict) -> str:
    """A concrete URL for a route, with dummy values for its parameters."""

    def value(match):
        converter = converters[match["name"]]
        for sample in SAMPLES:
            if re.fullmatch(converter.regex, sample):
                return converter.to_url(converter.to_python(sample))
        raise AssertionError(f"no sample value fits the converter of {match['name']!r} in {route!r}: add one")

    if route.startswith("^"):
        raise AssertionError(f"{route!r} is a regex route; use path() so the audit can build its URL")
    return "/" + PARAM.sub(value, route)


ROUTES = [
    (route, sample_url(route, converters), pattern.callback)
    for route, converters, pattern in walk(get_resolver().url_patterns)
    if not route.startswith(EXCLUDED_PREFIXES)
]
PUBLIC = [item for item in ROUTES if getattr(item[2], "allowed_roles", None) == "public"]
PROTECTED = [item for item in ROUTES if item not in PUBLIC]


def ids(items):
    return [route or "/" for route, _url, _view in items]


def test_the_audit_sees_the_project_urls():
    routes = {route for route, _url, _view in ROUTES}
    assert {"", "accounts/login/", "accounts/logout/", "registry/products/"} <= routes
    assert not any(route.startswith(EXCLUDED_PREFIXES) for route in routes)


@pytest.mark.parametrize("route, url, view", ROUTES, ids=ids(ROUTES))
def test_every_view_declares_who_may_use_it(route, url, view):
    roles = getattr(view, "allowed_roles", None)
    assert roles is not None, (
        f"/{route} ({view.__module__}.{view.__name__}) declares no audience: "
        "decorate it with @role_required(...) or @public from ocop.accounts.access"
    )
    if roles != "public":
        assert roles, f"/{route}: role_required() with no roles lets only superusers in; name the roles"
        unknown = set(roles) - set(Role.values)
        assert not unknown, f"/{route}: unknown roles {unknown}"


@pytest.mark.parametrize("route, url, view", ROUTES, ids=ids(ROUTES))
def test_sample_url_reaches_its_view(route, url, view):
    assert resolve(url).func is view


@pytest.mark.django_db
@pytest.mark.parametrize("route, url, view", PROTECTED, ids=ids(PROTECTED))
def test_anonymous_get_is_sent_to_sign_in(client, route, url, view):
    response = client.get(url)
    login = reverse(settings.LOGIN_URL)
    assert response.status_code == 302, f"anonymous GET {url} answered {response.status_code}"
    assert response["Location"] == f"{login}?next={quote(url)}"


@pytest.mark.django_db
@pytest.mark.parametrize("route, url, view", PUBLIC, ids=ids(PUBLIC))
def test_public_views_answer_anonymous_get_without_error(client, route, url, view):
    response = client.get(url)
    assert response.status_code < 500
    assert response.status_code != 403


@pytest.mark.django_db
@pytest.mark.parametrize("role", SIGNED_IN_ROLES)
def test_signed_in_get_with_dummy_arguments_never_errors(role):
    """With made-up ids and names, each page answers (or refuses) cleanly: 404 for a missing object,
    403 for a role that may not use it, 405 for a POST-only action; never a server error."""
    client = Client(raise_request_exception=False)
    client.force_login(make_user(role))
    failures = []
    for _route, url, view in PROTECTED:
        roles = getattr(view, "allowed_roles", None)
        if roles is None:
            continue  # reported by test_every_view_declares_who_may_use_it
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
        elif role not in roles and response.status_code != 403:
            failures.append(f"{url}: {role} is not in {roles} but got {response.status_code}")
    assert not failures, "\n".join(failures)
