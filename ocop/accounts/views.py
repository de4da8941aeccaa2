"""One's own account: the "My account" page, password change, and password reset by e-mail.

The password views are Django's own (tokens, expiry after PASSWORD_RESET_TIMEOUT, inactive users
skipped); only the reset e-mail's link is built here, from OCOP_PUBLIC_BASE_URL, never from the
request's Host header, so a forged Host never ends up in the mail."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from ocop.core.links import public_base_url

from .access import EVERY_ROLE, role_required


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
