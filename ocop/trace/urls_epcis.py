"""The EPCIS 2.0 REST binding under /epcis/ (the eventID in /epcis/events/{eventID} is URL-encoded)."""

from django.urls import path

from . import views_epcis

urlpatterns: list = [
    path("epcis/capture", views_epcis.capture, name="epcis_capture"),
    path("epcis/capture/<uuid:job_id>", views_epcis.capture_job, name="epcis_capture_job"),
    path("epcis/events", views_epcis.events, name="epcis_events"),
    path("epcis/events/<path:event_id>", views_epcis.event, name="epcis_event"),
]
