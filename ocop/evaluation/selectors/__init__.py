"""The reads of the evaluation: who may see or act on what, and what the pages and the API show. Nothing
here writes. The services (the commands, `ocop.evaluation.services`) import these, never the reverse.

This module holds what every stage reads: whether a user may read a dossier (`can_view`, on top of
`Dossier.objects.visible_to`) or act on it (`in_scope`); `require` turns a refused check into
`PermissionDenied`. Who manages a province's rounds and councils is `accounts.access.is_provincial_officer`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from ocop.accounts.access import is_active_user
from ocop.accounts.models import Role, User

from ..models import CouncilMember, Dossier

__all__ = ["can_view", "in_scope", "require"]


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
