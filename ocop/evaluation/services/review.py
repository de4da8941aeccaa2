"""The commune's review (Form 03, return or send to the province) and the province's check (advisory
records, return or mark checked), Decision 26/2026 Art. 7.

Each function checks the actor's role and scope first, then moves the dossier through the one shared
`transition` (row lock, state check, audit event, notification after commit). A refusal raises
`PermissionDenied`, `IllegalTransition` or `ValidationError` and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ocop.accounts.access import has_role
from ocop.accounts.models import Role, User
from ocop.core import audit
from ocop.core.calendar import days_left, local_today
from ocop.core.models import AuditEvent

from ..models import AdvisoryRecord, Dossier, EvidenceDocument
from ..workflow import DossierStatus, IllegalTransition
from . import in_scope, locked, require, transition

# Form 03 (the commune's report): field name → whether it must be filled.
FORM03_FIELDS = {
    "local_raw_materials": True,
    "local_labour": True,
    "idea_origin": True,
    "local_identity": True,
    "assessment": True,
    "completeness_checked": True,
}
CHECK_STATES = (DossierStatus.AT_PROVINCE, DossierStatus.CHECKED)


def _require_role_in_scope(user: User, dossier: Dossier, role: str) -> None:
    """The role may do it, and this dossier is in the user's area (judged on the stored row)."""
    require(has_role(user, role))
    require(in_scope(user, Dossier.objects.select_related("round").get(pk=dossier.pk)))


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reasons for returning the dossier.")})
    return reason


# --- Deadlines -------------------------------------------------------------------------------------


def deadline_info(deadline: dt.date | None, today: dt.date | None = None) -> dict[str, Any]:
    """{deadline, days_left, days_late, overdue} for display: days left in working days (0 on the day and on a
    holiday right after it), overdue as soon as today is past the deadline."""
    if deadline is None:
        return {"deadline": None, "days_left": None, "days_late": 0, "overdue": False}
    today = today or local_today()
    left = days_left(deadline, today)
    return {"deadline": deadline, "days_left": left, "days_late": max(0, -left), "overdue": today > deadline}


# --- Commune ---------------------------------------------------------------------------------------


def clean_form03(form03: dict[str, Any]) -> dict[str, Any]:
    """Form 03 as stored: the known fields only, text stripped; every field required and the
    completeness check ticked."""
    if not isinstance(form03, dict):
        raise ValidationError(_("The Form 03 report is missing."))
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, needed in FORM03_FIELDS.items():
        value = form03.get(name)
        if name == "completeness_checked":
            cleaned[name] = value is True
            if needed and value is not True:
                errors[name] = _("Confirm that the dossier is complete before sending it to the province.")
            continue
        value = (value or "").strip() if isinstance(value, str) else ""
        cleaned[name] = value
        if needed and not value:
            errors[name] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def commune_return(user: User, dossier: Dossier, reason: str) -> Dossier:
    """The commune officer returns a submitted dossier to the producer, with the reasons."""
    _require_role_in_scope(user, dossier, Role.COMMUNE_OFFICER)
    reason = _reason(reason)
    return transition(
        user,
        dossier,
        "commune_return",
        fields={"return_reason": reason, "returned_at": timezone.now()},
        note=reason,
    )


def send_to_province(user: User, dossier: Dossier, form03: dict[str, Any]) -> Dossier:
    """The commune officer accepts a submitted dossier, writes Form 03 and sends it to the province."""
    _require_role_in_scope(user, dossier, Role.COMMUNE_OFFICER)
    cleaned = clean_form03(form03)
    return transition(
        user,
        dossier,
        "send_to_province",
        fields={"form03": cleaned, "sent_to_province_at": timezone.now()},
    )


# --- Province --------------------------------------------------------------------------------------


@transaction.atomic
def add_advisory_record(
    user: User,
    dossier: Dossier,
    *,
    kind: str,
    on: dt.date,
    findings: str,
    document: EvidenceDocument | None = None,
) -> AdvisoryRecord:
    """The advisory team's desk check, field visit or extra lab test on a dossier at the province.
    The optional document comes from the producer's own library."""
    _require_role_in_scope(user, dossier, Role.PROVINCE_OFFICER)
    current = locked(dossier)
    if current.status not in CHECK_STATES:
        raise IllegalTransition(
            _("Advisory records are kept only while the dossier is at the province (now “%(status)s”).")
            % {"status": current.get_status_display()}
        )
    errors = {}
    if kind not in AdvisoryRecord.Kind.values:
        errors["kind"] = _("Choose a kind of record.")
    if not isinstance(on, dt.date):
        errors["on"] = _("Enter a date.")
    elif on > local_today():
        errors["on"] = _("The date cannot be in the future.")
    findings = (findings or "").strip()
    if not findings:
        errors["findings"] = _("Write down the findings.")
    if document is not None and (document.producer_id != current.producer_id or document.archived):
        errors["document"] = _("Choose a document from this producer's library.")
    if errors:
        raise ValidationError(errors)
    record = AdvisoryRecord.objects.create(
        dossier=current, kind=kind, on=on, findings=findings, document=document, created_by=user
    )
    audit.record(
        user,
        current,
        AuditEvent.Action.UPDATE,
        {"advisory_record": [None, f"{record.get_kind_display()} {on:%d/%m/%Y}"]},
        note=findings,
        verb="dossier.add_advisory_record",
    )
    return record


def province_return(user: User, dossier: Dossier, reason: str) -> Dossier:
    """The province returns a dossier it received (checked or not) to the producer, with the reasons."""
    _require_role_in_scope(user, dossier, Role.PROVINCE_OFFICER)
    reason = _reason(reason)
    return transition(
        user,
        dossier,
        "province_return",
        fields={"return_reason": reason, "returned_at": timezone.now()},
        note=reason,
    )


def province_check(user: User, dossier: Dossier, note: str = "") -> Dossier:
    """The advisory team's check is done: the dossier is ready for a council."""
    _require_role_in_scope(user, dossier, Role.PROVINCE_OFFICER)
    return transition(user, dossier, "province_check", fields={"checked_at": timezone.now()}, note=note)
