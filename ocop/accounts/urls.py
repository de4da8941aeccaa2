from django.contrib.auth import views as auth_views
from django.urls import path

from ocop.core.views import public

from . import views
from .access import EVERY_ROLE, role_required

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path(
        "login/",
        public(
            auth_views.LoginView.as_view(
                template_name="accounts/login.html", redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    # Password reset by e-mail: open to anyone, and never telling whether an address is known.
    path("password-reset/", public(views.PasswordResetView.as_view()), name="password_reset"),
    path(
        "password-reset/sent/",
        public(auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        public(views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        public(
            auth_views.PasswordResetCompleteView.as_view(
                template_name="accounts/password_reset_complete.html"
            )
        ),
        name="password_reset_complete",
    ),
    # Password change: any signed-in user, for their own account.
    path(
        "password-change/",
        role_required(*EVERY_ROLE)(views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "password-change/done/",
        role_required(*EVERY_ROLE)(
            auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
        ),
        name="password_change_done",
    ),
]
