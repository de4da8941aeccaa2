"""Changes officers make to other people's accounts: deactivating and reactivating. An account is never
deleted — its audit trail (what its holder did) must keep its name. Each change checks who may make it,
works in one transaction under a row lock and writes an audit event."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ocop.core import audit

from .access import acts_as, is_active_user
from .models import Role, User


def manageable_by(officer: User) -> QuerySet[User]:
    """The accounts an officer looks after: for a provincial officer, every account scoped within its
    province (officers, council members, commune officers, producers); for a superuser, every account.
    Never the officer's own, a superuser's, the Ministry's or a machine client's (deny by default)."""
    if not is_active_user(officer):
        return User.objects.none()
    accounts = User.objects.exclude(pk=officer.pk).exclude(is_superuser=True)
    if officer.is_superuser:
        return accounts
    if not (acts_as(officer, Role.PROVINCE_OFFICER) and officer.province_id):
        return User.objects.none()
    province = officer.province_id
    return accounts.exclude(role__in=[Role.MINISTRY, Role.INTEGRATOR]).filter(
        Q(province_id=province)
        | Q(commune__province_id=province)
        | Q(producer__commune__province_id=province)
    )


@transaction.atomic
def set_active(officer: User, account: User, active: bool, *, reason: str) -> User:
    """Deactivate (the holder can no longer sign in, and an open session ends at its next request) or
    reactivate an account, with the reason on the audit record."""
    # Only the account row is locked (the scope joins communes and producers, which PostgreSQL cannot lock
    # on the nullable side of an outer join).
    current = manageable_by(officer).select_for_update(of=("self",)).filter(pk=account.pk).first()
    if current is None:
        raise PermissionDenied(_("You are not allowed to do this."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason; it is kept with the account's history.")]})
    verb = "account.reactivate" if active else "account.deactivate"
    audit.update(officer, current, verb, {"is_active": active}, note=reason)
    return current
