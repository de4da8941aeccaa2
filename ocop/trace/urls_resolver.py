"""The GS1 Digital Link resolver (/01/…, /.well-known/gs1resolver) and the batch's QR label sheet."""

from django.urls import path

from . import views_labels, views_resolver

urlpatterns = [
    path("01/<str:gtin>", views_resolver.resolve, name="dl_gtin"),
    path("01/<str:gtin>/10/<str:lot>", views_resolver.resolve, name="dl_batch"),
    path("01/<str:gtin>/10/<str:lot>/21/<str:serial>", views_resolver.resolve, name="dl_serial"),
    # Anything else under /01/ is a malformed Digital Link: the resolver answers 400, not 404.
    path("01/", views_resolver.resolve, name="dl_empty"),
    path("01/<path:rest>", views_resolver.resolve, name="dl_malformed"),
    path(".well-known/gs1resolver", views_resolver.resolver_description, name="gs1resolver"),
    path("trace/batches/<int:pk>/labels.pdf", views_labels.batch_labels, name="batch_labels"),
]
