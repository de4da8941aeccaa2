"""The public certificate API: anyone may list certificates and read one by its number, with or without
a token (`auth=None`), as on the `/verify/<number>` page. Numbers contain "/" (12/2026/CN-OCOP-80): the
path takes them as they are, or URL-encoded (%2F).

Answers carry `Cache-Control: public, max-age=300`: they are the same for every caller."""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from ocop.core.api.pagination import PageMeta, PageParams, paginate
from ocop.core.api.problems import ApiProblem
from ocop.core.views import public

from . import pdf as certificate_pdfs
from . import qr
from .models import Certificate, CertificateStatus, DecisionLevel, RevocationGround
from .views.public import CACHE_SECONDS, find, pdf_response, public_certificates, search, status_q

router = Router(tags=["Certificates"], auth=None)

PROVINCE_CODE = r"^\d{2}$"


class Ref(Schema):
    id: int = Field(
        ..., description="The product's or producer's id in the registry (/api/v1/products, /producers)."
    )
    name: str = Field(..., description="As printed on the certificate.")


class ProvinceRef(Schema):
    code: str
    name: str


class DecisionOut(Schema):
    number: str
    date: datetime.date
    level: DecisionLevel = Field(
        ...,
        description="province: the provincial chair (3★, 4★); ministry: the Minister (5★).",
    )


class RevocationOut(Schema):
    date: datetime.date | None
    ground: RevocationGround | None = Field(..., description="One of the six grounds of Art. 8.")
    ground_label: str
    reason: str
    decision: str = Field(..., description="Number of the revocation decision.")


class CertificateOut(Schema):
    number: str = Field(..., examples=["12/2026/CN-OCOP-80"])
    product: Ref
    producer: Ref
    province: ProvinceRef
    stars: int = Field(..., ge=1, le=5)
    points: float | None = Field(..., description="The council's total out of 100, when recorded.")
    decision: DecisionOut
    issued: datetime.date
    expires: datetime.date = Field(..., description="36 months after the issue date.")
    kept_valid_until: datetime.date | None = Field(
        ..., description="Past expiry, kept valid until this day while a late re-evaluation is decided."
    )
    status: CertificateStatus = Field(..., description="As of today: valid, expired, revoked or superseded.")
    revocation: RevocationOut | None = Field(..., description="Set when the certificate was revoked.")
    superseded_by: str | None = Field(..., description="Number of the certificate that replaced this one.")
    verify_url: str = Field(..., description="The public verification page (the QR code's target).")
    pdf_url: str

    @staticmethod
    def resolve_product(obj: Certificate) -> dict:
        return {"id": obj.product_id, "name": obj.product_name}

    @staticmethod
    def resolve_producer(obj: Certificate) -> dict:
        return {"id": obj.producer_id, "name": obj.producer_name}

    @staticmethod
    def resolve_points(obj: Certificate) -> float | None:
        return float(obj.points) if obj.points is not None else None

    @staticmethod
    def resolve_decision(obj: Certificate) -> dict:
        return {
            "number": obj.decision_number,
            "date": obj.decision_date,
            "level": certificate_pdfs.decision_level(obj),
        }

    @staticmethod
    def resolve_issued(obj: Certificate) -> datetime.date:
        return obj.issued_on

    @staticmethod
    def resolve_expires(obj: Certificate) -> datetime.date:
        return obj.expires_on

    @staticmethod
    def resolve_kept_valid_until(obj: Certificate) -> datetime.date | None:
        return obj.grace_until

    @staticmethod
    def resolve_status(obj: Certificate) -> str:
        return certificate_pdfs.display_status(obj)

    @staticmethod
    def resolve_revocation(obj: Certificate) -> dict | None:
        if obj.status != CertificateStatus.REVOKED:
            return None
        return {
            "date": obj.revoked_on,
            "ground": obj.revocation_ground or None,
            "ground_label": str(obj.get_revocation_ground_display()) if obj.revocation_ground else "",
            "reason": obj.revocation_reason,
            "decision": obj.revocation_decision,
        }

    @staticmethod
    def resolve_superseded_by(obj: Certificate) -> str | None:
        return obj.superseded_by.number if obj.superseded_by_id else None

    @staticmethod
    def resolve_verify_url(obj: Certificate, context) -> str:
        return qr.verify_url(obj.number, context["request"])

    @staticmethod
    def resolve_pdf_url(obj: Certificate, context) -> str:
        return context["request"].build_absolute_uri(reverse("api:certificate_pdf", args=[obj.number]))


class CertificatePage(PageMeta):
    results: list[CertificateOut]


class CertificateFilters(Schema):
    status: Literal["valid", "expired", "revoked"] | None = Field(
        None, description="Only certificates with this status today; all of them when absent."
    )
    stars: int | None = Field(None, ge=1, le=5)
    province: str | None = Field(None, pattern=PROVINCE_CODE, description="Province code.")
    q: str | None = Field(
        None, max_length=100, description="Words in the product's or producer's name (accents optional)."
    )


def _cacheable(response: HttpResponse) -> None:
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    patch_vary_headers(response, ["Accept-Language"])


def _certificate_or_404(number: str) -> Certificate:
    certificate = find(number)
    if certificate is None:
        raise ApiProblem(404, _("No certificate has the number “%(number)s”.") % {"number": number})
    return certificate


@router.get("", response=CertificatePage, summary="List certificates")
@public
def list_certificates(
    request, response: HttpResponse, filters: Query[CertificateFilters], page: Query[PageParams]
):
    """Certificates, newest first, paged; `status=valid` for those valid today."""
    certificates = public_certificates()
    if filters.status:
        certificates = certificates.filter(status_q(filters.status))
    if filters.stars:
        certificates = certificates.filter(stars=filters.stars)
    if filters.province:
        certificates = certificates.filter(province_id=filters.province)
    certificates = search(certificates, filters.q)
    _cacheable(response)
    return paginate(request, certificates, page)


# Registered before the plain number, which would otherwise take ".../pdf" as part of the number.
@router.get(
    "/{path:number}/pdf",
    url_name="certificate_pdf",
    summary="Get a certificate's PDF",
    response={200: None},
    openapi_extra={
        "responses": {
            "200": {
                "description": "The certificate, A4 landscape, with the QR code of its verification page.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
@public
def get_certificate_pdf(request, number: str):
    return pdf_response(request, _certificate_or_404(number))


@router.get("/{path:number}", response=CertificateOut, url_name="certificate", summary="Get a certificate")
@public
def get_certificate(request, number: str, response: HttpResponse):
    certificate = _certificate_or_404(number)
    _cacheable(response)
    return certificate
