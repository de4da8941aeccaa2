"""What the producer and product pages share: paging, the first photo of each product in a list, and
the history page (the audit events of one object)."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import OuterRef, Subquery
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ocop.core import audit
from ocop.core.views import page_of

from ..models import ProductPhoto

GET_POST = require_http_methods(["GET", "POST"])


def first_photo():
    return Subquery(
        ProductPhoto.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("pk")[:1]
    )


# --- History ---------------------------------------------------------------------------------------


def _internal(model, name: str) -> bool:
    """Derived columns (the search key) change with the fields they come from: not worth a line."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.concrete and not field.editable


def _field_label(model, name: str) -> str:
    special = {"photos": _("photos"), "sales_channels": _("sales channels"), "decision": _("decision")}
    if name in special:
        return special[name]
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field that no longer exists: show its stored name
        return name


def _shown(value) -> str:
    """An audit value as text: lists joined, booleans in words, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


def render_history(request, obj, template: str, context: dict):
    page = page_of(request, audit.history(obj))
    model = type(obj)
    rows = [
        {
            "event": event,
            "changes": [
                {"field": _field_label(model, name), "old": _shown(values[0]), "new": _shown(values[1])}
                for name, values in sorted(event.changes.items())
                if isinstance(values, list | tuple) and len(values) == 2 and not _internal(model, name)
            ],
        }
        for event in page.object_list
    ]
    return render(request, template, {**context, "page_obj": page, "rows": rows, "tab": "history"})
