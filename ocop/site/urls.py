"""The URL root: the site's own pages, then every app's pages and the API root."""

from django.contrib import admin
from django.urls import include, path

from . import views
from .api import api

site_patterns = (
    [
        path("", views.home, name="home"),
        path("healthz", views.healthz, name="healthz"),
        path("lang/<str:code>/", views.set_language, name="set_language"),
    ],
    "site",
)

urlpatterns = [
    path("", include(site_patterns)),
    path("accounts/", include("ocop.accounts.urls")),
    path("registry/", include("ocop.registry.urls")),
    path("criteria/", include("ocop.criteria.urls")),
    path("", include("ocop.evaluation.urls")),
    path("", include("ocop.certificates.urls")),
    path("", include("ocop.trace.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
