from django.urls import path

from . import views, views_self

app_name = "criteria"
urlpatterns = [
    path("", views.set_list, name="set_list"),
    path("self/<int:product_id>/", views_self.self_assessment, name="self_assessment"),
    path("self/<int:product_id>/panel/", views_self.self_panel, name="self_panel"),
    path("self/<int:product_id>/evidence/", views_self.evidence_add, name="self_evidence_add"),
    path("self/<int:product_id>/pdf", views_self.self_pdf, name="self_pdf"),
    path("self/evidence/<int:pk>/", views_self.evidence_file, name="self_evidence_file"),
    path("self/evidence/<int:pk>/delete/", views_self.evidence_delete, name="self_evidence_delete"),
    path("<slug:set_id>/", views.set_detail, name="set_detail"),
    path("<slug:set_id>/sheets/<int:number>/", views.sheet_detail, name="sheet_detail"),
]
