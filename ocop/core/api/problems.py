"""RFC 7807 problem details: every error the API answers is `application/problem+json`.

A body carries `type`, `title`, `status`, `detail` and `instance` (the request path); a validation
problem adds `errors`, one entry per bad input with where it is (`location`: query, path, body…;
`field`) and what is wrong. Plain HTTP errors use the type "about:blank" (the title is then the
status's meaning); problems a client may want to tell apart have their own type URI, listed in TYPES.
Titles and details go through gettext, so they follow the request's language (Accept-Language).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled, ValidationError

from .renderers import dumps

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("ocop.api")


class InvalidToken(AuthenticationError):
    """A bearer token was sent but is not accepted (unknown, revoked, malformed, or its user inactive)."""

    def __init__(self) -> None:
        super().__init__(
            401,
            _("The bearer token is not valid: it is unknown, revoked, or its user is inactive."),  # type: ignore[arg-type]  # lazy: translated when the answer is written
        )


CONTENT_TYPE = "application/problem+json; charset=utf-8"
REALM = "OCOP API"

# The problem types of this API (URNs: stable names that need no network to resolve).
TYPES = {
    "validation": "urn:ocop:problem:validation-error",
    "invalid-token": "urn:ocop:problem:invalid-token",
    "page-out-of-range": "urn:ocop:problem:page-out-of-range",
    "throttled": "urn:ocop:problem:too-many-requests",
    "csrf": "urn:ocop:problem:csrf-failed",
}

TITLES = {
    400: _("Bad request"),
    401: _("Authentication required"),
    403: _("Forbidden"),
    404: _("Not found"),
    405: _("Method not allowed"),
    422: _("Invalid request"),
    429: _("Too many requests"),
    500: _("Internal server error"),
}

DETAILS = {
    401: _("Send an “Authorization: Bearer <token>” header, or sign in."),
    403: _("You may not do this."),
    404: _("Nothing exists at this address, or it is not visible to you."),
    405: _("This address does not accept the %(method)s method."),
    422: _("Some of the input is not valid; see “errors”."),
    500: _("The server failed to answer this request. The error has been logged."),
}


class ApiProblem(HttpError):
    """An error with its own problem type and extra members; raise it from an endpoint."""

    def __init__(
        self, status: int, detail: str, type: str = "about:blank", title: str | None = None, **extra: Any
    ) -> None:
        super().__init__(status, detail)
        self.type = type
        self.title = title
        self.extra = extra


def problem(
    request: HttpRequest,
    status: int,
    detail: object = None,
    *,
    type: str = "about:blank",
    title: object = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    """The problem+json response for one error (strings are translated now, in the request's language)."""
    if title is None:
        title = TITLES.get(status) or HTTPStatus(status).phrase
    body: dict[str, Any] = {"type": type, "title": str(title), "status": status}
    if detail is not None:
        body["detail"] = str(detail)
    body["instance"] = request.path
    body.update(extra)
    response = HttpResponse(dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        result.append(
            {
                "location": loc[0] if loc else "",
                "field": ".".join(loc[1:]),
                "message": str(error.get("msg", "")),
                "code": str(error.get("type", "invalid")),
            }
        )
    return result


def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem(
        request, 422, DETAILS[422], type=TYPES["validation"], errors=_validation_errors(exc.errors)
    )


def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if isinstance(exc, InvalidToken):
        return problem(
            request,
            401,
            exc.message,
            type=TYPES["invalid-token"],
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token"'},
        )
    return problem(request, 401, DETAILS[401], headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'})


def on_authorization_error(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    detail = exc.message if exc.message != "Forbidden" else DETAILS[403]
    return problem(request, 403, detail)


def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    if exc.wait is not None:
        detail = gettext("Too many requests: wait %(seconds)d seconds before trying again.") % {
            "seconds": max(1, round(exc.wait))
        }
    else:
        detail = gettext("Too many requests: slow down.")
    return problem(request, 429, detail, type=TYPES["throttled"])  # ninja adds Retry-After


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, ApiProblem):
        return problem(request, exc.status_code, exc.message, type=exc.type, title=exc.title, **exc.extra)
    if exc.status_code == 403 and str(exc.message).startswith("CSRF"):
        detail = _("The CSRF check failed: a request made with the session must send the X-CSRFToken header.")
        return problem(request, 403, detail, type=TYPES["csrf"])
    return problem(request, exc.status_code, exc.message)


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(request, 404, DETAILS[404])


def on_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(request, 403, DETAILS[403])


def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
    return problem(request, 500, DETAILS[500])


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    return problem(request, 405, DETAILS[405] % {"method": request.method}, headers={"Allow": allowed})


def install(api: NinjaAPI) -> None:
    """Replace ninja's default error answers with problem+json ones."""
    # ninja's signature has the handler take the exception or its class; ours take the exception.
    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (Exception, on_server_error),
        (Http404, on_not_found),
        (PermissionDenied, on_permission_denied),
        (HttpError, on_http_error),
        (AuthenticationError, on_authentication_error),
        (AuthorizationError, on_authorization_error),
        (Throttled, on_throttled),
        (ValidationError, on_validation_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


# The Problem document in OpenAPI terms (added to components by ocop.site.api).
PROBLEM_SCHEMA = {
    "title": "Problem",
    "description": "RFC 7807 problem details.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {
            "type": "string",
            "description": "A URI naming the kind of problem; “about:blank” for plain HTTP errors.",
        },
        "title": {"type": "string", "description": "A short summary, in the request's language."},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong this time, in the request's language."},
        "instance": {"type": "string", "description": "The path that was requested."},
        "errors": {
            "type": "array",
            "description": "For validation problems: each bad input.",
            "items": {
                "type": "object",
                "properties": {
                    "location": {"type": "string", "description": "query, path, header, cookie or body"},
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
            },
        },
    },
}
