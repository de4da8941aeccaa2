"""Revocation (Decision 26/2026, Art. 8): six grounds, the right authority, within 15 days of the
finding, the reason public — and every refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from ocop.accounts.models import Role
from ocop.certificates import services
from ocop.certificates.models import Certificate, CertificateStatus, RevocationGround
from ocop.core.models import AuditEvent
from ocop.registry.models import Product, ProductStatus
from tests.certificates.test_services import make_certificate
from tests.factories import make_user

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 11, 20)


def state(cert):
    c = Certificate.objects.get(pk=cert.pk)
    return (
        c.status,
        c.revoked_on,
        c.revocation_ground,
        c.revocation_reason,
        c.revocation_decision,
        c.revoked_by_id,
        Product.objects.get(pk=c.product_id).status,
    )


def args(**kw):
    base = {
        "ground": RevocationGround.MARK_MISUSE,
        "reason": "Sử dụng nhãn OCOP cho sản phẩm khác",
        "decision_number": "45/QĐ-UBND",
        "finding_date": D(2026, 11, 10),
        "today": TODAY,
    }
    base.update(kw)
    return base


def test_province_officer_revokes_4_stars():
    cert = make_certificate(stars=4)
    officer = make_user(Role.PROVINCE_OFFICER)
    assert services.can_revoke(officer, cert)
    services.revoke(officer, cert, **args())
    cert.refresh_from_db()
    assert cert.status == CertificateStatus.REVOKED and cert.revoked_on == TODAY
    assert cert.revocation_ground == RevocationGround.MARK_MISUSE
    assert cert.revocation_reason.startswith("Sử dụng") and cert.revocation_decision == "45/QĐ-UBND"
    assert cert.finding_date == D(2026, 11, 10) and cert.revoked_by == officer
    product = Product.objects.get(pk=cert.product_id)
    assert product.status == ProductStatus.REVOKED and product.stars == 4
    assert services.display_status(cert, TODAY) == "revoked"
    assert not services.can_revoke(officer, cert)
    with pytest.raises(ValidationError):
        services.revoke(officer, cert, **args(decision_number="46/QĐ-UBND"))


def test_revocation_is_audited_as_such():
    cert = make_certificate(stars=4)
    officer = make_user(Role.PROVINCE_OFFICER)
    services.revoke(officer, cert, **args())
    event = AuditEvent.objects.get(object_id=str(cert.pk), verb="certificate.revoke")
    assert event.actor == officer and event.action == AuditEvent.Action.UPDATE
    assert event.changes["status"] == [
        str(CertificateStatus.VALID.label),
        str(CertificateStatus.REVOKED.label),
    ]
    assert event.changes["revocation_decision"] == ["", "45/QĐ-UBND"] and "45/QĐ-UBND" in event.note


def test_ministry_revokes_5_stars():
    cert = make_certificate(stars=5)
    services.revoke(make_user(Role.MINISTRY), cert, **args(ground=RevocationGround.FALSE_DOSSIER))
    assert Certificate.objects.get(pk=cert.pk).status == CertificateStatus.REVOKED


@pytest.mark.parametrize(
    "stars, who",
    [
        (4, lambda: make_user(Role.COMMUNE_OFFICER)),
        (4, lambda: make_user(Role.PROVINCE_OFFICER, province_id="01")),
        (4, lambda: make_user(Role.MINISTRY)),
        (4, lambda: make_user(Role.PRODUCER)),
        (4, lambda: make_user(Role.COUNCIL_MEMBER)),
        (5, lambda: make_user(Role.PROVINCE_OFFICER)),
        (3, lambda: make_user(Role.PROVINCE_OFFICER, province_id="01")),
    ],
)
def test_wrong_authority_refused_and_nothing_changed(stars, who):
    cert = make_certificate(stars=stars)
    user = who()
    before = state(cert)
    assert not services.can_revoke(user, cert)
    with pytest.raises(PermissionDenied) as exc:
        services.revoke(user, cert, **args())
    assert str(exc.value)
    assert state(cert) == before


@pytest.mark.parametrize(
    "change, field",
    [
        ({"finding_date": D(2026, 11, 4)}, "finding_date"),  # 16 days before: too late
        ({"finding_date": D(2026, 11, 21)}, "finding_date"),  # in the future
        ({"reason": "  "}, "reason"),
        ({"decision_number": ""}, "decision_number"),
        ({"ground": "because"}, "ground"),
    ],
)
def test_invalid_revocation_refused_and_nothing_changed(change, field):
    cert = make_certificate(stars=4)
    before = state(cert)
    with pytest.raises(ValidationError) as exc:
        services.revoke(make_user(Role.PROVINCE_OFFICER), cert, **args(**change))
    assert field in exc.value.error_dict
    assert state(cert) == before


def test_fifteenth_day_is_still_in_time():
    cert = make_certificate(stars=4)
    services.revoke(make_user(Role.PROVINCE_OFFICER), cert, **args(finding_date=D(2026, 11, 5)))
    assert Certificate.objects.get(pk=cert.pk).status == CertificateStatus.REVOKED


def test_revoke_page(client_of):
    from django.utils import timezone

    cert = make_certificate(stars=4)
    url = reverse("certificates:revoke", args=[cert.number])
    assert url == f"/certificates/{cert.number}/revoke/"
    assert Client().get(url).status_code == 302
    for role in (Role.COMMUNE_OFFICER, Role.PRODUCER, Role.COUNCIL_MEMBER):
        assert client_of(make_user(role)).get(url).status_code == 403
    assert client_of(make_user(Role.PROVINCE_OFFICER, province_id="01")).get(url).status_code == 404
    assert client_of(make_user(Role.MINISTRY)).get(url).status_code == 403  # a 4-star certificate
    officer = make_user(Role.PROVINCE_OFFICER)
    client = client_of(officer)
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    before = state(cert)
    old = today - dt.timedelta(days=16)
    response = client.post(
        url,
        {
            "ground": "stopped",
            "finding_date": old.isoformat(),
            "decision_number": "7/QĐ",
            "reason": "Ngừng sản xuất",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["finding_date"]
    assert state(cert) == before
    response = client.post(
        url,
        {
            "ground": "stopped",
            "finding_date": today.isoformat(),
            "decision_number": "7/QĐ",
            "reason": "Ngừng sản xuất",
        },
    )
    assert response.status_code == 302
    assert Certificate.objects.get(pk=cert.pk).status == CertificateStatus.REVOKED


def test_revoke_page_for_a_certificate_no_longer_valid(client_of):
    cert = make_certificate(stars=4, status=CertificateStatus.EXPIRED)
    response = client_of(make_user(Role.PROVINCE_OFFICER)).get(
        reverse("certificates:revoke", args=[cert.number])
    )
    assert response.status_code == 302
    assert status_of(cert) == CertificateStatus.EXPIRED


def status_of(cert):
    return Certificate.objects.get(pk=cert.pk).status


def test_a_certificate_past_its_expiry_is_not_revoked_before_the_nightly_run():
    """Expired as the public sees it (ocop_expire has not marked it yet): not in force, not revoked;
    kept valid for a late re-evaluation: still in force, revocable."""
    cert = make_certificate(stars=4, issued_on=D(2023, 11, 1))  # expired on 01/11/2026, row still valid
    officer = make_user(Role.PROVINCE_OFFICER)
    before = state(cert)
    assert not services.can_revoke(officer, cert, TODAY)
    with pytest.raises(ValidationError) as exc:
        services.revoke(officer, cert, **args())
    assert "“Hết hiệu lực”" in exc.value.messages[0]  # expired, not the row's “valid”
    assert state(cert) == before
    Certificate.objects.filter(pk=cert.pk).update(grace_until=D(2027, 4, 30))
    cert.refresh_from_db()
    assert services.can_revoke(officer, cert, TODAY)
    services.revoke(officer, cert, **args())
    assert status_of(cert) == CertificateStatus.REVOKED


def test_the_verification_page_offers_revocation_to_the_authority_only(client, client_of):
    cert = make_certificate(stars=4, issued_on=dt.date.today() - dt.timedelta(days=30))
    url = reverse("certificates:verify", args=[cert.number])
    revoke_url = reverse("certificates:revoke", args=[cert.number])
    officer = client_of(make_user(Role.PROVINCE_OFFICER))
    response = officer.get(url)
    assert response.context["may_revoke"] and revoke_url in response.content.decode()
    assert "private" in response["Cache-Control"]
    for other in (
        client,
        client_of(make_user(Role.MINISTRY)),
        client_of(make_user(Role.PROVINCE_OFFICER, province_id="01")),
        client_of(make_user(Role.PRODUCER)),
    ):
        response = other.get(url)
        assert response.status_code == 200 and revoke_url not in response.content.decode()
    Certificate.objects.filter(pk=cert.pk).update(status=CertificateStatus.REVOKED)
    assert revoke_url not in officer.get(url).content.decode()


def test_the_revocation_page_states_the_period_the_setting_holds(client_of, settings):
    settings.OCOP_REVOCATION_DAYS = 20
    cert = make_certificate(stars=4)
    body = client_of(make_user(Role.PROVINCE_OFFICER)).get(reverse("certificates:revoke", args=[cert.number]))
    text = body.content.decode()
    assert "trong vòng 20 ngày kể từ ngày phát hiện vi phạm" in text and "15 ngày" not in text
