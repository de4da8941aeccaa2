"""Issuing certificates and what the public sees of them (display_status)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ocop.accounts.models import Role
from ocop.certificates import services
from ocop.certificates.models import Certificate, CertificateStatus, DecisionLevel
from ocop.core.models import AuditEvent
from ocop.evaluation.models import Decision
from ocop.evaluation.services import decisions
from ocop.evaluation.workflow import DossierStatus as S
from ocop.registry.models import ProductStatus
from ocop.registry.rules import certificate_expiry
from tests.evaluation.factories import dossier_at
from tests.factories import ProducerFactory, ProductFactory, make_user

pytestmark = pytest.mark.django_db

D = dt.date


def make_certificate(
    stars: int = 4,
    issued_on: D | None = None,
    *,
    product=None,
    status: str = CertificateStatus.VALID,
    number: str | None = None,
) -> Certificate:
    """A certificate row as the decision services would leave it (written directly, for the expiry and
    revocation tests)."""

    issued_on = issued_on or D(2026, 1, 15)
    product = product or ProductFactory(producer=ProducerFactory())
    product.stars = stars
    product.status = ProductStatus.RATED
    product.save()
    count = Certificate.objects.count() + 1
    return Certificate.objects.create(
        number=number or f"{count}/{issued_on.year}/CN-OCOP-{product.producer.commune.province_id}",
        product=product,
        producer=product.producer,
        province_id=product.producer.commune.province_id,
        decision_number=f"{count}/QĐ-UBND",
        decision_date=issued_on,
        stars=stars,
        points=Decimal("75.00"),
        product_name=product.name_vi,
        producer_name=product.producer.name,
        issued_on=issued_on,
        expires_on=certificate_expiry(issued_on),
        status=status,
    )


def test_issue_numbers_per_province_and_year_and_audits():
    officer = make_user(Role.PROVINCE_OFFICER)
    a = dossier_at(S.SCORED, points="75.00", stars=4)
    b = dossier_at(S.SCORED, points="65.00", stars=3, round_=a.round)
    decisions.recognise(officer, a.round, "1/QĐ-UBND", D(2025, 12, 31), "", [a])
    decisions.recognise(officer, a.round, "2/QĐ-UBND", D(2026, 1, 2), "", [b])
    first, second = Certificate.objects.get(dossier=a), Certificate.objects.get(dossier=b)
    assert first.number == "1/2025/CN-OCOP-80" and second.number == "1/2026/CN-OCOP-80"
    assert first.expires_on == D(2028, 12, 31) and second.expires_on == D(2029, 1, 2)
    assert AuditEvent.objects.filter(object_id=str(first.pk), action=AuditEvent.Action.CREATE).exists()


def test_issue_refused_to_the_wrong_authority_and_twice_for_a_dossier():
    officer = make_user(Role.PROVINCE_OFFICER)
    dossier = dossier_at(S.SCORED, points="75.00", stars=4)
    decision = Decision.objects.create(
        province_id="80", round=dossier.round, level=DecisionLevel.PROVINCE, number="X", date=D(2026, 8, 31)
    )

    def issue(user):
        return services.issue_certificate(
            user,
            product=dossier.product,
            producer=dossier.producer,
            province_id="80",
            stars=4,
            points=dossier.points,
            decision=decision,
            dossier_id=dossier.pk,
        )

    with pytest.raises(PermissionDenied):
        issue(make_user(Role.MINISTRY))
    with pytest.raises(PermissionDenied):
        issue(make_user(Role.PROVINCE_OFFICER, province_id="01"))
    assert not Certificate.objects.exists()
    issue(officer)
    with pytest.raises(ValidationError):
        issue(officer)  # one certificate per dossier
    assert Certificate.objects.count() == 1


def test_display_status():
    cert = make_certificate(issued_on=D(2026, 1, 15))  # expires 15/01/2029
    assert services.display_status(cert, D(2029, 1, 15)) == "valid"
    assert services.display_status(cert, D(2029, 1, 16)) == "expired"
    cert.grace_until = D(2029, 7, 14)
    assert services.display_status(cert, D(2029, 7, 14)) == "valid"
    assert services.display_status(cert, D(2029, 7, 15)) == "expired"
    cert.status = CertificateStatus.REVOKED
    assert services.display_status(cert, D(2026, 2, 1)) == "revoked"
    cert.status = CertificateStatus.SUPERSEDED
    assert services.display_status(cert, D(2026, 2, 1)) == "superseded"
    cert.status = CertificateStatus.EXPIRED
    assert services.display_status(cert, D(2026, 2, 1)) == "expired"
