"""The GS1 Digital Link resolver at the site root (GS1-Conformant resolver standard 1.1).

`/01/<gtin>[/10/<lot>[/21/<serial>]]` answers, for a GTIN of the platform's products (and a lot of its
batches):

- by default a 307 redirect to the consumer page (the batch page for a lot, else the product page), the
  query string passed on, with a `Link` header naming the linkset;
- `?linkType=gs1:pip | gs1:traceability | gs1:certificationInfo | gs1:epcis` a 307 redirect to that link
  (404 when the item has no such link, or the link type is unknown);
- `Accept: application/linkset+json`, `?linkType=linkset` or `?linkType=all` the RFC 9264 linkset;
- a malformed URI 400, an unknown GTIN or lot 404 — as problem JSON when the client asks for JSON, else
  a small page. Never 200 for an error.

`/.well-known/gs1resolver` describes the resolver. Every answer is short-lived public cache material.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.http import HttpResponse, JsonResponse
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ocop.core.views import public
from ocop.registry.models import Product

from .. import digital_link
from ..digital_link import DigitalLinkError
from ..models import Batch

VOC = "https://gs1.org/voc/"
LINKSET_TYPE = "application/linkset+json"
HREFLANG = ["vi", "en"]
# The link types this resolver serves, in the order the linkset lists them.
LINK_TYPES = ("pip", "traceability", "certificationInfo", "epcis")
LINKSET_VALUES = ("linkset", "all")
MAX_AGE = 300  # seconds: a label's target rarely changes, and a changed one shows within minutes
ERROR_MAX_AGE = 60
EPCIS_EVENTS_PATH = "/epcis/events"


class HttpResponseTemporaryRedirect(HttpResponseRedirectBase):
    """307: the client repeats the same request (method and body) at the new address."""

    status_code = 307


# --------------------------------------------------------------------------------------- helpers


def _wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return "json" in accept and "text/html" not in accept


def _wants_linkset(request) -> bool:
    if request.GET.get("linkType", "") in LINKSET_VALUES:
        return True
    return LINKSET_TYPE in request.headers.get("Accept", "")


def _cache(response, max_age: int = MAX_AGE):
    patch_cache_control(response, public=True, max_age=max_age)
    patch_vary_headers(response, ["Accept"])
    return response


def _problem(request, status: int, title: str, detail: str, *, page_title: str = "", explanation: str = ""):
    """An error as RFC 9457 problem JSON for machines, or, for a person who scanned a code, the site's page
    in their language saying plainly what went wrong (`page_title`, `explanation`), with the technical
    detail one click further. Same status either way."""
    if _wants_json(request):
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        body["instance"] = request.path
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False), status=status, content_type="application/problem+json"
        )
        return _cache(response, ERROR_MAX_AGE)
    context = {
        "status": status,
        "title": page_title or title,
        "explanation": explanation or detail,
        "detail": detail if explanation else "",
    }
    response = render(request, "trace/link_error.html", context, status=status)
    # The page follows the visitor's language (cookie or Accept-Language): never shared by a cache.
    patch_cache_control(response, private=True, max_age=ERROR_MAX_AGE)
    return response


def _raw_path(request) -> str:
    """The path as it came over the wire, percent-encoding intact (so that a lot holding an encoded "/"
    stays one segment). The WSGI servers that keep it say so in RAW_URI (gunicorn) or REQUEST_URI
    (uWSGI); otherwise the decoded path is encoded again, which is the same but for an encoded "/"."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw:
        path = urlsplit(raw).path
        if path:
            return path
    return escape_uri_path(request.path)


def _passed_on(request, extra: str = "") -> str:
    """The request's query string less linkType (a resolver parameter), appended to a target."""
    pairs = [(k, v) for k, v in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)]
    query = urlencode([(k, v) for k, v in pairs if k != "linkType"])
    return "&".join(part for part in (extra, query) if part)


def _with_query(href: str, query: str) -> str:
    if not query:
        return href
    return href + ("&" if "?" in href else "?") + query


def current_certificate(product):
    """The product's certificate in force (the newest one, if several), else None."""
    from ocop.certificates.models import Certificate, CertificateStatus
    from ocop.certificates.services import in_force

    candidates = Certificate.objects.filter(product=product, status=CertificateStatus.VALID).order_by(
        "-issued_on", "-pk"
    )
    for certificate in candidates:
        if in_force(certificate):
            return certificate
    return None


def _link_type_key(value: str) -> str | None:
    """'gs1:pip' or 'https://gs1.org/voc/pip' → 'pip'; anything else → None."""
    for prefix in ("gs1:", VOC):
        if value.startswith(prefix) and value[len(prefix) :] in LINK_TYPES:
            return value[len(prefix) :]
    return None


