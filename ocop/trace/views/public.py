"""The consumer pages a label's QR code leads to (through the GS1 Digital Link resolver).

- `trace/<gtin>/<lot>/`: what Circular 02/2024/TT-BKHCN asks a consumer be shown — product, producer
  and address, production time, lot, expiry, stars and certificate status — then the batch's journey
  from source to shelf (its public events, oldest first) and the lab results. An event that is in the
  transparency log carries a "verified" badge linking to its inclusion proof.
- `trace/<gtin>/`: the product, its certificate and its latest batches.

Small pages, no script, no external request; a fixed number of queries (three). Anonymous answers are
`Cache-Control: public, max-age=300`; signed-in ones private (the header names the user).

The certificate's status comes first: the stars read as a current OCOP rating only while the product's
certificate is in force (`certificates.services.display_status`, the same function `/verify/` uses);
revoked or expired, the head says so and the stars are history. Revoking does not drop the batch page's
cached copies (`certificates` may not call up into `trace`), so the cache key carries the certificate's
id and status: a cache hit costs one query and never shows a revoked or expired certificate as valid."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.cache import cache
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_safe

from ocop.certificates.models import Certificate, CertificateStatus
from ocop.certificates.services import display_status, in_force
from ocop.core.views import public
from ocop.registry.models import Product, ProductPhoto

from .. import events_forms, pagecache
from ..models import Batch

CACHE_SECONDS = 300
PROOF_PATH = "/transparency/proof?event="
LATEST_BATCHES = 20


def normalize_gtin(gtin: str) -> str:
    """GTIN-8/12/13/14 as the stored GTIN-14; anything else is not found."""
    if not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        raise Http404
    return gtin.zfill(14)


def _cacheable(request, response):
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, max_age=0)
    else:
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    patch_vary_headers(response, ["Accept-Language"])
    return response


def timeline(events) -> list[dict]:
    """Display rows for events (already ordered), from their stored EPCIS documents."""
    rows = []
    for event in events:
        doc = event.document or {}
        key = events_forms.biz_step_key(event.biz_step)
        row = {
            "event": event,
            "key": key,
            "label": events_forms.step_label(event.biz_step),
            "place": doc.get("ocop:place", ""),
            "destination": doc.get("ocop:destination", ""),
            "when": timezone.localtime(event.event_time),
            "note": doc.get("ocop:note", ""),
            "quantity": _quantities(doc),
            "verified": event.leaf_index is not None,
            "proof_url": PROOF_PATH + quote(event.event_id, safe="") if event.leaf_index is not None else "",
        }
        if key == "inspecting":
            row |= {
                "lab": doc.get("ocop:lab", ""),
                "report_number": doc.get("ocop:reportNumber", ""),
                "result": doc.get("ocop:result", ""),
                "certificate": doc.get("ocop:certificate", ""),
                "passed": event.disposition != "non_conformant",
                "certification_info": doc.get("certificationInfo"),
            }
        rows.append(row)
    return rows


UNIT_SYMBOLS = {
    "KGM": "kg",
    "GRM": "g",
    "TNE": "t",
    "LTR": "l",
    "MLT": "ml",
    "H87": pgettext_lazy("unit", "pcs"),
}


def _quantities(doc: dict) -> str:
    items = doc.get("quantityList") or doc.get("outputQuantityList") or []
    parts = []
    for item in items:
        if "quantity" in item:
            unit = str(UNIT_SYMBOLS.get(item.get("uom", ""), item.get("uom", "")))
            parts.append(f"{item['quantity']:g} {unit}".strip())
    return ", ".join(parts)


def _current(certificates):
    """The newest certificate not superseded among `certificates`, or None."""
    return certificates.filter(~Q(status=CertificateStatus.SUPERSEDED)).order_by("-issued_on", "-id").first()


def _certificate(product_id: int):
    """The product's current certificate (newest not superseded), or None."""
    certificate = _current(Certificate.objects.filter(product_id=product_id))
    if certificate is None:
        return None, ""
    return certificate, display_status(certificate)


def _certificate_of_batch(gtin14: str, lot: str) -> Certificate | None:
    """The current certificate of the product of batch (gtin14, lot), in one query."""
    return _current(Certificate.objects.filter(product__batches__gtin=gtin14, product__batches__lot=lot))


