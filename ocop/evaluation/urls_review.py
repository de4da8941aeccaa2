from django.urls import path

from . import views_review as views

urlpatterns: list = [
    path("dossiers/<int:pk>/commune-review/", views.commune_review, name="commune_review"),
    path("dossiers/<int:pk>/province-check/", views.province_check, name="province_check"),
    path("rounds/", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_board, name="round_board"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("inbox/", views.inbox, name="inbox"),
]
