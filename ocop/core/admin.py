from collections.abc import Mapping
from typing import Any, ClassVar

from django.contrib import admin
from django.db.models import Field, Model, URLField
from django.http import HttpRequest

from .models import AuditEvent, Counter


class ReadOnlyAdmin:
    """For models whose rows change only through their services (which check, lock and audit): the
    admin shows them and never adds, edits or deletes. Mix in before ModelAdmin or an inline."""

    # The (read-only) form still builds its fields: web addresses as the apps' own forms take them.
    formfield_overrides: ClassVar[Mapping[type[Field[Any, Any]], Mapping[str, Any]]] = {
        URLField: {"assume_scheme": "https"}
    }

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: audit rows are evidence and are never edited."""

    list_display = ["created_at", "actor", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "object_id"]


@admin.register(Counter)
class CounterAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("key", "value")
