"""Writing audit events. Every service that changes a tracked object calls one of these inside its
transaction, so the change and its audit row commit or roll back together."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value, readable on the history tab."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or ""
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The tracked fields of obj as plain values (foreign keys by their display text)."""
    names = fields or [
        f.name for f in obj._meta.concrete_fields if f.name not in {"id", "created_at", "updated_at"}
    ]
    result = {}
    for name in names:
        field = obj._meta.get_field(name)
        value = getattr(obj, name)
        if isinstance(field, models.Field) and field.choices and value not in (None, ""):
            value = getattr(obj, f"get_{name}_display")()
        result[name] = _plain(value)
    return result


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value changed."""
    return {
        k: [before.get(k), after.get(k)]
        for k in after.keys() | before.keys()
        if before.get(k) != after.get(k)
    }


def record(
    actor: AbstractBaseUser | AnonymousUser | None,
    obj: models.Model,
    action: str,
    changes: dict[str, Any] | None = None,
    note: str = "",
    *,
    verb: str = "",
) -> AuditEvent:
    """One audit event: `action` is the generic kind (created, updated …), `verb` the business step
    (`dossier.submit`)."""
    # The AUTH_USER_MODEL, which the core (below the accounts app) cannot name.
    who: Any = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=who,
        action=action,
        verb=verb,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes=changes or {},
        note=note[:300],
    )


def update(
    actor: AbstractBaseUser | AnonymousUser | None,
    obj: models.Model,
    verb: str,
    values: dict[str, Any],
    *,
    note: str = "",
) -> AuditEvent | None:
    """An audited change in one line: set `values` on `obj` (locked by the caller, inside its
    transaction), save those fields only (and `updated_at` when the model keeps one), and record the
    change under `verb`. Nothing is written, and None returned, when no value changes."""
    names = list(values)
    before = snapshot(obj, names)
    for name, value in values.items():
        setattr(obj, name, value)
    changes = diff(before, snapshot(obj, names))
    if not changes:
        return None
    stamp = ["updated_at"] if any(f.name == "updated_at" for f in obj._meta.concrete_fields) else []
    obj.save(update_fields=names + stamp)
    return record(actor, obj, AuditEvent.Action.UPDATE, changes, note, verb=verb)


def record_many(
    actor: AbstractBaseUser | AnonymousUser | None,
    objs: list[models.Model],
    action: str,
    changes_for: Callable[[models.Model], dict[str, Any]] | None = None,
    note: str = "",
    insert: Callable[[type[AuditEvent], list[AuditEvent]], object] | None = None,
    *,
    verb: str = "",
) -> None:
    """Bulk form for imports: one audit row per object in a single INSERT.

    `insert(model, events)`, when given, saves the new events instead of bulk_create() (the import
    passes its faster PostgreSQL bulk insert)."""
    if not objs:
        return
    content_type = ContentType.objects.get_for_model(objs[0], for_concrete_model=True)
    who: Any = actor if getattr(actor, "is_authenticated", False) else None
    events = [
        AuditEvent(
            actor=who,
            action=action,
            verb=verb,
            content_type=content_type,
            object_id=str(o.pk),
            object_repr=str(o)[:300],
            changes=changes_for(o) if changes_for else {},
            note=note[:300],
        )
        for o in objs
    ]
    if insert is not None:
        insert(AuditEvent, events)
    else:
        AuditEvent.objects.bulk_create(events, batch_size=1000)


def history(obj: models.Model) -> models.QuerySet[AuditEvent]:
    """The audit events of obj, newest first."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True), object_id=str(obj.pk)
    ).select_related("actor")
