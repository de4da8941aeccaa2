"""Every change to the evaluation process goes through a function in this package, one module per
stage (dossiers, review, council, decisions). Each function checks who may do it, works in one
transaction under a row lock, and writes an audit event; an illegal step raises `IllegalTransition`
(state), `PermissionDenied` (who) or `ValidationError` (what) and changes nothing.

This module holds what the stages share: who may act on a dossier (who may read one is
`Dossier.objects.visible_to(user)`), the one `transition` that moves a dossier from one state to another.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from ocop.accounts.access import is_active_user
from ocop.accounts.models import Role, User
from ocop.core import audit
from ocop.core.models import AuditEvent

from .. import notifications, tasks
from ..models import CouncilMember, Dossier
from ..workflow import IllegalTransition, Transition, check

__all__ = [
    "IllegalTransition",
    "can_view",
    "in_scope",
    "require",
    "transition",
]


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You are not allowed to do this."))


def can_view(user: User, dossier: Dossier) -> bool:
    return Dossier.objects.visible_to(user).filter(pk=dossier.pk).exists()


def in_scope(user: User, dossier: Dossier) -> bool:
    """May this user act on this dossier at all (its own producer, commune, province, council)?
    Judged on the stored row, never on what a form put in memory."""
    if not is_active_user(user):
        return False
    if user.is_superuser:
        return True
    role = user.role
    if role == Role.PRODUCER:
        return bool(user.producer_id) and dossier.producer_id == user.producer_id
    if role == Role.COMMUNE_OFFICER:
        return bool(user.commune_id) and dossier.commune_id == user.commune_id
    if role == Role.PROVINCE_OFFICER:
        return bool(user.province_id) and dossier.round.province_id == user.province_id
    if role == Role.COUNCIL_MEMBER:
        return (
            dossier.council_id is not None
            and CouncilMember.objects.filter(council_id=dossier.council_id, user=user).exists()
        )
    if role == Role.MINISTRY:
        return dossier.forwarded_at is not None
    return False


def _role(user: User) -> str:
    return "" if user.is_superuser else user.role


def locked(dossier: Dossier) -> Dossier:
    """The dossier re-read under a row lock (call inside a transaction)."""
    return Dossier.objects.select_for_update().select_related("round").get(pk=dossier.pk)


@transaction.atomic
def transition(
    user: User, dossier: Dossier, action: str, *, fields: dict[str, Any] | None = None, note: str = ""
) -> Dossier:
    """Move a dossier by `action` (see workflow.TRANSITIONS): lock it, check the state, the role and
    the scope, apply `fields`, save and write one audit event. Returns the fresh, saved dossier."""
    current = locked(dossier)
    step: Transition = check(action, current.status, _role(user), superuser=user.is_superuser)
    require(in_scope(user, current))
    fields = dict(fields or {})
    tracked = ["status", *fields]
    before = audit.snapshot(current, tracked)
    current.status = step.target
    for name, value in fields.items():
        setattr(current, name, value)
    current.save()
    changes = audit.diff(before, audit.snapshot(current, tracked))
    changes["action"] = [None, action]
    audit.record(user, current, AuditEvent.Action.TRANSITION, changes, note=note, verb=f"dossier.{action}")
    if notifications.has_mail(action):
        transaction.on_commit(lambda: tasks.notify_dossier.enqueue(current.pk, action))
    return current