def _status_token(certificate: Certificate | None) -> str:
    """What of the certificate the cached page depends on: which one, and its status today."""
    return f"cert:{certificate.pk}:{display_status(certificate)}" if certificate is not None else "cert:-"


def headline(product, certificate: Certificate | None, status: str) -> dict:
    """The head of a consumer page: status first, the stars current only while a certificate is in force.

    `state` is "current" (stars as today), "revoked" (ground and date), "expired" (date) or "none" (a
    rating on the product but no certificate in force: no stars shown); "" when there is nothing to say."""
    if certificate is not None and in_force(certificate):
        return {"state": "current", "stars": certificate.stars}
    if certificate is not None and status == CertificateStatus.REVOKED:
        return {
            "state": "revoked",
            "stars": certificate.stars,
            "on": certificate.revoked_on,
            "ground": certificate.get_revocation_ground_display(),
        }
    if certificate is not None and status == CertificateStatus.EXPIRED:
        return {"state": "expired", "stars": certificate.stars, "on": certificate.expires_on}
    if product.stars:
        return {"state": "none"}
    return {"state": ""}


def _first_photo(product_ref: str):
    """The product's first photo, read in the same query (the page shows its public thumbnail)."""
    return Subquery(
        ProductPhoto.objects.filter(product=OuterRef(product_ref)).order_by("position", "id").values("pk")[:1]
    )


@public
@require_safe
def batch_public(request, gtin: str, lot: str):
    gtin14 = normalize_gtin(gtin)
    query = request.META.get("QUERY_STRING", "")
    # Only a page with nothing of the visitor in it is shared: anonymous, and no pending message
    # (e.g. "signed out") that base.html would render into it.
    shared = not request.user.is_authenticated and len(query) <= pagecache.MAX_QUERY
    shared = shared and not len(messages.get_messages(request))
    certificate = _certificate_of_batch(gtin14, lot)
    # Keyed on the certificate's status too: a revocation or an expiry is never served from a copy.
    variant = f"{query}\n{_status_token(certificate)}"
    cache_key = pagecache.key(gtin14, lot, request.LANGUAGE_CODE, variant) if shared else ""
    if shared and (content := cache.get(cache_key)) is not None:
        return _cacheable(request, HttpResponse(content))
    response = _batch_page(request, gtin, lot, certificate)
    if not request.user.is_authenticated and not shared:
        patch_cache_control(response, private=True, max_age=0)
    if shared and response.status_code == 200:
        cache.set(cache_key, response.content, pagecache.SECONDS)
    return response


def _batch_page(request, gtin: str, lot: str, certificate: Certificate | None):
    batch = (
        Batch.objects.select_related("product", "producer__commune__province")
        .annotate(photo_id=_first_photo("product"))
        .filter(gtin=normalize_gtin(gtin), lot=lot)
        .first()
    )
    if batch is None:
        raise Http404
    events = list(batch.events.filter(public=True).order_by("event_time", "id"))
    rows = timeline(events)
    status = display_status(certificate) if certificate is not None else ""
    context = {
        "batch": batch,
        "product": batch.product,
        "producer": batch.producer,
        "rows": rows,
        "labs": [r for r in rows if r["key"] == "inspecting"],
        "certificate": certificate,
        "status": status,
        "status_label": CertificateStatus(status).label if status else "",
        "headline": headline(batch.product, certificate, status),
        "name": batch.product.display_name(request.LANGUAGE_CODE),
        "photo_id": batch.photo_id,
    }
    return _cacheable(request, render(request, "trace/public_batch.html", context))


@public
@require_safe
def product_public(request, gtin: str):
    product = (
        Product.objects.select_related("producer__commune__province")
        .annotate(photo_id=_first_photo("pk"))
        .filter(gtin=normalize_gtin(gtin))
        .first()
    )
    if product is None:
        raise Http404
    certificate, status = _certificate(product.pk)
    batches = list(product.batches.order_by("-produced_on", "-id")[:LATEST_BATCHES])
    context = {
        "product": product,
        "producer": product.producer,
        "batches": batches,
        "certificate": certificate,
        "status": status,
        "status_label": CertificateStatus(status).label if status else "",
        "headline": headline(product, certificate, status),
        "name": product.display_name(request.LANGUAGE_CODE),
        "photo_id": product.photo_id,
    }
    return _cacheable(request, render(request, "trace/public_product.html", context))
