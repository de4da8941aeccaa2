"""The producers' batch pages and the consumers' trace pages (the Digital Link resolver redirects to
the latter)."""

from django.urls import path

from . import views_batches, views_public

urlpatterns = [
    path("trace/batches/", views_batches.batch_list, name="batch_list"),
    path("trace/batches/new/", views_batches.batch_create, name="batch_create"),
    path("trace/batches/<int:pk>/", views_batches.batch_detail, name="batch_detail"),
    path("trace/batches/<int:pk>/edit/", views_batches.batch_edit, name="batch_edit"),
    path("trace/batches/<int:pk>/events/<str:step>/", views_batches.event_new, name="event_new"),
    path("trace/<str:gtin>/<path:lot>/", views_public.batch_public, name="batch_public"),
    path("trace/<str:gtin>/", views_public.product_public, name="product_public"),
]
