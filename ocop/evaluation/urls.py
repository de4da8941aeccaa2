"""The evaluation pages, stage by stage (ideas, library, dossiers, review, rounds, inbox, council,
decisions). The self-assessment keeps its address under /criteria/self/, beside the sheets it answers."""

from django.urls import include, path

from .views import council, decisions, dossiers, ideas, inbox, library, review, rounds, selfassessment

app_name = "evaluation"

self_assessment_patterns = [
    path("<int:product_id>/", selfassessment.self_assessment, name="self_assessment"),
    path("<int:product_id>/panel/", selfassessment.self_panel, name="self_panel"),
    path("<int:product_id>/evidence/", selfassessment.evidence_add, name="self_evidence_add"),
    path("<int:product_id>/pdf", selfassessment.self_pdf, name="self_pdf"),
    path("evidence/<int:pk>/", selfassessment.evidence_file, name="self_evidence_file"),
    path("evidence/<int:pk>/delete/", selfassessment.evidence_delete, name="self_evidence_delete"),
]

evaluation_patterns = [
    # Ideas, the evidence library and the dossiers.
    path("ideas/", ideas.idea_list, name="idea_list"),
    path("ideas/new/", ideas.idea_create, name="idea_create"),
    path("ideas/<int:pk>/", ideas.idea_detail, name="idea_detail"),
    path("library/", library.library_list, name="library"),
    path("library/upload/", library.library_upload, name="library_upload"),
    path("library/<int:pk>/", library.library_document, name="library_document"),
    path("library/<int:pk>/download/", library.library_download, name="library_download"),
    path("dossiers/", dossiers.dossier_list, name="dossier_list"),
    path("dossiers/open/<int:product_pk>/", dossiers.dossier_open, name="dossier_open"),
    path("dossiers/<int:pk>/", dossiers.dossier_detail, name="dossier_detail"),
    path("dossiers/<int:pk>/form01/", dossiers.dossier_form01, name="dossier_form01"),
    path("dossiers/<int:pk>/form02/", dossiers.dossier_form02, name="dossier_form02"),
    path("dossiers/<int:pk>/attachments/", dossiers.dossier_attachments, name="dossier_attachments"),
    path("dossiers/<int:pk>/take-self-assessment/", dossiers.dossier_take_self, name="dossier_take_self"),
    path("dossiers/<int:pk>/submit/", dossiers.dossier_submit, name="dossier_submit"),
    path("dossiers/<int:pk>/withdraw/", dossiers.dossier_withdraw, name="dossier_withdraw"),
    # The commune's review, the province's check, the rounds and the inbox.
    path("dossiers/<int:pk>/commune-review/", review.commune_review, name="commune_review"),
    path("dossiers/<int:pk>/province-check/", review.province_check, name="province_check"),
    path("rounds/", rounds.round_list, name="round_list"),
    path("rounds/new/", rounds.round_create, name="round_create"),
    path("rounds/<int:pk>/", rounds.round_board, name="round_board"),
    path("rounds/<int:pk>/close/", rounds.round_close, name="round_close"),
    path("inbox/", inbox.inbox, name="inbox"),
    # Councils and scoring.
    path("councils/", council.council_list, name="council_list"),
    path("rounds/<int:round_pk>/councils/new/", council.council_create, name="council_create"),
    path("councils/<int:pk>/", council.council_detail, name="council_detail"),
    path("dossiers/<int:pk>/score/", council.score, name="score"),
    path("dossiers/<int:pk>/scoring/", council.scoring, name="scoring"),
    path("dossiers/<int:pk>/discussion/", council.discussion, name="discussion"),
    # Decisions.
    path("dossiers/<int:pk>/decide/", decisions.decide, name="decide"),
    path("dossiers/<int:pk>/result/", decisions.result, name="result"),
    path("dossiers/<int:pk>/central/", decisions.central_result, name="central_result"),
    path("rounds/<int:round_pk>/decisions/new/", decisions.decision_create, name="decision_create"),
    path("central/", decisions.central_list, name="central_list"),
    path("central/import/", decisions.central_import, name="central_import"),
    path("central/decisions/new/", decisions.ministry_decision, name="ministry_decision"),
    path("decisions/", decisions.decision_list, name="decision_list"),
    path("decisions/<int:pk>/", decisions.decision_detail, name="decision_detail"),
]

urlpatterns = [
    path("evaluation/", include(evaluation_patterns)),
    path("criteria/self/", include(self_assessment_patterns)),
]
