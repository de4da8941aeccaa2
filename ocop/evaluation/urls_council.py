from django.urls import path

from . import views_council as views

urlpatterns: list = [
    path("councils/", views.council_list, name="council_list"),
    path("rounds/<int:round_pk>/councils/new/", views.council_create, name="council_create"),
    path("councils/<int:pk>/", views.council_detail, name="council_detail"),
    path("dossiers/<int:pk>/score/", views.score, name="score"),
    path("dossiers/<int:pk>/scoring/", views.scoring, name="scoring"),
    path("dossiers/<int:pk>/discussion/", views.discussion, name="discussion"),
]
