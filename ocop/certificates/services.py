"""Every change to a certificate: issue (with a recognition decision), supersede, revoke, expire, and the
re-evaluation reminders. Each function checks who may do it, works in one transaction and writes an
audit event; a refused step raises PermissionDenied (who) or ValidationError (what) and changes nothing.

The date rules themselves (36 months, the re-evaluation window, the late filer's grace, the 15 days to
revoke) are pure functions in `rules.py`; this module reads their periods from settings.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ocop.accounts.access import is_active_user, is_ministry, is_provincial_officer
from ocop.accounts.models import Role, User
from ocop.core import audit
from ocop.core.models import AuditEvent
from ocop.core.serials import next_serial
from ocop.registry import services as registry
from ocop.registry.models import Producer, Product, ProductStatus
from ocop.registry.rules import certificate_expiry

from . import rules
from .models import Certificate, CertificateStatus, DecisionLevel, Reminder, RevocationGround

if TYPE_CHECKING:

    class RecognitionDecision(Protocol):
        """What a certificate takes from its decision (evaluation.Decision, in an app above this one)."""

        @property
        def pk(self) -> Any: ...
        @property
        def level(self) -> str: ...
        @property
        def number(self) -> str: ...
        @property
        def date(self) -> dt.date: ...


log = logging.getLogger(__name__)

__all__ = [
    "can_revoke",
    "display_status",
    "expire_and_remind",
    "issue_certificate",
    "revoke",
]


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


# ------------------------------------------------------------------------------------------- status


def display_status(certificate: Certificate, today: dt.date | None = None) -> str:
    """What the public sees: 'valid', 'expired', 'revoked' or 'superseded'.

    A certificate past its expiry date reads 'expired' even before `ocop_expire` has run, unless a late
    re-evaluation keeps it valid (grace_until, at most 180 days past expiry)."""
    status = certificate.status
    if status in (CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED, CertificateStatus.EXPIRED):
        return str(status)
    today = _today(today)
    if today > certificate.expires_on:
        if certificate.grace_until and today <= certificate.grace_until:
            return str(CertificateStatus.VALID)
        return str(CertificateStatus.EXPIRED)
    return str(CertificateStatus.VALID)


# -------------------------------------------------------------------------------------------- issue


def can_issue(user: User, level: str, stars: int, province_id: str) -> bool:
    """The province certifies 3★ and 4★ products of its own province, the Ministry 5★ ones (Art. 7)."""
    if level == DecisionLevel.MINISTRY:
        return stars == 5 and is_ministry(user)
    return stars in (3, 4) and is_provincial_officer(user, province_id)


@transaction.atomic
def issue_certificate(
    user: User,
    *,
    product: Product,
    producer: Producer,
    province_id: str,
    stars: int,
    points: Decimal | None,
    decision: RecognitionDecision,
    dossier_id: int | None,
) -> Certificate:
    """The certificate of `product` of `producer`, which `decision` (its number, date and level) has
    just recognised with these stars and points on dossier `dossier_id`. The decision services call
    this in their transaction, after the dossier's own checks: this app knows nothing of dossiers. Number
    `<serial>/<year>/CN-OCOP-<province>`, valid from the decision date for OCOP_CERTIFICATE_MONTHS
    months; the product's previous valid certificate is superseded."""
    if not can_issue(user, decision.level, stars or 0, province_id):
        raise PermissionDenied(_("You cannot issue a certificate for this product."))
    if dossier_id and Certificate.objects.filter(dossier_id=dossier_id).exists():
        raise ValidationError(_("This dossier already has a certificate."))
    year = decision.date.year
    serial = next_serial(f"certificate:{province_id}:{year}")
    certificate = Certificate.objects.create(
        number=f"{serial}/{year}/CN-OCOP-{province_id}",
        product=product,
        producer=producer,
        province_id=province_id,
        dossier_id=dossier_id,
        decision_id=decision.pk,
        decision_number=decision.number,
        decision_date=decision.date,
        stars=stars,
        points=points,
        product_name=product.name_vi,
        producer_name=producer.name,
        issued_on=decision.date,
        expires_on=certificate_expiry(decision.date),
    )
    audit.record(
        user,
        certificate,
        AuditEvent.Action.CREATE,
        audit.diff({}, audit.snapshot(certificate)),
        verb="certificate.issue",
    )
    previous = (
        Certificate.objects.select_for_update()
        .filter(product_id=product.pk, status=CertificateStatus.VALID)
        .exclude(pk=certificate.pk)
    )
    for old in previous:
        audit.update(
            user,
            old,
            "certificate.supersede",
            {"status": CertificateStatus.SUPERSEDED, "superseded_by": certificate},
        )
    return certificate


