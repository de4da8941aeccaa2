"""Traceability addresses, all at the site root (included under the `trace` namespace), in this order:
the GS1 Digital Link resolver (/01/…, /.well-known/gs1resolver) and the batch's QR label sheet, the EPCIS
2.0 REST binding (/epcis/…), the transparency log (/transparency/…), and the producers' batch pages and
the consumers' trace pages (/trace/…; the resolver redirects to the latter)."""

from django.urls import path

from .views import batches, epcis, labels, public, resolver, tlog

app_name = "trace"
urlpatterns = [
    # The GS1 Digital Link resolver.
    path("01/<str:gtin>", resolver.resolve, name="dl_gtin"),
    path("01/<str:gtin>/10/<str:lot>", resolver.resolve, name="dl_batch"),
    path("01/<str:gtin>/10/<str:lot>/21/<str:serial>", resolver.resolve, name="dl_serial"),
    # Anything else under /01/ is a malformed Digital Link: the resolver answers 400, not 404.
    path("01/", resolver.resolve, name="dl_empty"),
    path("01/<path:rest>", resolver.resolve, name="dl_malformed"),
    path(".well-known/gs1resolver", resolver.resolver_description, name="gs1resolver"),
    path("trace/batches/<int:pk>/labels/", labels.batch_labels_page, name="batch_labels_page"),
    path("trace/batches/<int:pk>/labels.pdf", labels.batch_labels, name="batch_labels"),
    # The EPCIS 2.0 REST binding (the eventID in /epcis/events/{eventID} is URL-encoded).
    path("epcis/capture", epcis.capture, name="epcis_capture"),
    path("epcis/capture/<uuid:job_id>", epcis.capture_job, name="epcis_capture_job"),
    path("epcis/events", epcis.events, name="epcis_events"),
    path("epcis/events/<path:event_id>", epcis.event, name="epcis_event"),
    # The transparency log.
    path("transparency/checkpoint", tlog.checkpoint, name="tlog_checkpoint"),
    path("transparency/key", tlog.key, name="tlog_key"),
    path("transparency/proof", tlog.proof, name="tlog_proof"),
    path("transparency/consistency", tlog.consistency, name="tlog_consistency"),
    # The producers' batch pages and the consumers' trace pages.
    path("trace/batches/", batches.batch_list, name="batch_list"),
    path("trace/batches/new/", batches.batch_create, name="batch_create"),
    path("trace/batches/<int:pk>/", batches.batch_detail, name="batch_detail"),
    path("trace/batches/<int:pk>/edit/", batches.batch_edit, name="batch_edit"),
    path("trace/batches/<int:pk>/events/<str:step>/", batches.event_new, name="event_new"),
    path("trace/<str:gtin>/<path:lot>/", public.batch_public, name="batch_public"),
    path("trace/<str:gtin>/", public.product_public, name="product_public"),
]
