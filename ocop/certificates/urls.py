"""Public certificate pages, mounted at the site root: the list of certificates, the verification page
(the QR code's target) and the PDF. Numbers contain "/" (e.g. 12/2026/CN-OCOP-80), hence `path:`;
a number sent URL-encoded (%2F) arrives decoded and matches the same way."""

from django.urls import path

from . import urls_revoke, views

app_name = "certificates"
urlpatterns = [
    path("certificates/", views.public_list, name="public_list"),
    *urls_revoke.urlpatterns,
    path("certificates/<path:number>/pdf", views.certificate_pdf, name="pdf"),
    path("verify/", views.verify_search, name="verify_search"),
    path("verify/<path:number>", views.verify, name="verify"),
]
