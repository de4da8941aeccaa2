"""The evaluation models in the admin, read mostly: state changes belong to the services (which audit
them), so the dossier's status and filing numbers are read-only here."""

from django.contrib import admin

from . import models


@admin.register(models.Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ("title", "entity", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("title",)
    raw_id_fields = ("entity", "product", "created_by")


@admin.register(models.EvidenceDocument)
class EvidenceDocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "entity", "kind", "issued_on", "expires_on", "archived")
    list_filter = ("kind", "archived")
    search_fields = ("title", "reference")
    raw_id_fields = ("entity", "product", "replaces", "uploaded_by")
    readonly_fields = ("file", "original_name", "content_type", "size", "sha256")


@admin.register(models.Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ("name", "province", "year", "kind", "commune_cutoff", "decision_due", "status")
    list_filter = ("status", "kind", "year")


class CouncilMemberInline(admin.TabularInline):
    model = models.CouncilMember
    raw_id_fields = ("user",)
    filter_horizontal = ("conflicts",)
    extra = 0


@admin.register(models.Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ("name", "round", "decision_number", "quorum", "spread_limit")
    inlines = [CouncilMemberInline]


@admin.register(models.Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("number", "date", "level", "province", "round")
    list_filter = ("level",)


class AttachmentInline(admin.TabularInline):
    model = models.DossierAttachment
    raw_id_fields = ("document", "added_by")
    extra = 0


@admin.register(models.Dossier)
class DossierAdmin(admin.ModelAdmin):
    list_display = ("__str__", "product", "round", "request_type", "status", "commune_deadline")
    list_filter = ("status", "request_type")
    search_fields = ("receipt_number", "product_code", "product__name_vi")
    raw_id_fields = ("product", "entity", "commune", "previous", "council", "decision", "created_by")
    readonly_fields = (
        "status",
        "receipt_number",
        "product_code",
        "submitted_at",
        "received_on",
        "commune_deadline",
    )
    inlines = [AttachmentInline]


@admin.register(models.AdvisoryRecord)
class AdvisoryRecordAdmin(admin.ModelAdmin):
    list_display = ("dossier", "kind", "on")
    raw_id_fields = ("dossier", "document", "created_by")


@admin.register(models.MemberScore)
class MemberScoreAdmin(admin.ModelAdmin):
    list_display = ("dossier", "member", "scoring_round", "total", "stars", "submitted_at")
    raw_id_fields = ("dossier", "member")


@admin.register(models.Counter)
class CounterAdmin(admin.ModelAdmin):
    list_display = ("key", "value")
