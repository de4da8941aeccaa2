"""E-mail about a dossier's steps, sent by the background worker after the step commits.

After every transition that `has_mail`, services.transition queues a task (ocop.evaluation.tasks) in
`transaction.on_commit` with the dossier's id and the action, so a slow or failing mail server never
holds up a step. The task calls `send_dossier_mail`, which picks the people concerned,
renders each e-mail in the recipient's language (Vietnamese by default) and sends it. Users without an
e-mail address are skipped."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ocop.accounts.models import Role, User
from ocop.core.links import public_url

from .models import CouncilMember, Dossier

logger = logging.getLogger(__name__)

PRODUCERS = "producers"
COMMUNE_OFFICERS = "commune_officers"
PROVINCE_OFFICERS = "province_officers"
COUNCIL_MEMBERS = "council_members"

# Action → who hears about it.
RECIPIENTS: dict[str, tuple[str, ...]] = {
    "submit": (COMMUNE_OFFICERS,),
    "commune_return": (PRODUCERS,),
    "province_return": (PRODUCERS,),
    "send_to_province": (PROVINCE_OFFICERS,),
    "assign": (COUNCIL_MEMBERS,),
    "rescore": (COUNCIL_MEMBERS,),
    "close": (PROVINCE_OFFICERS,),
    "recognise": (PRODUCERS, COMMUNE_OFFICERS),
    "not_recognise": (PRODUCERS, COMMUNE_OFFICERS),
}

SUBJECTS = {
    "submit": _("New OCOP dossier to check: %(product)s"),
    "commune_return": _("Your OCOP dossier was returned: %(product)s"),
    "province_return": _("Your OCOP dossier was returned by the province: %(product)s"),
    "send_to_province": _("OCOP dossier sent to the province: %(product)s"),
    "assign": _("OCOP dossier assigned to your council: %(product)s"),
    "rescore": _("OCOP dossier back for re-scoring: %(product)s"),
    "close": _("Council scoring closed: %(product)s"),
    "recognise": _("OCOP product recognised: %(product)s"),
    "not_recognise": _("OCOP evaluation closed without recognition: %(product)s"),
}


def has_mail(action: str) -> bool:
    """Whether this step of a dossier e-mails anyone."""
    return action in RECIPIENTS


def recipients(dossier, action: str) -> list[User]:
    """The active users concerned by `action` on `dossier` who have an e-mail address, in one query."""
    groups = RECIPIENTS.get(action, ())
    q = Q(pk__in=[])
    for group in groups:
        if group == PRODUCERS:
            q |= Q(role=Role.PRODUCER, producer_id=dossier.producer_id)
        elif group == COMMUNE_OFFICERS:
            q |= Q(role=Role.COMMUNE_OFFICER, commune_id=dossier.commune_id)
        elif group == PROVINCE_OFFICERS:
            q |= Q(role=Role.PROVINCE_OFFICER, province_id=dossier.round.province_id)
        elif group == COUNCIL_MEMBERS and dossier.council_id:
            # Not those linked to the producer: they take no part in this dossier's scoring.
            seats = CouncilMember.objects.filter(council_id=dossier.council_id).exclude(
                conflicts=dossier.producer_id
            )
            q |= Q(pk__in=seats.values("user_id"))
    return list(User.objects.filter(q, is_active=True).exclude(email="").distinct().order_by("pk"))


def _language(user) -> str:
    return getattr(user, "language", "") or "vi"


def _link(dossier) -> str:
    path = reverse("evaluation:dossier_detail", args=[dossier.pk])
    return public_url(path)


def render_mail(dossier, action: str, user) -> tuple[str, str]:
    """(subject, body) of the e-mail to `user`, in the user's language."""
    with translation.override(_language(user)):
        context = {
            "dossier": dossier,
            "action": action,
            "user": user,
            "link": _link(dossier),
            "status": dossier.get_status_display(),
            "review_days": settings.OCOP_COMMUNE_REVIEW_WORKING_DAYS,
        }
        subject = str(SUBJECTS[action]) % {"product": dossier.product.name_vi}
        body = render_to_string("evaluation/email/dossier_changed.txt", context)
    return " ".join(subject.split()), body


def send_dossier_mail(dossier_id: int, action: str) -> int:
    """Send the e-mails about one step; returns how many were sent."""
    dossier = (
        Dossier.objects.select_related("product", "producer", "commune", "round", "council")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None or action not in RECIPIENTS:
        return 0
    messages = []
    for user in recipients(dossier, action):
        subject, body = render_mail(dossier, action, user)
        messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]))
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0
