from django.urls import path

from . import views, views_import

app_name = "registry"
urlpatterns = [
    path("producers/", views.producer_list, name="producer_list"),
    path("producers/new/", views.producer_create, name="producer_create"),
    path("producers/<int:pk>/", views.producer_detail, name="producer_detail"),
    path("producers/<int:pk>/edit/", views.producer_edit, name="producer_edit"),
    path("producers/<int:pk>/channels/", views.producer_channels, name="producer_channels"),
    path("producers/<int:pk>/delete/", views.producer_delete, name="producer_delete"),
    path("producers/<int:pk>/history/", views.producer_history, name="producer_history"),
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/delete/", views.product_delete, name="product_delete"),
    path("products/<int:pk>/history/", views.product_history, name="product_history"),
    path("products/<int:pk>/rating/", views.product_rate, name="product_rate"),
    path("products/<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
    path("photos/<int:pk>/public/", views.photo_public, name="photo_public"),
    path("photos/<int:pk>/<str:variant>/", views.photo_file, name="photo_file"),
    path("import/", views_import.import_start, name="import_start"),
    path("import/<int:pk>/", views_import.import_detail, name="import_detail"),
    path("import/<int:pk>/status/", views_import.import_status, name="import_status"),
    path("import/<int:pk>/confirm/", views_import.import_confirm, name="import_confirm"),
    path("import/template/<str:kind>.<str:fmt>", views_import.import_template, name="import_template"),
    path("export/<str:kind>.<str:fmt>", views_import.export, name="export"),
]
