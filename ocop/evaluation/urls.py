"""The evaluation pages, one list per stage (each in its own module). The self-assessment keeps its
address under /criteria/self/, beside the sheets it answers."""

from django.urls import include, path

from . import urls_council, urls_decisions, urls_producer, urls_review, views_self

app_name = "evaluation"

self_assessment_patterns = [
    path("<int:product_id>/", views_self.self_assessment, name="self_assessment"),
    path("<int:product_id>/panel/", views_self.self_panel, name="self_panel"),
    path("<int:product_id>/evidence/", views_self.evidence_add, name="self_evidence_add"),
    path("<int:product_id>/pdf", views_self.self_pdf, name="self_pdf"),
    path("evidence/<int:pk>/", views_self.evidence_file, name="self_evidence_file"),
    path("evidence/<int:pk>/delete/", views_self.evidence_delete, name="self_evidence_delete"),
]

urlpatterns = [
    path(
        "evaluation/",
        include(
            [
                *urls_producer.urlpatterns,
                *urls_review.urlpatterns,
                *urls_council.urlpatterns,
                *urls_decisions.urlpatterns,
            ]
        ),
    ),
    path("criteria/self/", include(self_assessment_patterns)),
]
