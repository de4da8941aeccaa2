from django.urls import path

from .views import exports, imports, producers, products

app_name = "registry"
urlpatterns = [
    path("producers/", producers.producer_list, name="producer_list"),
    path("producers/new/", producers.producer_create, name="producer_create"),
    path("producers/<int:pk>/", producers.producer_detail, name="producer_detail"),
    path("producers/<int:pk>/edit/", producers.producer_edit, name="producer_edit"),
    path("producers/<int:pk>/channels/", producers.producer_channels, name="producer_channels"),
    path("producers/<int:pk>/delete/", producers.producer_delete, name="producer_delete"),
    path("producers/<int:pk>/history/", producers.producer_history, name="producer_history"),
    path("products/", products.product_list, name="product_list"),
    path("products/new/", products.product_create, name="product_create"),
    path("products/<int:pk>/", products.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", products.product_edit, name="product_edit"),
    path("products/<int:pk>/delete/", products.product_delete, name="product_delete"),
    path("products/<int:pk>/history/", products.product_history, name="product_history"),
    path("products/<int:pk>/rating/", products.product_rate, name="product_rate"),
    path("products/<int:pk>/photos/", products.photo_add, name="photo_add"),
    path("photos/<int:pk>/delete/", products.photo_delete, name="photo_delete"),
    path("photos/<int:pk>/public/", products.photo_public, name="photo_public"),
    path("photos/<int:pk>/<str:variant>/", products.photo_file, name="photo_file"),
    path("import/", imports.import_start, name="import_start"),
    path("import/<int:pk>/", imports.import_detail, name="import_detail"),
    path("import/<int:pk>/status/", imports.import_status, name="import_status"),
    path("import/<int:pk>/confirm/", imports.import_confirm, name="import_confirm"),
    path("import/template/<str:kind>.<str:fmt>", exports.import_template, name="import_template"),
    path("export/<str:kind>.<str:fmt>", exports.export, name="export"),
]