# --------------------------------------------------------------------------------------- revocation


def in_force(certificate: Certificate, today: dt.date | None = None) -> bool:
    """Valid as the public sees it: not revoked, replaced or past its expiry (unless a late
    re-evaluation keeps it), even before the nightly `ocop_expire` has marked it."""
    return display_status(certificate, today) == CertificateStatus.VALID


def refused_not_in_force(certificate: Certificate, today: dt.date | None = None) -> str:
    return _("This certificate is “%(status)s”; only a valid certificate can be revoked.") % {
        "status": CertificateStatus(display_status(certificate, today)).label
    }


def can_revoke(user: User, certificate: Certificate, today: dt.date | None = None) -> bool:
    """The provincial officer of the certificate's province for 3★/4★, a Ministry officer for 5★ (Art.
    8), and only while the certificate is in force."""
    return is_active_user(user) and in_force(certificate, today) and is_authority(user, certificate)


def is_authority(user: User, certificate: Certificate) -> bool:
    if certificate.stars >= 5:
        return is_ministry(user)
    return is_provincial_officer(user, certificate.province_id)


def authority_message(certificate: Certificate) -> str:
    if certificate.stars >= 5:
        return _("Only the Ministry revokes a 5-star certificate.")
    return _(
        "Only the provincial OCOP office of the certificate's province revokes a 3- or 4-star certificate."
    )


