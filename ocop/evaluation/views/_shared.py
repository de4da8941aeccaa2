"""What the idea, library, dossier, review and round pages share: paging, refusals, form errors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ocop.accounts.models import Role

GET_POST = require_http_methods(["GET", "POST"])
FILERS = (Role.PRODUCER, Role.COMMUNE_OFFICER)


def _id(raw) -> int:
    """An object id from a query string or a form: anything but a number is "not found" (404)."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404 from None


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc) or _("You are not allowed to do this.")]


def _refused(request, exc: Exception) -> None:
    for text in _errors(exc):
        messages.error(request, text)


def _apply(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form (on its fields where they exist)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
