from django.urls import path

from . import views_decisions as views

urlpatterns: list = [
    path("dossiers/<int:pk>/decide/", views.decide, name="decide"),
    path("dossiers/<int:pk>/result/", views.result, name="result"),
    path("dossiers/<int:pk>/central/", views.central_result, name="central_result"),
    path("rounds/<int:round_pk>/decisions/new/", views.decision_create, name="decision_create"),
    path("central/", views.central_list, name="central_list"),
    path("central/import/", views.central_import, name="central_import"),
    path("central/decisions/new/", views.ministry_decision, name="ministry_decision"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
]
