from django.urls import path

from . import views_producer as v

urlpatterns: list = [
    path("ideas/", v.idea_list, name="idea_list"),
    path("ideas/new/", v.idea_create, name="idea_create"),
    path("ideas/<int:pk>/", v.idea_detail, name="idea_detail"),
    path("library/", v.library_list, name="library"),
    path("library/upload/", v.library_upload, name="library_upload"),
    path("library/<int:pk>/", v.library_document, name="library_document"),
    path("library/<int:pk>/download/", v.library_download, name="library_download"),
    path("dossiers/", v.dossier_list, name="dossier_list"),
    path("dossiers/open/<int:product_pk>/", v.dossier_open, name="dossier_open"),
    path("dossiers/<int:pk>/", v.dossier_detail, name="dossier_detail"),
    path("dossiers/<int:pk>/form01/", v.dossier_form01, name="dossier_form01"),
    path("dossiers/<int:pk>/form02/", v.dossier_form02, name="dossier_form02"),
    path("dossiers/<int:pk>/attachments/", v.dossier_attachments, name="dossier_attachments"),
    path("dossiers/<int:pk>/take-self-assessment/", v.dossier_take_self, name="dossier_take_self"),
    path("dossiers/<int:pk>/submit/", v.dossier_submit, name="dossier_submit"),
    path("dossiers/<int:pk>/withdraw/", v.dossier_withdraw, name="dossier_withdraw"),
]