def revoke(
    user: User,
    certificate: Certificate,
    *,
    ground: str,
    reason: str,
    decision_number: str,
    finding_date: dt.date,
    today: dt.date | None = None,
) -> Certificate:
    """Revoke a certificate on one of the six grounds of Art. 8, within OCOP_REVOCATION_DAYS days of the
    finding. The reason is public (the verification page shows it); the product's status becomes revoked
    and keeps its stars on record."""
    if not is_active_user(user) or not is_authority(user, certificate):
        raise PermissionDenied(authority_message(certificate))
    today = _today(today)
    reason = (reason or "").strip()
    decision_number = (decision_number or "").strip()
    errors: dict[str, list[str]] = {}
    if ground not in RevocationGround.values:
        errors["ground"] = [_("Choose one of the grounds for revocation.")]
    if not reason:
        errors["reason"] = [_("Give the reason; it is shown on the public verification page.")]
    if not decision_number:
        errors["decision_number"] = [_("Enter the number of the revocation decision.")]
    if finding_date is None:
        errors["finding_date"] = [_("Enter the date of the finding.")]
    elif finding_date > today:
        errors["finding_date"] = [_("The date of the finding cannot be in the future.")]
    else:
        deadline = rules.revocation_deadline(finding_date, settings.OCOP_REVOCATION_DAYS)
        if today > deadline:
            errors["finding_date"] = [
                _(
                    "A certificate is revoked within %(days)d days of the finding; this finding's deadline "
                    "was %(deadline)s."
                )
                % {"days": settings.OCOP_REVOCATION_DAYS, "deadline": deadline.strftime("%d/%m/%Y")}
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if not in_force(current, today):
            raise ValidationError(refused_not_in_force(current, today))
        audit.update(
            user,
            current,
            "certificate.revoke",
            {
                "status": CertificateStatus.REVOKED,
                "revoked_on": today,
                "revocation_ground": ground,
                "revocation_reason": reason,
                "revocation_decision": decision_number,
                "finding_date": finding_date,
                "revoked_by": user,
            },
            note=_("Revoked by decision %(number)s") % {"number": decision_number},
        )
        registry.set_status(
            user,
            current.product,
            ProductStatus.REVOKED,
            note=_("Certificate %(number)s revoked") % {"number": current.number},
        )
    return current


# ------------------------------------------------------------------------------ expiry and reminders


def recipients(certificate: Certificate) -> list[str]:
    """The producer's users and the officers of its commune who have an e-mail address."""
    from django.db.models import Q

    from ocop.accounts.models import User

    producer = certificate.producer
    users = User.objects.filter(is_active=True).exclude(email="")
    users = users.filter(
        Q(role=Role.PRODUCER, producer_id=producer.pk)
        | Q(role=Role.COMMUNE_OFFICER, commune_id=producer.commune_id)
    )
    return sorted(set(users.values_list("email", flat=True)))


def _remind(certificate: Certificate, kind: str) -> Reminder | None:
    """Record the reminder once (the unique constraint makes a second run a no-op) and queue its e-mail."""
    to = recipients(certificate)
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(certificate=certificate, kind=kind, recipients=to)
    except IntegrityError:
        return None
    from .tasks import send_reminder

    send_reminder.enqueue(reminder.pk)
    return reminder


SYSTEM_NOTE = "ocop_expire"


def _expire(certificate: Certificate) -> bool:
    with transaction.atomic():
        current = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if current.status != CertificateStatus.VALID:
            return False
        audit.update(
            None, current, "certificate.expire", {"status": CertificateStatus.EXPIRED}, note=SYSTEM_NOTE
        )
        still_valid = (
            Certificate.objects.filter(product_id=current.product_id, status=CertificateStatus.VALID)
            .exclude(pk=current.pk)
            .exists()
        )
        if not still_valid:
            registry.set_status(None, current.product, ProductStatus.EXPIRED, note=SYSTEM_NOTE)
    return True


def expire_and_remind(
    today: dt.date | None, *, pending_reevaluation: Callable[[Iterable[int]], set[int]]
) -> dict[str, int]:
    """The daily job (`manage.py ocop_expire`, task `expire_certificates`, both in the evaluation app,
    which passes `pending_reevaluation`: of some products, those with a re-evaluation dossier filed and
    not yet decided). Idempotent: a second run on the same day changes and sends nothing, and a run
    after days without one still sends each reminder that fell due (once).

    - A valid certificate past its expiry date expires, unless its product has a re-evaluation dossier
      filed and pending: then it stays valid until the decision, at most OCOP_LATE_FILER_GRACE_DAYS days
      past expiry (`grace_until`), and expires after that day.
    - Reminders to the producer and its commune: when the re-evaluation window opens (180 days before
      expiry) and OCOP_REMINDER_BEFORE_CLOSE_DAYS days before it closes (120 days before expiry), each
      while the window is still open; and once when the certificate expires."""
    today = _today(today)
    opens_days = settings.OCOP_REEVALUATION_OPENS_DAYS
    closes_days = settings.OCOP_REEVALUATION_CLOSES_DAYS
    before_close = settings.OCOP_REMINDER_BEFORE_CLOSE_DAYS
    counts = {"expired": 0, "kept_valid": 0, "window_opens": 0, "window_closing": 0, "expired_notices": 0}

    valid = Certificate.objects.filter(status=CertificateStatus.VALID).select_related("producer")

    # 1. Past expiry.
    overdue = list(valid.filter(expires_on__lt=today))
    pending = pending_reevaluation(c.product_id for c in overdue)
    for certificate in overdue:
        end = rules.grace_end(certificate.expires_on, settings.OCOP_LATE_FILER_GRACE_DAYS)
        if certificate.product_id in pending and today <= end:
            if certificate.grace_until != end:
                with transaction.atomic():
                    current = Certificate.objects.select_for_update().get(pk=certificate.pk)
                    # The late filer's grace: valid until the decision, at most until `end`.
                    audit.update(
                        None, current, "certificate.keep_valid", {"grace_until": end}, note=SYSTEM_NOTE
                    )
                counts["kept_valid"] += 1
            continue
        if _expire(certificate):
            counts["expired"] += 1
            if _remind(certificate, Reminder.Kind.EXPIRED):
                counts["expired_notices"] += 1

    # 2. The re-evaluation window: opens `opens_days` before expiry, closes `closes_days` before it.
    #    Window open today ⇔ expires_on - opens_days <= today <= expires_on - closes_days.
    in_window = valid.filter(
        expires_on__gte=today + dt.timedelta(days=closes_days),
        expires_on__lte=today + dt.timedelta(days=opens_days),
    )
    opening = list(in_window.exclude(reminders__kind=Reminder.Kind.WINDOW_OPENS))
    filed = pending_reevaluation(c.product_id for c in opening)
    for certificate in opening:
        if certificate.product_id not in filed and _remind(certificate, Reminder.Kind.WINDOW_OPENS):
            counts["window_opens"] += 1
    # Closing soon: from `before_close` days before the window's last day up to that day.
    closing = list(
        in_window.filter(expires_on__lte=today + dt.timedelta(days=closes_days + before_close)).exclude(
            reminders__kind=Reminder.Kind.WINDOW_CLOSING
        )
    )
    filed = pending_reevaluation(c.product_id for c in closing)
    for certificate in closing:
        if certificate.product_id not in filed and _remind(certificate, Reminder.Kind.WINDOW_CLOSING):
            counts["window_closing"] += 1
    log.info("ocop_expire %s: %s", today.isoformat(), counts)
    return counts
