from django.contrib import admin
from django.urls import include, path

from ocop.api.api import api

urlpatterns = [
    path("", include("ocop.core.urls")),
    path("accounts/", include("ocop.accounts.urls")),
    path("registry/", include("ocop.registry.urls")),
    path("criteria/", include("ocop.criteria.urls")),
    path("evaluation/", include("ocop.evaluation.urls")),
    path("", include("ocop.certificates.urls")),
    path("", include("ocop.trace.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
