"""The REST API root: /api/v1/, mounting each app's api.py router.

Beyond ninja's defaults: every error is RFC 7807 problem+json (ocop.core.api.problems), including unknown
addresses under /api/v1/ and wrong methods; JSON is UTF-8 text; the docs page loads nothing from
another host; requests are rate-limited (ocop.core.api.throttling).
"""

import functools

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import path, reverse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from ocop.accounts.auth import api_auth
from ocop.certificates.api import router as certificates_router
from ocop.core.api import problems
from ocop.core.api.renderers import UTF8JSONRenderer, dumps
from ocop.core.api.throttling import ApiThrottle
from ocop.core.views import public
from ocop.criteria.api import router as criteria_router
from ocop.evaluation.api import router as dossiers_router
from ocop.places.api import router as places_router
from ocop.registry.api import API_READERS
from ocop.registry.api import producers as producers_router
from ocop.registry.api import products as products_router

DESCRIPTION = """\
The OCOP programme's data (*Mỗi xã một sản phẩm*): administrative units, producers and products.

**Authentication.** Machine clients send `Authorization: Bearer <token>`; an administrator creates the
token with `manage.py ocop_token <username>`. In a browser, the signed-in session works too (unsafe
methods then need the `X-CSRFToken` header). What a caller sees follows its account's scope: a province,
a commune, a producer, or the whole country. Administrative units are public.

**Pages.** Lists take `page` and `page_size` (at most 200) and answer `count`, `pages`, `next`,
`previous` and `results`. A page past the last one is a 404.

**Errors.** Every error is `application/problem+json` (RFC 7807) with `type`, `title`, `status`,
`detail` and `instance`; invalid input (422) adds `errors`, each with its `location` (query, path…),
`field`, `message` and `code`. Problem types: `about:blank` for plain HTTP errors, and
`urn:ocop:problem:validation-error`, `…:invalid-token`, `…:page-out-of-range`, `…:too-many-requests`,
`…:csrf-failed`.

**Language.** Texts meant for people (titles, details, labels) follow `Accept-Language` (`vi` by
default, or `en`). Data stay as recorded, in Vietnamese; JSON is UTF-8.
"""


class OcopNinjaAPI(NinjaAPI):
    def _get_urls(self):
        patterns = []
        for pattern in super()._get_urls():
            if pattern.name == "openapi-json":
                pattern = path(
                    str(pattern.pattern), functools.partial(openapi_json, api=self), name="openapi-json"
                )
            elif pattern.name == "api-root":
                pattern = path("", functools.partial(api_root, api=self), name="api-root")
            elif pattern.name != "openapi-view":
                pattern.callback = _problem_on_405(pattern.callback)
            patterns.append(pattern)
        # Anything else under /api/v1/ is a problem+json 404, not the site's HTML page.
        patterns.append(path("<path:rest>", not_found, name="not-found"))
        return patterns

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = problems.PROBLEM_SCHEMA
        ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for route, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                wanted = {"default": "Problem details (RFC 7807)."}
                if operation.get("security"):
                    wanted |= {"401": "Not authenticated.", "403": "Role not allowed."}
                if operation.get("parameters"):
                    wanted["422"] = "Invalid input."
                if "{" in route or any(p.get("name") == "page" for p in operation.get("parameters", [])):
                    wanted["404"] = "Not found, outside the caller's scope, or a page past the last."
                wanted["429"] = "Too many requests."
                for status, text in wanted.items():
                    responses.setdefault(status, {"description": text, "content": ref})
        return schema


def _problem_on_405(view):
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return problems.method_not_allowed(request, response["Allow"])
        return response

    return wrapped


def openapi_json(request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
    return HttpResponse(
        dumps(api.get_openapi_schema(path_params=kwargs)), content_type=api.get_content_type()
    )


@csrf_exempt
@public
def api_root(request: HttpRequest, api: NinjaAPI) -> HttpResponse:
    """A small index, so /api/v1/ tells a client where the description is."""
    namespace = api.urls_namespace
    body = {
        "title": api.title,
        "version": api.version,
        "openapi": request.build_absolute_uri(reverse(f"{namespace}:openapi-json")),
        "docs": request.build_absolute_uri(reverse(f"{namespace}:openapi-view")),
    }
    return HttpResponse(dumps(body), content_type=api.get_content_type())


@csrf_exempt
@public
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    return problems.problem(request, 404, problems.DETAILS[404])


api = OcopNinjaAPI(
    title="OCOP API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=api_auth(*API_READERS),  # deny by default; public endpoints say auth=None
    throttle=[ApiThrottle()],
    renderer=UTF8JSONRenderer(),
    # validatorUrl off: the docs page must not call validator.swagger.io (no internet in communes or tests).
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)
problems.install(api)

api.add_router("/places/", places_router)
api.add_router("/producers", producers_router)
api.add_router("/products", products_router)
api.add_router("/criteria/", criteria_router)
api.add_router("/dossiers", dossiers_router)
api.add_router("/certificates", certificates_router)