class Links:
    """The links of one identified item, each computed only when asked for."""

    def __init__(self, request, link: digital_link.DigitalLink, product, batch):
        self.request, self.link, self.product, self.batch = request, link, product, batch

    def _abs(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    def pip(self) -> dict:
        return {
            "href": self._abs(reverse("trace:product_public", args=[self.link.gtin])),
            "title": self.product.name_vi,
            "type": "text/html",
            "hreflang": HREFLANG,
        }

    def traceability(self) -> dict | None:
        if self.batch is None:
            return None
        return {
            "href": self._abs(reverse("trace:batch_public", args=[self.link.gtin, self.batch.lot])),
            "title": _("%(product)s — lot %(lot)s")
            % {"product": self.product.name_vi, "lot": self.batch.lot},
            "type": "text/html",
            "hreflang": HREFLANG,
        }

    def certificationInfo(self) -> dict | None:  # noqa: N802 - the GS1 link type's name
        certificate = current_certificate(self.product)
        if certificate is None:
            return None
        return {
            "href": self._abs(reverse("certificates:verify", args=[certificate.number])),
            "title": _("OCOP certificate %(number)s") % {"number": certificate.number},
            "type": "text/html",
            "hreflang": HREFLANG,
        }

    def epcis(self) -> dict | None:
        if self.batch is None:
            return None
        query = urlencode({"MATCH_epcClass": digital_link.epc_uri(self.link.gtin, self.batch.lot)})
        return {
            "href": self._abs(f"{EPCIS_EVENTS_PATH}?{query}"),
            "title": _("EPCIS events of lot %(lot)s") % {"lot": self.batch.lot},
            "type": "application/ld+json",
        }

    def default(self) -> dict:
        return self.traceability() or self.pip()

    def get(self, key: str) -> dict | None:
        return getattr(self, key)()


def _anchor(request, link: digital_link.DigitalLink) -> str:
    return digital_link.build(request.get_host(), link.gtin, lot=link.lot, serial=link.serial)


def _linkset(request, link, links: Links) -> HttpResponse:
    entry: dict = {"anchor": _anchor(request, link)}
    entry[VOC + "defaultLink"] = [links.default()]
    for key in LINK_TYPES:
        target = links.get(key)
        if target is not None:
            entry[VOC + key] = [target]
    body = json.dumps({"linkset": [entry]}, ensure_ascii=False)
    return _cache(HttpResponse(body, content_type=LINKSET_TYPE))


# ------------------------------------------------------------------------------------------- views


@public
@require_safe
def resolve(request, **kwargs):
    """`/01/<gtin>`, `/01/<gtin>/10/<lot>`, `/01/<gtin>/10/<lot>/21/<serial>` (and anything else under
    /01/, which is malformed: 400)."""
    try:
        link = digital_link.parse(_raw_path(request), request.META.get("QUERY_STRING", ""))
    except DigitalLinkError as exc:
        return _problem(
            request,
            400,
            _("Malformed GS1 Digital Link"),
            str(exc),
            page_title=_("This is not a valid product code"),
            explanation=_(
                "The address does not follow the format of the codes printed on OCOP labels. Check that "
                "the whole code was scanned, or type the address again."
            ),
        )
    batch = None
    if link.lot is not None:
        batch = Batch.objects.select_related("product").filter(gtin=link.gtin, lot=link.lot).first()
        if batch is None:
            return _problem(
                request,
                404,
                _("Unknown lot"),
                _("No batch %(lot)s of GTIN %(gtin)s.") % {"lot": link.lot, "gtin": link.gtin},
                page_title=_("This batch is not on the platform"),
                explanation=_(
                    "No batch %(lot)s of the product with barcode %(gtin)s has been recorded. The label may "
                    "come from another traceability system, or the batch has not been published yet."
                )
                % {"lot": link.lot, "gtin": link.gtin},
            )
        product = batch.product
    else:
        product = Product.objects.filter(gtin=link.gtin).first()
        if product is None:
            return _problem(
                request,
                404,
                _("Unknown GTIN"),
                _("No product has GTIN %(gtin)s.") % {"gtin": link.gtin},
                page_title=_("This product is not on the platform"),
                explanation=_("No OCOP product with barcode %(gtin)s is recorded here.")
                % {"gtin": link.gtin},
            )
    links = Links(request, link, product, batch)
    if _wants_linkset(request):
        return _linkset(request, link, links)
    link_type = request.GET.get("linkType", "")
    if link_type:
        key = _link_type_key(link_type)
        target = links.get(key) if key else None
        if target is None:
            return _problem(
                request,
                404,
                _("No such link"),
                _("This item has no link of type %(type)s.") % {"type": link_type},
            )
    else:
        target = links.default()
    response = HttpResponseTemporaryRedirect(_with_query(target["href"], _passed_on(request)))
    # The canonical key path (values percent-encoded), never the decoded request path: a lot may hold
    # "?", ">", ";" or '"', which would break or add parameters to the Link header.
    linkset_url = request.build_absolute_uri(link.path) + "?linkType=linkset"
    response["Link"] = f'<{linkset_url}>; rel="linkset"; type="{LINKSET_TYPE}"'
    return _cache(response)


@public
@require_safe
def resolver_description(request):
    """`/.well-known/gs1resolver`: what this resolver serves (GS1-Conformant resolver standard, §5)."""
    root = request.build_absolute_uri("/").rstrip("/")
    body = {
        "name": _("OCOP Platform GS1 Digital Link resolver"),
        "resolverRoot": root,
        "supportedPrimaryKeys": ["gtin"],
        "supportedQualifiers": {"gtin": ["10", "21"]},
        "supportedLinkTypes": [f"gs1:{key}" for key in LINK_TYPES],
        "supportedLinkType": [
            {"namespace": VOC, "prefix": "gs1:", "profile": "https://gs1.org/voc/?show=linktypes"}
        ],
        "linkTypeDefaultCanBeLinkset": True,
        "linksetMediaType": LINKSET_TYPE,
        "supportedContextValuesEnumerated": [],
        "contact": root,
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    return _cache(response, MAX_AGE)
