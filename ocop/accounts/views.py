"""One's own account: the "My account" page, password change, and password reset by e-mail.

The password views are Django's own (tokens, expiry after PASSWORD_RESET_TIMEOUT, inactive users
skipped); only the reset e-mail's link is built here, from OCOP_PUBLIC_BASE_URL, never from the
request's Host header, so a forged Host never ends up in the mail."""

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ocop.core import audit
from ocop.core.forms import apply_errors
from ocop.core.links import public_base_url
from ocop.core.views import page_of

from . import services
from .access import EVERY_ROLE, role_required
from .models import Role


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        base_url = public_base_url()
        # Both set, so Django never asks the request for its host (get_current_site).
        self.domain_override = urlsplit(base_url).netloc
        self.extra_email_context = {
            "base_url": base_url,
            "valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
        }
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


@role_required(*EVERY_ROLE)
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's name, role and scope, and the way to change the password."""
    return render(request, "accounts/account.html", {"account": request.user})


class AccountStateForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


@role_required(Role.PROVINCE_OFFICER)
@require_GET
def people(request: HttpRequest) -> HttpResponse:
    """The accounts of the province: who they are, where they work, and whether they may sign in."""
    accounts = services.manageable_by(request.user).select_related("province", "commune", "producer")
    query = (request.GET.get("q") or "").strip()
    if query:
        accounts = accounts.filter(Q(username__icontains=query) | Q(full_name__icontains=query))
    accounts = accounts.order_by("-is_active", "role", "full_name", "username")
    return render(request, "accounts/people.html", {"page_obj": page_of(request, accounts), "q": query})


@role_required(Role.PROVINCE_OFFICER)
@require_http_methods(["GET", "POST"])
def person(request: HttpRequest, pk: int) -> HttpResponse:
    """One account, and the confirmation to deactivate or reactivate it (asked on its own page, so it
    works without JavaScript)."""
    account = get_object_or_404(services.manageable_by(request.user), pk=pk)
    form = AccountStateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_active(
                request.user, account, not account.is_active, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            done = (
                _("%(name)s can sign in again.")
                if not account.is_active
                else _("%(name)s can no longer sign in.")
            )
            messages.success(request, done % {"name": account})
            return redirect("accounts:people")
    history = audit.history(account).filter(verb__startswith="account.")[:20]
    return render(request, "accounts/person.html", {"account": account, "form": form, "history": history})
