"""The officers' revocation page; included into the `certificates` namespace (see urls.py)."""

from django.urls import path

from . import views_revoke

urlpatterns = [
    path("certificates/<path:number>/revoke/", views_revoke.revoke, name="revoke"),
]
