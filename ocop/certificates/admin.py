"""Certificates in the admin: read-only. Issue, revocation and expiry go through services.py (and its
audit events), never through an admin form."""

from django.contrib import admin

from .models import Certificate, Reminder


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnly):
    list_display = ("number", "product_name", "entity_name", "stars", "issued_on", "expires_on", "status")
    list_filter = ("status", "stars", "province")
    search_fields = ("number", "product_name", "entity_name", "decision_number")
    date_hierarchy = "issued_on"
    list_select_related = ("province",)


@admin.register(Reminder)
class ReminderAdmin(ReadOnly):
    list_display = ("certificate", "kind", "sent_at")
    list_filter = ("kind",)
    search_fields = ("certificate__number",)
    list_select_related = ("certificate",)
