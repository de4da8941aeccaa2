"""Public certificate pages: anyone, signed in or not, may check a certificate.

- `/verify/<number>`: the QR code's target. A big status badge (valid, expired, revoked, replaced) and
  the facts; for a revoked certificate the revocation's date, ground, reason and decision (Art. 8: the
  reason is public); when the stars are fewer than the points' band, one sentence says a star-minimum mark
  was missed. An unknown number answers 404 with a search form.
- `/certificates/<number>/pdf`: the certificate's PDF, whatever its status (a watermark says when it is
  revoked or expired).
- `/certificates/`: the public list, valid certificates by default.

Answers carry `Cache-Control: public, max-age=300` for anonymous visitors (private when signed in, as the
page header then names the user) and vary on Accept-Language."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from ocop.core.text import fold
from ocop.core.views import page_of, public
from ocop.criteria import sheets
from ocop.places.models import Province

from .. import pdf as certificate_pdfs
from .. import qr, services
from ..models import Certificate, CertificateStatus

CACHE_SECONDS = 300
PUBLIC_STATUSES = (CertificateStatus.VALID, CertificateStatus.EXPIRED, CertificateStatus.REVOKED)


def status_q(status: str, today: dt.date | None = None) -> Q:
    """The rows whose status, as `display_status` tells it on `today`, is `status` (so that a filter is
    right even before the nightly `ocop_expire` has marked yesterday's expiries)."""
    today = today or timezone.localdate()
    current = Q(expires_on__gte=today) | Q(grace_until__gte=today)
    if status in (CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED):
        return Q(status=status)
    if status == CertificateStatus.EXPIRED:
        return Q(status=CertificateStatus.EXPIRED) | (Q(status=CertificateStatus.VALID) & ~current)
    if status == CertificateStatus.VALID:
        return Q(status=CertificateStatus.VALID) & current
    raise ValueError(f"unknown certificate status {status!r}")


def public_certificates():
    return Certificate.objects.select_related(
        "producer__commune__province", "province", "decision", "superseded_by"
    )


def search(queryset, q: str | None):
    """Accent-insensitive words in the product's or producer's name (their stored folded keys), or the
    certificate number."""
    for word in fold(q or "").split():
        queryset = queryset.filter(
            Q(product__search_key__contains=word)
            | Q(producer__search_key__contains=word)
            | Q(number__icontains=word)
        )
    return queryset


def find(number: str) -> Certificate | None:
    return public_certificates().filter(number=number.strip()).first()


def _cacheable(request, response: HttpResponse) -> HttpResponse:
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, max_age=0)
    else:
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _not_found(request, number: str = "") -> HttpResponse:
    response = render(request, "certificates/not_found.html", {"number": number}, status=404)
    return _cacheable(request, response)


def below_band(certificate: Certificate) -> dict | None:
    """When the certificate's stars are fewer than its points reach (the band of its dossier's criteria set,
    the default bands without a dossier): the points, the band and the star level whose minimum marks were
    not all met (one above the stars: stars are the lower of the band and the highest level fully met)."""
    if certificate.points is None:
        return None
    set_id = ""
    if certificate.dossier_id:
        found = Certificate.objects.filter(pk=certificate.pk).values_list(
            "dossier__sheet__criteria_set_id", flat=True
        )
        set_id = found.first() or ""
    band = sheets.band_stars(set_id, certificate.points)
    if band <= certificate.stars:
        return None
    return {"points": certificate.points, "band": band, "missed": certificate.stars + 1}


@public
@require_safe
def verify(request, number: str):
    certificate = find(number)
    if certificate is None:
        return _not_found(request, number)
    status = certificate_pdfs.display_status(certificate)
    context = {
        "certificate": certificate,
        "status": status,
        "status_label": CertificateStatus(status).label,
        "level": certificate_pdfs.decision_level(certificate),
        "below_band": below_band(certificate),
        "newer": certificate.superseded_by if status == CertificateStatus.SUPERSEDED else None,
        "in_grace": status == CertificateStatus.VALID and certificate.expires_on < timezone.localdate(),
        "commune": certificate.producer.commune,
        "verify_url": qr.verify_url(certificate.number, request),
        # The revoking authority (signed in, so the answer is not cached publicly) finds its way here.
        "may_revoke": request.user.is_authenticated and services.can_revoke(request.user, certificate),
    }
    return _cacheable(request, render(request, "certificates/verify.html", context))


@public
@require_safe
def verify_search(request):
    """The search form of the not-found page: a number goes to its verification page."""
    number = (request.GET.get("number") or "").strip()
    if number:
        if find(number) is not None:
            return redirect("certificates:verify", number)
        return _not_found(request, number)
    return _cacheable(request, render(request, "certificates/not_found.html", {"number": "", "blank": True}))


def pdf_response(request, certificate: Certificate) -> HttpResponse:
    body = certificate_pdfs.certificate_pdf(certificate, qr.verify_url(certificate.number, request))
    response = HttpResponse(body, content_type="application/pdf")
    filename = "ocop-" + "-".join(filter(None, certificate.number.replace("/", " ").split())) + ".pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return _cacheable(request, response)


@public
@require_safe
def certificate_pdf(request, number: str):
    certificate = find(number)
    if certificate is None:
        return _not_found(request, number)
    return pdf_response(request, certificate)


# ------------------------------------------------------------------------------------------ list


class PublicFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(s.value, s.label) for s in PUBLIC_STATUSES],
    )
    stars = forms.TypedChoiceField(
        label=_("Stars"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), (3, "3★"), (4, "4★"), (5, "5★")],
    )
    province = forms.ModelChoiceField(
        label=_("Province"), required=False, queryset=Province.objects.order_by("name"), empty_label=_("All")
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)


@public
@require_safe
def public_list(request):
    form = PublicFilter(request.GET or None, initial={"status": CertificateStatus.VALID})
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    status = data.get("status") or CertificateStatus.VALID
    certificates = public_certificates().filter(status_q(status))
    if data.get("stars"):
        certificates = certificates.filter(stars=data["stars"])
    if data.get("province"):
        certificates = certificates.filter(province=data["province"])
    certificates = search(certificates, data.get("q"))
    page_obj = page_of(request, certificates)
    context = {"form": form, "page_obj": page_obj, "status": status, "today": timezone.localdate()}
    return _cacheable(request, render(request, "certificates/public_list.html", context))
