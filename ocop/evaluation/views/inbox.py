"""The inbox: what waits for the user, by role (the lists are built by ocop.evaluation.inbox)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from ocop.accounts.access import REGISTRY_READERS, role_required
from ocop.core.calendar import local_today

from .. import inbox as inbox_logic

INBOX_ROLES = tuple(r for r in REGISTRY_READERS)


# --- Inbox -----------------------------------------------------------------------------------------


@role_required(*INBOX_ROLES)
@require_GET
def inbox(request):
    return render(
        request,
        "evaluation/inbox.html",
        {"sections": inbox_logic.sections(request.user), "today": local_today()},
    )
