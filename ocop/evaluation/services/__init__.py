"""Every change to the evaluation process goes through a function in this package, one module per
stage (dossiers, review, council, decisions). Each function checks who may do it, works in one
transaction under a row lock, and writes an audit event; an illegal step raises `IllegalTransition`
(state), `PermissionDenied` (who) or `ValidationError` (what) and changes nothing.

This module holds what the stages share: the one `transition` that moves a dossier from one state to
another, and (from `ocop.evaluation.selectors`, where the reads live) who may read a dossier
(`can_view`) or act on it (`in_scope`).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ocop.accounts.models import User
from ocop.core import audit
from ocop.core.models import AuditEvent

from .. import notifications, tasks
from ..models import Dossier
from ..selectors import can_view, in_scope, require
from ..workflow import IllegalTransition, Transition, check

__all__ = [
    "IllegalTransition",
    "can_view",
    "in_scope",
    "require",
    "transition",
]


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
