"""The evaluation models in the admin: read-only. Every change goes through the services (ideas, library,
dossiers, review, rounds, council, decisions), which check who may do it, keep a filed dossier frozen,
keep members' scores independent and write the audit trail; an admin form would bypass all of that."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ocop.core.admin import ReadOnlyAdmin

from . import models


@admin.register(models.Idea)
class IdeaAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("title", "producer", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("title",)
    raw_id_fields = ("producer", "product", "created_by")


@admin.register(models.EvidenceDocument)
class EvidenceDocumentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("title", "producer", "kind", "issued_on", "expires_on", "archived")
    list_filter = ("kind", "archived")
    search_fields = ("title", "reference")
    raw_id_fields = ("producer", "product", "replaces", "uploaded_by")
    # Files live under unguessable names and are served only by the permission-checked view.
    exclude = ("file",)
    readonly_fields = ("download",)

    @admin.display(description=_("file"))
    def download(self, obj):
        url = reverse("evaluation:library_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


@admin.register(models.Round)
class RoundAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("name", "province", "year", "kind", "commune_cutoff", "decision_due", "status")
    list_filter = ("status", "kind", "year")


class CouncilMemberInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.CouncilMember
    raw_id_fields = ("user",)
    filter_horizontal = ("conflicts",)
    extra = 0


@admin.register(models.Council)
class CouncilAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("name", "round", "decision_number", "quorum", "spread_limit")
    inlines = [CouncilMemberInline]


@admin.register(models.Decision)
class DecisionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("number", "date", "level", "province", "round")
    list_filter = ("level",)


class AttachmentInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.DossierAttachment
    raw_id_fields = ("document", "added_by")
    extra = 0


@admin.register(models.Dossier)
class DossierAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("__str__", "product", "round", "request_type", "status", "commune_deadline")
    list_filter = ("status", "request_type")
    search_fields = ("receipt_number", "product_code", "product__name_vi")
    raw_id_fields = ("product", "producer", "commune", "previous", "council", "decision", "created_by")
    inlines = [AttachmentInline]


@admin.register(models.AdvisoryRecord)
class AdvisoryRecordAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("dossier", "kind", "on")
    raw_id_fields = ("dossier", "document", "created_by")


# Members' sheets are not in the admin: before the chair closes, nobody — a superuser included — may read
# another member's points (the council pages show them once the scoring is closed).


class SelfAssessmentEvidenceInline(ReadOnlyAdmin, admin.TabularInline):
    model = models.SelfAssessmentEvidence
    fields = ("criterion", "original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0


@admin.register(models.SelfAssessment)
class SelfAssessmentAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: producers and officers change self-assessments on their pages, with an audit trail."""

    list_display = ("product", "sheet", "status", "updated_at", "updated_by")
    list_filter = ("status",)
    search_fields = ("product__name_vi", "product__producer__name")
    readonly_fields = ("product", "sheet", "answers", "not_applicable", "status", "updated_by")
    exclude = ("disqualifiers",)
    inlines = [SelfAssessmentEvidenceInline]
