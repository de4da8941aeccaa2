"""Certificate pages, mounted at the site root: the public list, the officers' revocation page, the PDF
and the verification page (the QR code's target). Numbers contain "/" (e.g. 12/2026/CN-OCOP-80), hence
`path:`; a number sent URL-encoded (%2F) arrives decoded and matches the same way."""

from django.urls import path

from .views import public, revoke

app_name = "certificates"
urlpatterns = [
    path("certificates/", public.public_list, name="public_list"),
    path("certificates/<path:number>/revoke/", revoke.revoke, name="revoke"),
    path("certificates/<path:number>/pdf", public.certificate_pdf, name="pdf"),
    path("verify/", public.verify_search, name="verify_search"),
    path("verify/<path:number>", public.verify, name="verify"),
]
