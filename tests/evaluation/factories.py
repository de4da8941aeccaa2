"""Rounds, dossiers, councils and documents for the evaluation and certificate tests.

`dossier_at(status)` builds a dossier as the process would have left it in that state (numbers,
deadlines, council, result), writing rows directly: the tests of each stage then drive that stage's
services from there."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from ocop.accounts.models import Role
from ocop.evaluation.models import (
    Council,
    CouncilMember,
    DocumentKind,
    Dossier,
    EvidenceDocument,
    MemberRole,
    RequestType,
    Round,
    RoundKind,
)
from ocop.evaluation.services.selfassessment import sheet_for
from ocop.evaluation.workflow import DossierStatus as S
from tests.factories import TAY_NINH, ProducerFactory, ProductFactory, make_user

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


class RoundFactory(DjangoModelFactory):
    class Meta:
        model = Round

    province_id = TAY_NINH
    year = 2026
    kind = RoundKind.SECOND_HALF
    name = factory.Sequence(lambda n: f"Đợt đánh giá {n} năm 2026")
    commune_cutoff = datetime.date(2026, 10, 30)
    decision_due = datetime.date(2026, 12, 30)


def document(
    producer, kind: str = DocumentKind.BUSINESS_REGISTRATION, *, expires_on=None, product=None, user=None
):
    """A PDF in the producer's evidence library."""
    doc = EvidenceDocument(
        producer=producer,
        product=product,
        kind=kind,
        title=f"{DocumentKind(kind).label} — {producer.name}",
        issued_on=datetime.date(2025, 1, 15),
        expires_on=expires_on,
        original_name="giấy-chứng-nhận.pdf",
        content_type="application/pdf",
        size=len(MINIMAL_PDF),
        sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
        uploaded_by=user,
    )
    doc.file.save("giay.pdf", ContentFile(MINIMAL_PDF), save=False)
    doc.save()
    return doc


def council(round_: Round, members: int = 3, advisors: int = 0) -> Council:
    """A council of the round: one chair and `members - 1` members (council-member users of the
    round's province), plus advisors."""
    c = Council.objects.create(
        round=round_, name=f"Hội đồng OCOP {round_.name}", decision_number="12/QĐ-UBND"
    )
    for i in range(members):
        role = MemberRole.CHAIR if i == 0 else MemberRole.MEMBER
        user = make_user(Role.COUNCIL_MEMBER, province_id=round_.province_id)
        CouncilMember.objects.create(
            council=c, user=user, role=role, department="Sở Nông nghiệp và Môi trường"
        )
    for _ in range(advisors):
        user = make_user(Role.COUNCIL_MEMBER, province_id=round_.province_id)
        CouncilMember.objects.create(council=c, user=user, role=MemberRole.ADVISOR, department="Tổ tư vấn")
    return c


_ORDER = [
    S.DRAFT,
    S.SUBMITTED,
    S.AT_PROVINCE,
    S.CHECKED,
    S.IN_COUNCIL,
    S.SCORED,
    S.AT_MINISTRY,
    S.CENTRAL_SCORED,
]


def dossier_at(
    status: str = S.DRAFT,
    *,
    product=None,
    round_=None,
    council_=None,
    request_type: str = RequestType.FIRST,
    points: str | None = None,
    stars: int | None = None,
    received_on: datetime.date | None = None,
) -> Dossier:
    """A dossier in `status`, with the fields the earlier steps would have set."""
    product = product or ProductFactory(producer=ProducerFactory())
    round_ = round_ or RoundFactory(province_id=product.producer.commune.province_id)
    dossier = Dossier.objects.create(
        round=round_,
        product=product,
        producer=product.producer,
        commune=product.producer.commune,
        sheet=sheet_for(product),
        request_type=request_type,
        status=status,
        form01={"product_name": product.name_vi},
    )
    reached = _ORDER.index(status) if status in _ORDER else len(_ORDER)
    now = datetime.datetime(2025, 6, 2, 8, 0, tzinfo=datetime.UTC)
    if reached >= 1 or status == S.RETURNED:
        province, commune = product.producer.commune.province_id, product.producer.commune_id
        dossier.receipt_number = f"{dossier.pk}/PĐK-{province}-{commune}-{round_.year}"
        dossier.product_code = f"{province}-{commune}-{dossier.pk:03d}-{round_.year}"
        dossier.submitted_at = now
        dossier.received_on = received_on or now.date()
        from ocop.core.calendar import default_calendar

        dossier.commune_deadline = default_calendar().add_working_days(dossier.received_on, 15)
    if reached >= 2:
        dossier.form03 = {"local_raw_materials": "Nguyên liệu tại địa phương", "local_labour": "12 lao động"}
        dossier.sent_to_province_at = now
    if reached >= 3:
        dossier.checked_at = now
    if reached >= 4:
        dossier.council = council_ or council(round_)
    if reached >= 5:
        dossier.closed_at = now
        dossier.points = Decimal(points or "75.00")
        dossier.stars = stars if stars is not None else 4
    if reached >= 6:
        dossier.forwarded_at = now
    if reached >= 7:
        dossier.central_points = Decimal("92.00")
        dossier.central_stars = 5
        dossier.central_recorded_at = now
    dossier.save()
    return dossier
