"""The officers' revocation page (Decision 26/2026, Art. 8). Thin: the certificate is found through the
user's scope (outside it → 404), the authority is checked (the wrong one → 403 with the reason) and the
change is made by services.revoke; a refused revocation shows its reason and changes nothing."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ocop.accounts.access import role_required
from ocop.accounts.models import Role
from ocop.core.forms import apply_errors

from .. import services
from ..forms import RevokeForm
from ..models import Certificate


@role_required(Role.PROVINCE_OFFICER, Role.MINISTRY)
@require_http_methods(["GET", "POST"])
def revoke(request, number: str):
    certificate = get_object_or_404(
        Certificate.objects.visible_to(request.user).select_related("producer", "province"), number=number
    )
    if not services.is_authority(request.user, certificate):
        raise PermissionDenied(services.authority_message(certificate))
    if not services.in_force(certificate):
        messages.error(request, services.refused_not_in_force(certificate))
        return redirect(certificate.get_absolute_url())
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.revoke(
                request.user,
                certificate,
                ground=data["ground"],
                reason=data["reason"],
                decision_number=data["decision_number"],
                finding_date=data["finding_date"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Certificate %(number)s revoked.") % {"number": certificate.number})
            return redirect(certificate.get_absolute_url())
    return render(
        request,
        "certificates/revoke.html",
        {"certificate": certificate, "form": form, "revocation_days": settings.OCOP_REVOCATION_DAYS},
    )
