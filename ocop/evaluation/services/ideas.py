"""Product ideas (Decision 26/2026, Art. 4): a producer, or the commune officer on its behalf, registers
an idea; the commune officer of the producer's commune guides it with comments and a status."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ocop.accounts.models import Role, User
from ocop.core import audit
from ocop.core.models import AuditEvent
from ocop.registry.models import Producer

from ..models import Idea, IdeaComment, IdeaStatus
from . import require
from .library import can_manage


def can_register(user: User, producer: Producer) -> bool:
    return can_manage(user, producer)


def can_guide(user: User, idea: Idea) -> bool:
    """The commune officer of the producer's commune (or a superuser)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return (
        user.role == Role.COMMUNE_OFFICER
        and bool(user.commune_id)
        and idea.producer.commune_id == user.commune_id
    )


def can_comment(user: User, idea: Idea) -> bool:
    """The guiding officer, and the producer answering on its own idea."""
    if can_guide(user, idea):
        return True
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role == Role.PRODUCER
        and user.producer_id == idea.producer_id
    )


@transaction.atomic
def register(
    user: User,
    producer: Producer,
    *,
    title: str,
    description: str = "",
    product_set: str = "",
    raw_materials: str = "",
) -> Idea:
    require(can_register(user, producer))
    if not (title or "").strip():
        raise ValidationError(_("Give the idea a name."))
    idea = Idea.objects.create(
        producer=producer,
        title=title.strip()[:255],
        description=description,
        product_set=product_set[:8],
        raw_materials=raw_materials,
        created_by=user,
    )
    audit.record(
        user,
        idea,
        AuditEvent.Action.CREATE,
        audit.snapshot(idea, ["title", "producer", "status"]),
        verb="idea.register",
    )
    return idea


@transaction.atomic
def comment(user: User, idea: Idea, text: str) -> IdeaComment:
    idea = Idea.objects.select_related("producer").select_for_update(of=("self",)).get(pk=idea.pk)
    require(can_comment(user, idea))
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write a comment first."))
    note = IdeaComment.objects.create(idea=idea, author=user, text=text)
    audit.record(user, idea, AuditEvent.Action.UPDATE, {"comment": [None, text[:200]]}, verb="idea.comment")
    return note


@transaction.atomic
def set_status(user: User, idea: Idea, status: str) -> Idea:
    idea = Idea.objects.select_related("producer").select_for_update(of=("self",)).get(pk=idea.pk)
    require(can_guide(user, idea))
    if status not in IdeaStatus.values:
        raise ValidationError(_("Unknown status."))
    audit.update(user, idea, "idea.review", {"status": status})
    return idea
