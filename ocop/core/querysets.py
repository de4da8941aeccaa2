"""The scoped-queryset base: one vocabulary, `visible_to(user)` and `editable_by(user)`, on every model
whose rows belong to someone's area."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    # The core sits below the accounts app, so it names the user by Django's base classes.
    AnyUser = AbstractBaseUser | AnonymousUser


class ScopedQuerySet(models.QuerySet[Any]):
    """Deny by default: a subclass states, as one query filter, which rows a user may read or change;
    None means nothing at all. Pages, API, exports and services all ask through these two methods."""

    def scope(self, user: AnyUser, *, edit: bool) -> Q | None:
        raise NotImplementedError

    def visible_to(self, user: AnyUser) -> Self:
        q = self.scope(user, edit=False)
        return self.none() if q is None else self.filter(q)

    def editable_by(self, user: AnyUser) -> Self:
        q = self.scope(user, edit=True)
        return self.none() if q is None else self.filter(q)
