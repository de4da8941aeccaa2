"""Criteria sets in the admin: to read, and to delete a draft. Sets are loaded with
`manage.py ocop_load_criteria`; a published set is shown read-only and cannot be deleted."""

from django.contrib import admin, messages
from django.utils.translation import gettext

from .models import CriteriaSet, Sheet


class SheetInline(admin.TabularInline):
    model = Sheet
    fields = ("number", "name_vi", "product_set_code", "part_maxima")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CriteriaSet)
class CriteriaSetAdmin(admin.ModelAdmin):
    list_display = ("id", "legal_basis", "effective_date", "status", "published_at")
    list_filter = ("status",)
    exclude = ("source", "classification", "header")
    readonly_fields = (
        "id",
        "title_vi",
        "title_en",
        "legal_basis",
        "decision_number",
        "decision_date",
        "effective_date",
        "part_maxima",
        "status",
        "published_at",
        "content_hash",
        "loaded_at",
    )
    inlines = [SheetInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("source", "classification", "header")

    def has_add_permission(self, request):
        return False  # loaded from a file: manage.py ocop_load_criteria PATH [--publish]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and obj.is_published:
            messages.info(
                request,
                gettext(
                    "This criteria set is published and cannot be changed or deleted; "
                    "load a correction as a new set id."
                ),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_queryset(self, request, queryset):
        # The bulk "delete selected" action: drafts only (the models refuse published ones anyway).
        queryset.filter(status="draft").delete()


@admin.register(Sheet)
class SheetAdmin(admin.ModelAdmin):
    list_display = ("criteria_set", "number", "name_vi", "product_set_code")
    list_filter = ("criteria_set",)
    exclude = ("data",)
    readonly_fields = (
        "criteria_set",
        "number",
        "name_vi",
        "name_en",
        "group_code",
        "subgroup_code",
        "product_set_code",
        "part_maxima",
    )

    def get_queryset(self, request):
        # Neither the sheet's data nor the set's whole source (1.7 MB a row) is shown in the list.
        return (
            super()
            .get_queryset(request)
            .select_related("criteria_set")
            .defer("data", "criteria_set__source", "criteria_set__classification", "criteria_set__header")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # sheets go with their set
